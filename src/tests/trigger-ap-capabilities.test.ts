/**
 * The triggers that need an AP capability (bss-transition: BSS Transition Management
 * requests; txpower-crossfade: setting the transmit power) refuse a bench whose APs run
 * madwifi, which has neither, with a configuration error (exit 2) naming the bench, the AP
 * and its driver, once the bench is up and before any roam. And the transmit-power ramp's
 * mapping from the profile's range to dBm, and what a roam it could not cause says.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stuckNote, txPowerFor } from '../roam/triggers/txpower-crossfade.ts';
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

describe('txpower-crossfade: a ramp that did not move the client says why', () => {
  it('hwsim as measured: 0 dBm leaves the client at -50 dBm over -92 dBm noise, 42 dB SNR, above wpa_supplicant\'s 25 dB', () => {
    const note = stuckNote({ ap: 'ap1', powerDbm: 0, signalDbm: -50, noiseDbm: -92, thresholdDb: 25 });
    expect(note).toMatch(/ap1 at 0 dBm transmit power/);
    expect(note).toMatch(/-50 dBm \(SNR 42 dB over a -92 dBm noise floor\)/);
    expect(note).toMatch(/above the 25 dB SNR .*cannot move it on this bench/);
  });

  it('claims nothing it cannot know: below the threshold, or without a noise floor or a threshold, it only says where the client stayed', () => {
    for (const o of [
      { signalDbm: -80, noiseDbm: -92, thresholdDb: 25 },
      { signalDbm: -50, noiseDbm: null, thresholdDb: 25 },
      { signalDbm: -50, noiseDbm: -92, thresholdDb: null },
    ]) {
      const note = stuckNote({ ap: 'ap2', powerDbm: 3, ...o });
      expect(note).toMatch(new RegExp(`ap2 at 3 dBm transmit power and the client still on it at ${o.signalDbm} dBm`));
      expect(note).not.toMatch(/cannot move/);
    }
    expect(stuckNote({ ap: 'ap1', powerDbm: 0, signalDbm: null, noiseDbm: -92, thresholdDb: 25 })).toMatch(/signal could not be read/);
  });
});
