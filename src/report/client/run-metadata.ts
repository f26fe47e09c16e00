/**
 * The "Run" block: what was run where and how (bench, SSID, times, variants,
 * versions, inventory digest, ping, attenuators, firmware banners), losses
 * outside the roams, ping's stderr, the compared run, and problems noted.
 */
import type { RunMeta } from '../data.ts';
import { h, section, type Child } from './dom.ts';
import { clock, dateTime, duration } from './format.ts';
import type { ReportView } from './report-view.ts';

export function metadataBlock(view: ReportView): HTMLElement {
  const r = view.data.run;
  const problems = [...r.problems.map((p) => `bench: ${p}`), ...r.warnings.map((w) => `files: ${w}`)];
  return section(
    'meta',
    'Run',
    h('dl', { class: 'meta' }, metadataItems(view, r).map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    problems.length ? h('div', { class: 'problems' }, h('b', null, 'Problems noted'), h('ul', null, problems.map((p) => h('li', null, p)))) : null,
  );
}

/** The run's facts as (term, description) pairs, in the order shown. */
function metadataItems(view: ReportView, r: RunMeta): [string, Child][] {
  const items: [string, Child][] = [
    ['bench', r.bench],
    ['run', r.id],
    ...(r.essid !== null ? ([['SSID', r.essid]] as [string, Child][]) : []),
    ['roam trigger', r.trigger ?? 'crossfade'],
    ...(r.security !== null ? ([['security', r.security]] as [string, Child][]) : []),
    ['started', dateTime(r.startedAt)],
    ['ended', r.endedAt ? `${dateTime(r.endedAt)} (${duration(Date.parse(r.endedAt) - Date.parse(r.startedAt))})` : '–'],
    ['variants', view.thisVariants.map((v) => `${v.name} (${v.roams} roams)`).join(', ') || '–'],
    ['roams', `${r.roams} (${r.valid} valid, ${r.invalid} invalid)`],
    ['rig version', r.rigVersion || '–'],
    ['inventory', r.inventory || '–'],
    ['inventory sha256', h('code', null, r.inventoryDigest || '–')],
    ['bench kind', r.virtual ? `virtual rig, time scale ${r.timeScale}× (times are model time)` : 'hardware bench'],
    ['ping', r.ping ? `${r.ping.command} · ${r.ping.version} · times from ${r.ping.timestampSource === 'ping' ? "the ping's own -D stamps" : 'arrival at the rig (no -D on this ping)'}` : '–'],
    ['attenuators', r.attenuators.length ? h('ul', { class: 'plain' }, r.attenuators.map(([n, d]) => h('li', null, h('b', null, n), ` ${d}`))) : '–'],
  ];
  if (r.devices) {
    items.push([
      'firmware',
      h(
        'ul',
        { class: 'plain', id: 'devices' },
        r.devices.map((d) => h('li', null, h('b', null, d.name), d.variant ? ` [${d.variant}]` : '', ' ', h('code', { class: 'banner' }, d.banner ?? '–'))),
      ),
    ]);
  }
  items.push(['lost outside roams', r.lostOutsideCycles.length ? `${r.lostOutsideCycles.length} (seq ${r.lostOutsideCycles.slice(0, 30).join(' ')}${r.lostOutsideCycles.length > 30 ? ' …' : ''})` : 'none']);
  if (r.pingErrors.count) {
    items.push([
      'ping stderr',
      h('div', null, `${r.pingErrors.count} line(s)`, h('ul', { class: 'plain small' }, r.pingErrors.first.slice(0, 5).map((e) => h('li', null, `${clock(e.t)} `, h('code', null, e.text))))),
    ]);
  }
  if (r.compareWith) items.push(['compared with', `run ${r.compareWith.id} (bench ${r.compareWith.bench}, ${dateTime(r.compareWith.startedAt)})`]);
  return items;
}
