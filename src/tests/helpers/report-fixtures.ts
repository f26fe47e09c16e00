/**
 * Run folders for the report's tests and benchmark: synthetic ones (any size,
 * deterministic), several real runs merged into one multi-variant folder, and
 * one full of hostile strings.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RoamRecord } from '../../record/schema.ts';

/** mulberry32: small, seeded, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticVariant {
  name: string;
  roams: number;
  /** Lost pings of a valid roam (given the random source). */
  lost: (r: () => number) => number;
  thresholds?: { maxMedianLostPerRoam: number; maxLostPerRoam: number; maxInvalidFraction: number };
}

export interface SyntheticOptions {
  variants: SyntheticVariant[];
  /** Fraction of roams recorded invalid. */
  invalidFraction?: number;
  seed?: number;
  /** Write ping.log with every echo (the realistic, large case). */
  pingLog?: boolean;
  bench?: string;
  startMs?: number;
}

const BSSID = { ap1: '00:03:7F:0A:00:01', ap2: '00:03:7F:0A:00:02' } as const;
const INTERVAL = 200;

/**
 * Write a run folder that looks like a real madwifi bench run: 25-step
 * crossfades, the roam 0 to 15 s after the ramp, the loss right after the
 * join, replies every 200 ms with a little jitter, all in one ping stream.
 */
export function writeSyntheticRun(dir: string, opts: SyntheticOptions): { records: RoamRecord[] } {
  mkdirSync(dir, { recursive: true });
  const r = rng(opts.seed ?? 1);
  const records: RoamRecord[] = [];
  const timeline: string[] = [];
  const pingFd = opts.pingLog === false ? -1 : openSync(join(dir, 'ping.log'), 'w');
  let pingBuf: string[] = [];
  const flushPing = (force = false): void => {
    if (pingFd < 0 || (!force && pingBuf.length < 20_000)) return;
    writeSync(pingFd, pingBuf.join(''));
    pingBuf = [];
  };
  let t = opts.startMs ?? Date.UTC(2026, 10, 20, 1, 0, 0);
  let seq = 1;
  const reply = (s: number, at: number): void => {
    if (pingFd < 0) return;
    const rtt = 1.5 + r() * 1.5;
    const stamp = (at + rtt) / 1000;
    pingBuf.push(`${(stamp + 0.0004).toFixed(6)} [${stamp.toFixed(6)}] 64 bytes from 192.0.2.10: icmp_seq=${s % 65536} ttl=64 time=${rtt.toFixed(2)} ms\n`);
    flushPing();
  };
  const noAnswer = (s: number, at: number): void => {
    if (pingFd < 0) return;
    pingBuf.push(`${(at / 1000 + 0.0004).toFixed(6)} [${(at / 1000).toFixed(6)}] no answer yet for icmp_seq=${s % 65536}\n`);
  };
  if (pingFd >= 0) pingBuf.push(`${(t / 1000).toFixed(6)} PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n`);
  // Baseline before the first roam.
  for (let k = 0; k < 10; k++, seq++, t += INTERVAL) reply(seq, t);

  let index = 0;
  let at: 'ap1' | 'ap2' = 'ap1';
  const invalidFraction = opts.invalidFraction ?? 0;
  for (const v of opts.variants) {
    for (let k = 0; k < v.roams; k++) {
      index++;
      const to: 'ap1' | 'ap2' = at === 'ap1' ? 'ap2' : 'ap1';
      const tStart = t;
      const seqFrom = seq;
      const invalid = r() < invalidFraction;
      const steps = 25;
      let att1 = at === 'ap1' ? 10 : 60;
      let att2 = 70 - att1;
      const roamAfter = 1000 * (steps + r() * 15);
      const tJoin = tStart + roamAfter;
      const tLeave = v.name === 'patched' ? null : tJoin - (20 + r() * 40);
      const lost = invalid ? 0 : v.lost(r);
      // Which echoes die: the ones sent right after the join.
      const firstLostSeq = seqFrom + Math.ceil((tJoin - tStart) / INTERVAL);
      const lostSeqs = Array.from({ length: lost }, (_, i) => firstLostSeq + i);
      const recoverMs = 3000;
      const tEnd = tJoin + lost * INTERVAL + recoverMs;
      for (let step = 1; step <= steps; step++) {
        const ts = tStart + step * 1000;
        att1 += at === 'ap1' ? 2 : -2;
        att2 += at === 'ap1' ? -2 : 2;
        timeline.push(JSON.stringify({ t: ts, kind: 'attenuation', roam: index, ap1: att1, ap2: att2 }));
        const own = at === 'ap1' ? att1 : att2;
        timeline.push(JSON.stringify({ t: ts, kind: 'signal', roam: index, bssid: BSSID[at], dbm: Math.round(-25 - own + (r() - 0.5) * 4) }));
      }
      if (!invalid) timeline.push(JSON.stringify({ t: tJoin + 50, kind: 'signal', roam: index, bssid: BSSID[to], dbm: Math.round(-32 - r() * 3) }));
      for (; t < tEnd; t += INTERVAL, seq++) {
        if (lostSeqs.includes(seq)) noAnswer(seq, t + 1000);
        else reply(seq, t);
      }
      const afterAssociation = lost ? lost * INTERVAL + r() * 150 : 0;
      const beforeAssociation = lost ? 20 + r() * 200 : 0;
      const rec: RoamRecord = {
        index,
        variant: v.name,
        direction: `${at}->${to}`,
        fromAp: at,
        toAp: to,
        fromBssid: BSSID[at],
        toBssid: invalid ? null : BSSID[to],
        tStart,
        tLeave: invalid ? null : tLeave,
        tJoin: invalid ? null : tJoin,
        attenuationDb: invalid ? null : { ap1: at === 'ap1' ? 60 : 10, ap2: at === 'ap1' ? 10 : 60 },
        fixedLossDb: { ap1: 40, ap2: 40 },
        signalBeforeDbm: -83,
        signalAfterDbm: invalid ? null : -32,
        rampSteps: steps,
        seqFrom,
        seqTo: seq - 1,
        lostSeqs,
        lateSeqs: [],
        lost,
        outageMs: lost ? Math.round((beforeAssociation + afterAssociation) * 1000) / 1000 : 0,
        beforeAssociationMs: lost ? Math.round(beforeAssociation * 1000) / 1000 : 0,
        afterAssociationMs: lost ? Math.round(afterAssociation * 1000) / 1000 : 0,
        timestampSource: 'ping',
        valid: !invalid,
        invalidReason: invalid ? `no roam to ${to} within 60 s` : null,
      };
      records.push(rec);
      if (!invalid) at = to;
    }
  }
  flushPing(true);
  if (pingFd >= 0) closeSync(pingFd);
  writeFileSync(join(dir, 'roams.jsonl'), records.map((x) => JSON.stringify(x)).join('\n') + '\n');
  writeFileSync(join(dir, 'timeline.jsonl'), timeline.join('\n') + '\n');
  writeFileSync(join(dir, 'events.log'), records.filter((x) => x.tJoin).map((x) => `${new Date(x.tJoin!).toISOString()} ${x.toBssid}`).join('\n') + '\n');
  const th = { maxMedianLostPerRoam: 6, maxLostPerRoam: 8, maxInvalidFraction: 0.1 };
  const variants = opts.variants.map((v) => {
    const recs = records.filter((x) => x.variant === v.name);
    const valid = recs.filter((x) => x.valid);
    const lostSorted = valid.map((x) => x.lost).sort((a, b) => a - b);
    const med = lostSorted.length ? (lostSorted[(lostSorted.length - 1) >> 1] + lostSorted[lostSorted.length >> 1]) / 2 : null;
    const thresholds = v.thresholds ?? th;
    const failures: string[] = [];
    if (med !== null && med > thresholds.maxMedianLostPerRoam) failures.push(`median ${med} lost per roam (at most ${thresholds.maxMedianLostPerRoam} allowed)`);
    const over = valid.filter((x) => x.lost > thresholds.maxLostPerRoam).length;
    if (over) failures.push(`${over} roam(s) lost more than ${thresholds.maxLostPerRoam} pings`);
    return {
      variant: v.name,
      roams: recs.length,
      valid: valid.length,
      invalid: recs.length - valid.length,
      lostPerRoam: { median: med, mean: null, p95: null, max: lostSorted.length ? lostSorted[lostSorted.length - 1] : null },
      outageMs: { median: null, mean: null, p95: null, max: null },
      afterAssociationMs: { median: null, mean: null, p95: null, max: null },
      beforeAssociationMs: { median: null, mean: null, p95: null, max: null },
      invalidReasons: {},
      thresholds,
      failures,
    };
  });
  const start = opts.startMs ?? Date.UTC(2026, 10, 20, 1, 0, 0);
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify(
      {
        runDir: dir,
        bench: opts.bench ?? 'synthetic',
        inventory: '/lab/inventory.yaml',
        inventoryDigest: 'f'.repeat(64),
        rigVersion: '0.1.0',
        startedAt: new Date(start).toISOString(),
        endedAt: new Date(t).toISOString(),
        timeScale: 1,
        virtual: false,
        ping: { command: 'ping -i 0.2 -D -O 192.0.2.10', version: 'iputils 20211215', timestampSource: 'ping' },
        attenuators: { att1: 'RCDAT-6000-60 SN 1', att2: 'RCDAT-6000-60 SN 2' },
        variants,
        lostOutsideCycles: [],
        verdict: variants.some((v) => v.failures.length) ? 'failed' : 'passed',
        benchFailure: null,
        problems: [],
      },
      null,
      2,
    ),
  );
  return { records };
}

/**
 * Several real run folders as one multi-variant run (what the multi-variant
 * `rig roam` writes): each later run shifted in time to follow the one before,
 * roams renumbered, summaries' variants concatenated.
 */
export function mergeRuns(dirs: string[], out: string): void {
  mkdirSync(out, { recursive: true });
  const roams: string[] = [];
  const timeline: string[] = [];
  const ping: string[] = [];
  const events: string[] = [];
  const summaries: Record<string, unknown>[] = [];
  let offset = 0;
  let lastEnd = -Infinity;
  let index = 0;
  for (const dir of dirs) {
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    summaries.push(s);
    const recs = lines(join(dir, 'roams.jsonl')).map((l) => JSON.parse(l) as RoamRecord);
    const tl = lines(join(dir, 'timeline.jsonl')).map((l) => JSON.parse(l) as { t: number; roam: number });
    const pl = existsSync(join(dir, 'ping.log')) ? lines(join(dir, 'ping.log')) : [];
    const first = Math.min(...recs.map((x) => x.tStart), ...tl.map((x) => x.t), ...pl.slice(0, 1).map((l) => Number(l.split(' ')[0]) * 1000));
    offset = Number.isFinite(lastEnd) ? Math.ceil(lastEnd + 10_000 - first) : 0;
    const roamMap = new Map<number, number>();
    for (const x of recs) {
      roamMap.set(x.index, ++index);
      const y: RoamRecord = { ...x, index, tStart: x.tStart + offset, tLeave: x.tLeave === null ? null : x.tLeave + offset, tJoin: x.tJoin === null ? null : x.tJoin + offset };
      roams.push(JSON.stringify(y));
    }
    for (const x of tl) timeline.push(JSON.stringify({ ...x, t: x.t + offset, roam: roamMap.get(x.roam) ?? x.roam }));
    let end = -Infinity;
    for (const l of pl) {
      const sp = l.indexOf(' ');
      const arrival = Number(l.slice(0, sp)) + offset / 1000;
      let body = l.slice(sp + 1);
      body = body.replace(/^\[(\d+\.\d+)\]/, (_m, ts: string) => `[${(Number(ts) + offset / 1000).toFixed(6)}]`);
      ping.push(`${arrival.toFixed(6)} ${body}`);
      end = Math.max(end, arrival * 1000);
    }
    for (const l of existsSync(join(dir, 'events.log')) ? lines(join(dir, 'events.log')) : []) {
      const sp = l.indexOf(' ');
      events.push(`${new Date(Date.parse(l.slice(0, sp)) + offset).toISOString()} ${l.slice(sp + 1)}`);
    }
    lastEnd = Math.max(end, ...recs.map((x) => (x.tJoin ?? x.tStart) + offset));
  }
  writeFileSync(join(out, 'roams.jsonl'), roams.join('\n') + '\n');
  writeFileSync(join(out, 'timeline.jsonl'), timeline.join('\n') + '\n');
  writeFileSync(join(out, 'ping.log'), ping.join('\n') + '\n');
  writeFileSync(join(out, 'events.log'), events.join('\n') + '\n');
  const variants = summaries.flatMap((s) => s.variants as { failures: string[] }[]);
  const merged = {
    ...summaries[0],
    runDir: out,
    endedAt: summaries[summaries.length - 1].endedAt,
    variants,
    lostOutsideCycles: [],
    verdict: variants.some((v) => v.failures.length) ? 'failed' : 'passed',
    devices: {
      ap1: { banner: 'ath_pci: 0.9.4.5 (0.9.3) wlan: 0.8.4.2 (0.9.3)', variant: 'stock' },
      ap2: { banner: 'ath_pci: 0.9.4.5 (0.9.3) wlan: 0.8.4.2 (0.9.3)', variant: 'stock' },
      client: { banner: 'ath_pci: 0.9.4.5 (0.9.3-patched-1404) wlan: 0.8.4.2 (0.9.3)', variant: 'stock, then patched' },
    },
  };
  writeFileSync(join(out, 'summary.json'), JSON.stringify(merged, null, 2) + '\n');
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
}

/** Turn roam `index` of a run folder into an invalid one with `reason` (as the rig records one). */
export function markInvalid(dir: string, index: number, reason: string): void {
  const f = join(dir, 'roams.jsonl');
  const recs = lines(f).map((l) => JSON.parse(l) as RoamRecord);
  for (const x of recs) {
    if (x.index === index) {
      x.valid = false;
      x.invalidReason = reason;
    }
  }
  writeFileSync(f, recs.map((x) => JSON.stringify(x)).join('\n') + '\n');
}

export const HOSTILE = {
  script: '<script>window.__pwned = "script"; alert(1)</script>',
  img: '"><img src=x onerror="window.__pwned=\'img\'; alert(2)">',
  closer: '</script><script>window.__pwned="closer"</script><!--',
  svg: "<svg onload=\"window.__pwned='svg'\"></svg>",
} as const;

/**
 * A run folder whose every device-, inventory- and record-provided string is
 * hostile: bench, inventory path, ping command (the target host name), ping
 * version, attenuator identity, firmware banners, SSID, variant, BSSIDs,
 * invalid reasons, bench problems, ping's stderr.
 */
export function writeHostileRun(dir: string): void {
  writeSyntheticRun(dir, {
    variants: [
      { name: 'stock', roams: 6, lost: () => 5 },
      { name: HOSTILE.svg, roams: 6, lost: () => 0 },
    ],
    seed: 7,
  });
  const f = join(dir, 'roams.jsonl');
  const recs = lines(f).map((l) => JSON.parse(l) as RoamRecord);
  recs[1].valid = false;
  recs[1].invalidReason = `ping died: ${HOSTILE.img}`;
  recs[2].fromBssid = HOSTILE.script;
  recs[3].toBssid = HOSTILE.closer;
  writeFileSync(f, recs.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const sf = join(dir, 'summary.json');
  const s = JSON.parse(readFileSync(sf, 'utf8')) as Record<string, unknown> & { variants: { variant: string; failures: string[] }[] };
  s.bench = HOSTILE.script;
  s.inventory = `/lab/${HOSTILE.img}/inventory.yaml`;
  s.ping = { command: `ping -i 0.2 ${HOSTILE.img}`, version: HOSTILE.closer, timestampSource: 'ping' };
  s.attenuators = { [HOSTILE.script]: HOSTILE.img };
  s.essid = HOSTILE.img;
  s.devices = {
    ap1: { banner: HOSTILE.script, variant: 'stock' },
    ap2: { banner: HOSTILE.img, variant: HOSTILE.closer },
    client: { banner: `ath_pci: 0.9.4.5 ${HOSTILE.svg}`, variant: HOSTILE.svg },
  };
  s.problems = [`ap2 (${HOSTILE.img}) closed the connection`];
  s.variants[1].failures = [`median ${HOSTILE.script}`];
  s.verdict = 'failed';
  writeFileSync(sf, JSON.stringify(s, null, 2));
  const pf = join(dir, 'ping.log');
  writeFileSync(pf, readFileSync(pf, 'utf8') + `${(Date.UTC(2026, 10, 20, 1, 0, 1) / 1000).toFixed(6)} E ping: sendto: ${HOSTILE.script}\n`);
}
