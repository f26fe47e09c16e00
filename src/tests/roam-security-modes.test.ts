/**
 * The three security modes of the ticket (open, WEP, WPA-PSK), 20 roams each on the
 * virtual rig, stock and patched: the ticket's figures in every mode (stock median 5
 * lost per roam, patched median 0), every valid roam's lost sequence numbers equal to the
 * ground truth, the mode named in the summary and the report, and the secret (WEP key,
 * WPA passphrase) nowhere in the run folder. Then WEP itself: a station with the wrong
 * key never associates; with the right one it does; a malformed key is refused naming
 * the variable, not the key.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { accessPointSettings, stationSettings } from '../bench/settings.ts';
import { parseWepKey, type WepKey } from '../controllers/wep-key.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { AP_NAMES } from '../inventory/schema.ts';
import { inventoryCopy, readJsonl, runCli, tempDir, type RoamJson } from './helpers/cli.ts';

const WEP_KEY = '5a3c9e01f7b2d4866e1a0c3b9f';
const WEP_ASCII = 'Rig-WEP-13chr';
const PSK = 'virtual-bench-passphrase';

interface Roam {
  index: number;
  variant: string;
  valid: boolean;
  lostSeqs: number[];
}
interface Truth {
  index: number;
  droppedSeqs: number[];
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

// Stock: the ticket's 5 lost per roam, patched 0, open and WEP alike. Under WPA-PSK the
// model's 4-way handshake adds to every roam (its message 2 lost in the stock driver's
// blackout and retried, roam-e2e.test.ts): measured here stock median 6, patched 1 (the
// shipped virtual-wpa thresholds are looser for that reason).
describe.each([
  { bench: 'virtual', mode: 'open', stockMedian: 5, patchedMedian: 0, secrets: [] as string[], env: {} as Record<string, string> },
  { bench: 'virtual-wep', mode: 'wep', stockMedian: 5, patchedMedian: 0, secrets: [WEP_KEY], env: { RIG_WEP_KEY: WEP_KEY } },
  { bench: 'virtual-wep', mode: 'wep', stockMedian: 5, patchedMedian: 0, secrets: [WEP_ASCII, Buffer.from(WEP_ASCII).toString('hex')], env: { RIG_WEP_KEY: WEP_ASCII } },
  { bench: 'virtual-wpa', mode: 'wpa-psk', stockMedian: 6, patchedMedian: 1, secrets: [PSK], env: { RIG_WPA_PSK: PSK } },
])('20 roams stock and patched on $bench ($mode)', ({ bench, mode, stockMedian, patchedMedian, secrets, env }) => {
  it('the ticket figures, every valid roam equal to the ground truth, the mode in summary and report, no secret in the run folder', async () => {
    const dir = tempDir();
    const inv = inventoryCopy(dir);
    const r = await runCli(['roam', '--bench', bench, '--variants', 'stock,patched', '--count', '20', '--inventory', inv, '--reports', join(dir, 'reports'), '--json'], { env });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr.slice(-1500)).toBe(0);
    const json = JSON.parse(r.stdout) as RoamJson;
    const roams = readJsonl<Roam>(join(json.runDir, 'roams.jsonl'));
    const truth = new Map(readJsonl<Truth>(join(json.runDir, 'ground-truth.jsonl')).map((t) => [t.index, t]));
    for (const [variant, expectedMedian] of [
      ['stock', stockMedian],
      ['patched', patchedMedian],
    ] as const) {
      const mine = roams.filter((x) => x.variant === variant);
      expect(mine).toHaveLength(20);
      const valid = mine.filter((x) => x.valid);
      expect(valid.length, `${variant} valid roams`).toBeGreaterThanOrEqual(18);
      expect(median(valid.map((x) => x.lostSeqs.length)), `${mode} ${variant} median lost`).toBe(expectedMedian);
      for (const x of valid) expect([...x.lostSeqs].sort((a, b) => a - b), `roam ${x.index}`).toEqual([...truth.get(x.index)!.droppedSeqs].sort((a, b) => a - b));
    }
    const summary = JSON.parse(readFileSync(join(json.runDir, 'summary.json'), 'utf8')) as { security?: string };
    expect(summary.security).toBe(mode);
    expect(readFileSync(join(json.runDir, 'index.html'), 'utf8')).toContain(`"security":"${mode}"`);
    for (const f of filesUnder(json.runDir)) {
      const text = readFileSync(f, 'latin1');
      for (const s of secrets) expect(text.includes(s), `${s.slice(0, 3)}… in ${f}`).toBe(false);
    }
    for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
  }, 300_000);
});

describe('WEP on the virtual bench', () => {
  let session: BenchSession | null = null;
  afterEach(async () => {
    await session?.close();
    session = null;
    delete process.env.RIG_WEP_KEY;
  });

  it('a station with the wrong key never associates; the right key associates', async () => {
    process.env.RIG_WEP_KEY = WEP_KEY;
    const b = selectBench(await loadInventory(inventoryCopy(tempDir())), 'virtual-wep').bench;
    const s = (session = await openBench(b, { provision: provisionBench, timeScale: 100 }));
    await Promise.all(AP_NAMES.map((ap) => s.aps[ap].configure(accessPointSettings(b, ap, null))));
    const right = stationSettings(b, null);
    const wrong = { ...right, wep: { ...right.wep!, key: parseWepKey('00112233445566778899aabbcc') as WepKey } };
    await s.station.configure(wrong);
    await expect(s.station.waitAssociated(s.clock, 60_000)).rejects.toThrow();
    expect((await s.station.link()).bssid).toBeNull();
    await s.station.configure(right);
    const bssid = await s.station.waitAssociated(s.clock, 180_000);
    expect(bssid).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/i);
  }, 120_000);

  it('a malformed or missing key is a config error naming the variable, never the key', async () => {
    const dir = tempDir();
    const inv = inventoryCopy(dir);
    const bad = await runCli(['roam', '--bench', 'virtual-wep', '--count', '1', '--inventory', inv, '--reports', join(dir, 'r')], { env: { RIG_WEP_KEY: 'abc12345-not-a-key' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/RIG_WEP_KEY: expected a 40-bit key .* got 18 characters/);
    expect(bad.stderr).not.toContain('abc12345');
    const missing = await runCli(['roam', '--bench', 'virtual-wep', '--count', '1', '--inventory', inv, '--reports', join(dir, 'r')], { env: { RIG_WEP_KEY: '' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the bench uses WEP: set its key in the environment variable RIG_WEP_KEY/);
  });

  it('the key parser: 40 and 104 bit, hex with separators or ASCII', () => {
    expect(parseWepKey('01:23:45:67:89')).toMatchObject({ bits: 40, hex: '0123456789', iwconfigArg: '0123456789' });
    expect(parseWepKey('ABCDE')).toMatchObject({ bits: 40, hex: '4142434445', iwconfigArg: 's:ABCDE' });
    expect(parseWepKey('s:a b!c')).toMatchObject({ bits: 40, hex: '6120622163', iwconfigArg: '6120622163' });
    expect(parseWepKey(WEP_KEY)).toMatchObject({ bits: 104 });
    expect(parseWepKey('0123456789abcdef')).toMatch(/got 16 characters/);
  });
});
