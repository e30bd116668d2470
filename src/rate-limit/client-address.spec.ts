import { loginAddressKey } from './client-address';

describe('loginAddressKey', () => {
  it.each([
    ['an IPv4 address', '192.0.2.1', '192.0.2.1'],
    ['an IPv4-mapped IPv6 address', '::ffff:192.0.2.1', '192.0.2.1'],
    ['an IPv6 address', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['another address of the same /64', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['a compressed IPv6 address', '2001:db8::1', '2001:db8::/64'],
    ['loopback ::1', '::1', '::/64'],
    ['a link-local address with a zone', 'fe80::1%eth0', 'fe80::/64'],
    ['an IPv6 address with an embedded IPv4 tail', '64:ff9b::192.0.2.1', '64:ff9b::/64'],
  ])('%s: %s counts as %s', (_what, address, key) => {
    expect(loginAddressKey(address)).toBe(key);
  });

  it('tells two /64 networks apart', () => {
    expect(loginAddressKey('2001:db8:1:2::1')).not.toBe(loginAddressKey('2001:db8:1:3::1'));
  });

  it.each([
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['not an address', 'not an address'],
  ])('%j counts as %j', (address, key) => {
    expect(loginAddressKey(address)).toBe(key);
  });
});
