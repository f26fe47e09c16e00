import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoamRecord } from '../roam/record.ts';
import type { RunSummary } from '../roam/run.ts';
import type { Distribution } from '../roam/summary.ts';
import { escapeHtml as e } from './escape.ts';

const fmt = (x: number | null | undefined, digits = 0): string => (x === null || x === undefined ? '–' : x.toFixed(digits));
const dist = (d: Distribution, digits = 0): string => `${fmt(d.median, digits)} / ${fmt(d.mean, 1)} / ${fmt(d.p95, digits)} / ${fmt(d.max, digits)}`;

/** The first, plain report: verdict, per-variant summary, per-roam table. One file, no script, no network. */
export function renderPlainReport(summary: RunSummary, records: RoamRecord[]): string {
  const verdictClass = summary.verdict === 'passed' ? 'pass' : 'fail';
  const failures = summary.variants.flatMap((v) => v.failures.map((f) => `${v.variant}: ${f}`));
  const rows = records
    .map(
      (r) => `<tr class="${r.valid ? '' : 'invalid'}"><td>${r.index}</td><td>${e(r.variant)}</td><td>${e(r.direction)}</td><td>${e(r.fromBssid)}</td><td>${e(r.toBssid ?? '')}</td>` +
        `<td>${r.attenuationDb ? `${fmt(r.attenuationDb.ap1, 2)} / ${fmt(r.attenuationDb.ap2, 2)}` : '–'}</td><td>${fmt(r.signalBeforeDbm)} → ${fmt(r.signalAfterDbm)}</td>` +
        `<td>${r.valid ? r.lost : '–'}</td><td>${e(r.lostSeqs.join(' '))}</td><td>${r.lateSeqs.length}</td><td>${fmt(r.outageMs)}</td><td>${fmt(r.beforeAssociationMs)}</td><td>${fmt(r.afterAssociationMs)}</td>` +
        `<td>${r.valid ? 'yes' : `no: ${e(r.invalidReason)}`}</td></tr>`,
    )
    .join('\n');
  const variants = summary.variants
    .map(
      (v) => `<tr><td>${e(v.variant)}</td><td>${v.roams}</td><td>${v.valid}</td><td>${v.invalid}</td><td>${dist(v.lostPerRoam, 1)}</td><td>${dist(v.outageMs)}</td><td>${dist(v.afterAssociationMs)}</td><td>${v.failures.length ? e(v.failures.join('; ')) : 'passed'}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rig roam report: ${e(summary.bench)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f4f4f4}td:nth-child(2),td:nth-child(3),td:nth-child(4),td:nth-child(5),td:last-child{text-align:left}
.verdict{font-size:1.4em;padding:.4em .8em;display:inline-block}.pass{background:#d9f2d9}.fail{background:#f8d7d7}
tr.invalid{color:#999}
</style></head><body>
<h1>Roam report: bench ${e(summary.bench)}</h1>
<p class="verdict ${verdictClass}">${e(summary.verdict.toUpperCase())}${summary.benchFailure ? `: ${e(summary.benchFailure)}` : ''}</p>
${failures.length ? `<ul>${failures.map((f) => `<li>${e(f)}</li>`).join('')}</ul>` : ''}
<p>${e(summary.startedAt)} to ${e(summary.endedAt)} · rig ${e(summary.rigVersion)} · inventory ${e(summary.inventory)} (sha256 ${e(summary.inventoryDigest.slice(0, 12))}) ·
${summary.virtual ? `virtual rig, time scale ${summary.timeScale}` : 'hardware bench'} · ping: ${e(summary.ping?.command ?? '–')} (${e(summary.ping?.version ?? '')}, times from ${summary.ping?.timestampSource === 'ping' ? "the ping's own -D stamps" : 'arrival at the rig'})</p>
<h2>Summary</h2>
<table><tr><th>variant</th><th>roams</th><th>valid</th><th>invalid</th><th>lost per roam<br>median / mean / p95 / max</th><th>outage ms<br>median / mean / p95 / max</th><th>after association ms<br>median / mean / p95 / max</th><th>thresholds</th></tr>
${variants}</table>
<p>Lost outside any roam cycle: ${summary.lostOutsideCycles.length ? e(summary.lostOutsideCycles.join(' ')) : 'none'}</p>
<h2>Roams</h2>
<table><tr><th>#</th><th>variant</th><th>direction</th><th>from</th><th>to</th><th>attenuation ap1 / ap2 dB</th><th>signal dBm</th><th>lost</th><th>lost seqs</th><th>late</th><th>outage ms</th><th>before assoc ms</th><th>after assoc ms</th><th>valid</th></tr>
${rows}</table>
</body></html>
`;
}

export function writePlainReport(dir: string, summary: RunSummary, records: RoamRecord[]): void {
  writeFileSync(join(dir, 'index.html'), renderPlainReport(summary, records));
}
