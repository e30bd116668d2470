import * as ipaddr from 'ipaddr.js';

/**
 * The part of a client's address that a per-address login limit counts: an IPv4 address as it is
 * (an IPv4-mapped IPv6 address such as `::ffff:192.0.2.1` as the IPv4 address it maps), an IPv6
 * address by its /64 network. One IPv6 host usually holds a whole /64 and can pick a new address in
 * it for every attempt, so counting single IPv6 addresses would not limit it at all.
 */
export function loginAddressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress || !ipaddr.isValid(remoteAddress)) return remoteAddress || 'unknown';
  const address = ipaddr.process(remoteAddress);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts;
  return `${new ipaddr.IPv6([...parts.slice(0, 4), 0, 0, 0, 0]).toString()}/64`;
}
