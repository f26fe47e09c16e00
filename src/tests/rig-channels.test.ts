/**
 * The virtual radios' channel table (rig/world/channels.ts) against channel / centre
 * frequency pairs from IEEE Std 802.11 (2.4 GHz channels 1..14; 5 GHz channels), not
 * against the controllers' table: the rig shares no code with what it checks.
 */
import { describe, expect, it } from 'vitest';
import { channelFrequencyGHz, channelFrequencyMHz } from '../../rig/world/channels.ts';

const KNOWN_MHZ: [number, number][] = [
  [1, 2412], [2, 2417], [3, 2422], [4, 2427], [5, 2432], [6, 2437], [7, 2442],
  [8, 2447], [9, 2452], [10, 2457], [11, 2462], [12, 2467], [13, 2472], [14, 2484],
  [36, 5180], [40, 5200], [64, 5320], [100, 5500], [140, 5700], [149, 5745], [165, 5825],
];

describe('the virtual rig’s channel table', () => {
  it.each(KNOWN_MHZ)('channel %i is centred at %i MHz', (channel, mhz) => {
    expect(channelFrequencyMHz(channel)).toBe(mhz);
    expect(channelFrequencyGHz(channel)).toBe(mhz / 1000);
  });

  it('has no channel the boards’ radio does not have', () => {
    for (const ch of [0, -1, 15, 20, 29, 166, 200, 6.5, Number.NaN]) {
      expect(channelFrequencyMHz(ch), `channel ${ch}`).toBeNull();
      expect(channelFrequencyGHz(ch), `channel ${ch}`).toBeNull();
    }
  });
});
