import { existsSync } from 'node:fs';
import { scanFileLines } from './line-reader.ts';

/**
 * timeline.jsonl as columns, sorted by time:
 *   {t, kind:'attenuation', roam, ap1, ap2} per ramp step,
 *   {t, kind:'signal', roam, bssid, dbm} per signal reading.
 */
export interface TimelineColumns {
  att: { t: number[]; roam: number[]; ap1: number[]; ap2: number[] };
  sig: { t: number[]; roam: number[]; bssid: string[]; dbm: number[] };
  /** Lines that were not valid JSON or not a known sample (a torn last line after a crash). */
  bad: number;
}

export function emptyTimeline(): TimelineColumns {
  return { att: { t: [], roam: [], ap1: [], ap2: [] }, sig: { t: [], roam: [], bssid: [], dbm: [] }, bad: 0 };
}

interface Sample {
  t: number;
  kind: string;
  roam: number;
  ap1: number;
  ap2: number;
  bssid: string;
  dbm: number;
}

function add(cols: TimelineColumns, s: Sample): void {
  if (!Number.isFinite(s.t)) {
    cols.bad++;
  } else if (s.kind === 'attenuation' && Number.isFinite(s.ap1) && Number.isFinite(s.ap2)) {
    cols.att.t.push(s.t);
    cols.att.roam.push(s.roam);
    cols.att.ap1.push(s.ap1);
    cols.att.ap2.push(s.ap2);
  } else if (s.kind === 'signal' && s.bssid !== '' && Number.isFinite(s.dbm)) {
    cols.sig.t.push(s.t);
    cols.sig.roam.push(s.roam);
    cols.sig.bssid.push(s.bssid);
    cols.sig.dbm.push(s.dbm);
  } else cols.bad++;
}

/** The general path for one line: JSON.parse. */
function slow(cols: TimelineColumns, text: string): void {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    cols.bad++;
    return;
  }
  const n = (x: unknown): number => (typeof x === 'number' ? x : NaN);
  add(cols, {
    t: n(o?.t),
    kind: typeof o?.kind === 'string' ? o.kind : '',
    roam: n(o?.roam),
    ap1: n(o?.ap1),
    ap2: n(o?.ap2),
    bssid: typeof o?.bssid === 'string' ? o.bssid : '',
    dbm: n(o?.dbm),
  });
}

/**
 * Read timeline.jsonl (half a million lines for 10,000 roams) without an
 * object per line: flat objects of numbers and plain strings are scanned in
 * place, anything else (escapes, nesting, odd numbers) goes through JSON.parse.
 */
export function readTimeline(file: string): TimelineColumns {
  const cols = emptyTimeline();
  if (!existsSync(file)) return cols;
  scanFileLines(file, (buf, end, last) => scan(buf, end, last, cols));
  sortByTime(cols.att.t, [cols.att.roam, cols.att.ap1, cols.att.ap2]);
  sortByTime(cols.sig.t, [cols.sig.roam, cols.sig.dbm], [cols.sig.bssid]);
  return cols;
}

function sortByTime(t: number[], nums: number[][], strs: string[][] = []): void {
  let sorted = true;
  for (let i = 1; i < t.length && sorted; i++) if (t[i] < t[i - 1]) sorted = false;
  if (sorted) return;
  const idx = t.map((_, i) => i).sort((a, b) => t[a] - t[b] || a - b);
  for (const c of [t, ...nums]) {
    const copy = c.slice();
    for (let i = 0; i < idx.length; i++) c[i] = copy[idx[i]];
  }
  for (const c of strs) {
    const copy = c.slice();
    for (let i = 0; i < idx.length; i++) c[i] = copy[idx[i]];
  }
}

const KEY_T = 1;
const KEY_KIND = 2;
const KEY_ROAM = 3;
const KEY_AP1 = 4;
const KEY_AP2 = 5;
const KEY_BSSID = 6;
const KEY_DBM = 7;

function keyOf(b: Buffer, s: number, e: number): number {
  const len = e - s;
  const c = b[s];
  if (len === 1 && c === 0x74) return KEY_T;
  if (len === 4 && c === 0x6b && b[s + 1] === 0x69 && b[s + 2] === 0x6e && b[s + 3] === 0x64) return KEY_KIND;
  if (len === 4 && c === 0x72 && b[s + 1] === 0x6f && b[s + 2] === 0x61 && b[s + 3] === 0x6d) return KEY_ROAM;
  if (len === 3 && c === 0x61 && b[s + 1] === 0x70) return b[s + 2] === 0x31 ? KEY_AP1 : b[s + 2] === 0x32 ? KEY_AP2 : 0;
  if (len === 5 && c === 0x62 && b[s + 1] === 0x73 && b[s + 2] === 0x73 && b[s + 3] === 0x69 && b[s + 4] === 0x64) return KEY_BSSID;
  if (len === 3 && c === 0x64 && b[s + 1] === 0x62 && b[s + 2] === 0x6d) return KEY_DBM;
  return 0;
}

function scan(b: Buffer, end: number, last: boolean, cols: TimelineColumns): number {
  const s: Sample = { t: NaN, kind: '', roam: NaN, ap1: NaN, ap2: NaN, bssid: '', dbm: NaN };
  let bssidCache = '';
  let start = 0;
  while (start < end) {
    let e = b.indexOf(0x0a, start);
    if (e === -1 || e >= end) {
      if (!last) break;
      e = end;
    }
    const next = e + 1;
    while (e > start && (b[e - 1] === 0x0d || b[e - 1] === 0x20)) e--;
    if (e > start) {
      s.t = s.roam = s.ap1 = s.ap2 = s.dbm = NaN;
      s.kind = s.bssid = '';
      let p = start;
      let ok = b[p] === 0x7b; /* { */
      p++;
      while (ok) {
        if (b[p] === 0x7d /* } */ && p === e - 1) break;
        if (b[p] !== 0x22) {
          ok = false;
          break;
        }
        const ks = ++p;
        while (p < e && b[p] !== 0x22 && b[p] !== 0x5c) p++;
        if (b[p] !== 0x22 || b[p + 1] !== 0x3a) {
          ok = false;
          break;
        }
        const key = keyOf(b, ks, p);
        p += 2;
        let c = b[p];
        if (c === 0x22) {
          const vs = ++p;
          while (p < e && b[p] !== 0x22 && b[p] !== 0x5c) p++;
          if (b[p] !== 0x22) {
            ok = false;
            break;
          }
          if (key === KEY_KIND) {
            const len = p - vs;
            s.kind = len === 11 && b[vs] === 0x61 ? 'attenuation' : len === 6 && b[vs] === 0x73 ? 'signal' : b.toString('utf8', vs, p);
          } else if (key === KEY_BSSID) {
            // Consecutive signal samples mostly name the same BSSID: reuse the string.
            const len = p - vs;
            let same = bssidCache.length === len;
            for (let i = 0; same && i < len; i++) if (bssidCache.charCodeAt(i) !== b[vs + i]) same = false;
            if (!same) bssidCache = b.toString('utf8', vs, p);
            s.bssid = bssidCache;
          }
          p++;
        } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
          let neg = false;
          if (c === 0x2d) {
            neg = true;
            c = b[++p];
          }
          let x = 0;
          let digits = 0;
          while (p < e && c >= 0x30 && c <= 0x39) {
            x = x * 10 + (c - 0x30);
            digits++;
            c = b[++p];
          }
          if (c === 0x2e) {
            let frac = 0;
            let scale = 1;
            c = b[++p];
            while (p < e && c >= 0x30 && c <= 0x39) {
              frac = frac * 10 + (c - 0x30);
              scale *= 10;
              c = b[++p];
            }
            x += frac / scale;
          }
          if (digits === 0 || c === 0x65 || c === 0x45 /* exponent: leave it to JSON.parse */) {
            ok = false;
            break;
          }
          if (neg) x = -x;
          if (key === KEY_T) s.t = x;
          else if (key === KEY_ROAM) s.roam = x;
          else if (key === KEY_AP1) s.ap1 = x;
          else if (key === KEY_AP2) s.ap2 = x;
          else if (key === KEY_DBM) s.dbm = x;
        } else {
          ok = false; // null, true, nested: the general path
          break;
        }
        if (b[p] === 0x2c) p++;
        else if (!(b[p] === 0x7d && p === e - 1)) ok = false;
      }
      if (ok) add(cols, s);
      else slow(cols, b.toString('utf8', start, e));
    }
    start = next;
  }
  return Math.min(start, end);
}
