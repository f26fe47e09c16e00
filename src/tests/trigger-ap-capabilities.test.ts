/**
 * The triggers that need an AP capability (bss-transition: BSS Transition Management
 * requests; txpower-crossfade: setting the transmit power) refuse a bench whose APs run
 * madwifi, which has neither, with a configuration error (exit 2) naming the bench, the AP
 * and its driver, once the bench is up and before any roam. And the transmit-power ramp's
 * mapping from the profile's range to dBm.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { txPowerFor } from '../roam/triggers/txpower-crossfade.ts';
import { inventoryCopy, runCli, tempDir } from './helpers/cli.ts';

describe('AP-capability triggers on madwifi APs', () => {
  for (const trigger of ['bss-transition', 'txpower-crossfade']) {
    it(`${trigger}: exit 2 naming the bench, ap1 and driver madwifi`, async () => {
      const dir = tempDir();
      const inv = inventoryCopy(dir, (doc) => doc.setIn(['benches', 'virtual', 'profile', 'trigger'], trigger));
      const r = await runCli(['roam', '--inventory', inv, '--reports', join(dir, 'reports'), '--count', '1']);
      expect(r.code, r.stderr.slice(-1000)).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`bench virtual: profile\\.trigger ${trigger} needs access points that .*; ap1 is driver madwifi, which cannot`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('txpower-crossfade mapping', () => {
  it('range.minDb is full power, every dB of the ramp one dBm less', () => {
    // hwsim: 20 dBm full power, profile range 0..15 dB: 20 dBm down to 5 dBm.
    expect([0, 1, 7, 15].map((db) => txPowerFor(20, 0, db))).toEqual([20, 19, 13, 5]);
    // a range that starts at 20 dB: 20 dB is full power (18 dBm), 30 dB is 8 dBm
    expect(txPowerFor(18, 20, 20)).toBe(18);
    expect(txPowerFor(18, 20, 30)).toBe(8);
  });
});
