/**
 * The madwifi patches in firmware/madwifi-0.9.3/patches/ are real unified diffs:
 * file headers, hunk headers whose line counts match their bodies, the files the
 * manifest says they touch, and the changes ticket 1404 and the roam check need.
 *
 * With MADWIFI_TREE pointing at a clean madwifi release-0.9.3 tree, they are also
 * applied to a copy of it with `patch -p1` (see firmware/README.md for getting one).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, sha256Hex } from '../firmware/manifest.ts';

interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: string[];
}
interface FileDiff {
  oldPath: string;
  newPath: string;
  hunks: Hunk[];
}

/** A strict unified diff reader: text before the first `--- ` is the description. */
function parseUnifiedDiff(text: string): { description: string; files: FileDiff[] } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  while (i < lines.length && !lines[i].startsWith('--- ')) i++;
  const description = lines.slice(0, i).join('\n');
  const files: FileDiff[] = [];
  while (i < lines.length) {
    const minus = /^--- (\S+)/.exec(lines[i]);
    const plus = /^\+\+\+ (\S+)/.exec(lines[i + 1] ?? '');
    if (!minus || !plus) throw new Error(`line ${i + 1}: expected a "--- a/FILE" / "+++ b/FILE" pair, got ${JSON.stringify(lines[i])}`);
    const file: FileDiff = { oldPath: minus[1], newPath: plus[1], hunks: [] };
    i += 2;
    while (i < lines.length && lines[i].startsWith('@@')) {
      const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(lines[i]);
      if (!h) throw new Error(`line ${i + 1}: bad hunk header ${JSON.stringify(lines[i])}`);
      const hunk: Hunk = { oldStart: Number(h[1]), oldCount: Number(h[2] ?? 1), newStart: Number(h[3]), newCount: Number(h[4] ?? 1), lines: [] };
      i++;
      let old = 0;
      let neu = 0;
      while (i < lines.length && (old < hunk.oldCount || neu < hunk.newCount)) {
        const l = lines[i];
        const tag = l[0];
        if (tag === ' ') (old++, neu++);
        else if (tag === '-') old++;
        else if (tag === '+') neu++;
        else if (tag === '\\') {
          i++;
          continue;
        } else throw new Error(`line ${i + 1}: hunk body line must start with " ", "-" or "+": ${JSON.stringify(l)}`);
        hunk.lines.push(l);
        i++;
      }
      if (old !== hunk.oldCount || neu !== hunk.newCount) {
        throw new Error(`hunk ${lines[i - hunk.lines.length - 1]}: header says -${hunk.oldCount} +${hunk.newCount}, body has -${old} +${neu}`);
      }
      file.hunks.push(hunk);
    }
    if (file.hunks.length === 0) throw new Error(`${file.newPath}: no hunks`);
    files.push(file);
  }
  return { description, files };
}

const manifest = loadManifest();
const patches = Object.entries(manifest.patches).map(([name, p]) => ({ name, spec: p, text: readFileSync(join(manifest.dir, p.file), 'utf8') }));
const byName = (n: string) => {
  const p = patches.find((x) => x.name === n);
  if (!p) throw new Error(`no patch ${n}`);
  return { ...p, diff: parseUnifiedDiff(p.text) };
};
const added = (f: FileDiff) => f.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)));
const removed = (f: FileDiff) => f.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1)));
const fileOf = (d: { files: FileDiff[] }, path: string): FileDiff => {
  const f = d.files.find((x) => x.newPath === `b/${path}`);
  if (!f) throw new Error(`the patch does not touch ${path}`);
  return f;
};

describe('madwifi 0.9.3 patches', () => {
  it('the manifest lists the two patches, with their checksums', () => {
    expect(patches.map((p) => p.name)).toEqual(['0001-enable-sta-roam-check', '0002-defer-node-leave-notification']);
    for (const p of patches) expect(sha256Hex(readFileSync(join(manifest.dir, p.spec.file))), p.name).toBe(p.spec.sha256);
  });

  for (const p of patches) {
    it(`${p.name} is a well-formed -p1 unified diff with consistent hunk headers`, () => {
      const d = parseUnifiedDiff(p.text);
      expect(d.description.split('\n')[0].length).toBeGreaterThan(10); // a subject line
      expect(d.files.length).toBeGreaterThan(0);
      for (const f of d.files) {
        expect(f.oldPath).toMatch(/^a\/[\w./-]+$/);
        expect(f.newPath).toBe(`b/${f.oldPath.slice(2)}`);
        let lastEnd = 0;
        let shift = 0;
        for (const h of f.hunks) {
          expect(h.oldStart, `${f.newPath}: hunks in order`).toBeGreaterThan(lastEnd);
          // The new start follows from what the hunks before added and removed.
          expect(h.newStart, `${f.newPath} @@ -${h.oldStart}`).toBe(h.oldStart + shift);
          shift += h.newCount - h.oldCount;
          lastEnd = h.oldStart + h.oldCount - 1;
          expect(h.lines.some((l) => l[0] !== ' '), 'a hunk changes something').toBe(true);
        }
      }
      // The files it touches are the ones the manifest says.
      expect(d.files.map((f) => f.newPath.slice(2)).sort()).toEqual([...p.spec.touches].sort());
      expect(p.text.endsWith('\n')).toBe(true);
      expect(p.text).not.toMatch(/\r/);
    });
  }

  it('the reader rejects a hunk whose header does not match its body', () => {
    const good = byName('0001-enable-sta-roam-check').text;
    expect(() => parseUnifiedDiff(good.replace('@@ -1043,8 +1043,16 @@', '@@ -1043,8 +1043,15 @@'))).toThrow(/body has|must start with/);
    expect(() => parseUnifiedDiff(good.replace('@@ -1043,8 +1043,16 @@', '@@ -1043,9 +1043,16 @@'))).toThrow(/body has|must start with/);
    expect(() => parseUnifiedDiff(good.replace('+++ b/', '+++ '))).not.toThrow(); // caught by the path check instead
  });

  it('0001 enables the roam check in sta_age()', () => {
    const p = byName('0001-enable-sta-roam-check');
    const f = fileOf(p.diff, 'net80211/ieee80211_scan_sta.c');
    expect(f.hunks[0].lines.join('\n')).toContain('sta_roam_check(ss, vap);');
    expect(removed(f).some((l) => /if \(0 && vap->iv_ic->ic_roaming == IEEE80211_ROAMING_AUTO &&/.test(l))).toBe(true);
    expect(added(f).some((l) => /^\tif \(vap->iv_ic->ic_roaming == IEEE80211_ROAMING_AUTO &&$/.test(l))).toBe(true);
    expect(added(f).join('\n')).not.toMatch(/^\s*if \(0 &&/m); // only the comment still quotes it
  });

  it('0002 defers the BSS leave with a VAP timer that join cancels', () => {
    const p = byName('0002-defer-node-leave-notification');
    const v = fileOf(p.diff, 'net80211/ieee80211_var.h');
    expect(added(v)).toContain('\tstruct timer_list iv_leave_timer;\t/* deferred BSS leave notification */');
    expect(added(v).join('\n')).toMatch(/#define\tIEEE80211_LEAVE_DEFER_MS\t100/);
    // the member goes into struct ieee80211vap
    expect(v.hunks.find((h) => h.lines.some((l) => l.includes('iv_leave_timer')))?.lines.join('\n')).toContain('iv_swbmiss');

    const linux = fileOf(p.diff, 'net80211/ieee80211_linux.c');
    const body = linux.hunks.map((h) => h.lines.join('\n')).join('\n');
    // leave: the immediate carrier-off and all-zero SIOCGIWAP are replaced by arming the timer
    expect(removed(linux)).toContain('\t\tnetif_carrier_off(dev);');
    expect(added(linux).join('\n')).toMatch(/mod_timer\(&vap->iv_leave_timer,\n\t+jiffies \+ msecs_to_jiffies\(IEEE80211_LEAVE_DEFER_MS\)\);/);
    // join: cancels a pending leave, before the carrier-on
    expect(body).toMatch(/del_timer\(&vap->iv_leave_timer\);\n \t\tif \(newassoc\) \n \t\t\tnetif_carrier_on\(dev\);/);
    // the timer: fires -> the notification goes out as before
    expect(added(linux).join('\n')).toMatch(/ieee80211_notify_leave_timeout\(unsigned long arg\)[\s\S]*ieee80211_notify_bss_leave\(vap\);/);
    expect(added(linux).join('\n')).toMatch(/ieee80211_notify_bss_leave\(struct ieee80211vap \*vap\)[\s\S]*netif_carrier_off\(dev\);[\s\S]*wireless_send_event\(dev, SIOCGIWAP, &wreq, NULL\);/);
    // set up with the VAP, deleted when it goes away
    expect(added(linux).join('\n')).toMatch(/init_timer\(&vap->iv_leave_timer\);/);
    expect(added(linux).join('\n')).toMatch(/del_timer_sync\(&vap->iv_leave_timer\)/);
    const proto = fileOf(p.diff, 'net80211/ieee80211_proto.c');
    expect(added(proto)).toContain('\tieee80211_notify_vattach(vap);');
    expect(added(proto)).toContain('\tieee80211_notify_vdetach(vap);');
    const protoH = fileOf(p.diff, 'net80211/ieee80211_proto.h');
    expect(added(protoH)).toEqual(['void ieee80211_notify_vattach(struct ieee80211vap *);', 'void ieee80211_notify_vdetach(struct ieee80211vap *);']);
  });

  const tree = process.env.MADWIFI_TREE;
  it.skipIf(!tree || !existsSync(join(tree, 'net80211/ieee80211_scan_sta.c')))('apply to a clean release-0.9.3 tree with patch -p1 (MADWIFI_TREE)', () => {
    const work = mkdtempSync(join(tmpdir(), 'rig-madwifi-'));
    try {
      const copy = join(work, 'madwifi-0.9.3');
      cpSync(tree as string, copy, { recursive: true });
      for (const p of patches) {
        const file = join(manifest.dir, p.spec.file);
        for (const args of [['-p1', '--dry-run', '-F0', '-i', file], ['-p1', '-F0', '-i', file]]) {
          const r = spawnSync('patch', args, { cwd: copy, encoding: 'utf8' });
          expect(r.status, `${p.name}: patch ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
          expect(r.stdout, p.name).not.toMatch(/offset|fuzz|FAILED/i);
        }
      }
      expect(readFileSync(join(copy, 'net80211/ieee80211_scan_sta.c'), 'utf8')).not.toMatch(/if \(0 && vap->iv_ic->ic_roaming/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
