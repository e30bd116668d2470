/** E: email, S: gsm (SMS), W: WhatsApp. */
export const CHANNELS = ['E', 'S', 'W'] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is Channel {
  return value === 'E' || value === 'S' || value === 'W';
}
