/**
 * Late, not lost, on the real stack's ARP stall: a synthetic ping log of one roam
 * (iputils -D -O lines, as the rig's ping.log holds them) in which the station's ARP entry
 * is lost in the roam and retried a second later, so the pings sent after the join wait in
 * the neighbour queue and come back up to ~1 s late. The log goes through the real analyzer
 * and attribution (the record's numbers), then the report, drawn in Chromium: the table's
 * late cell and the roam's detail call it an ARP stall, and nothing late is counted lost.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PingAnalyzer } from '../ping/analyzer.ts';
import { RoamRecordSchema, type RoamRecord } from '../record/schema.ts';
import { writeRunReport } from '../report/index.ts';
import { isArpStall, lateLabel } from '../report/late-cause.ts';
import { attributeWindow, highestAnswered } from '../roam/attribution.ts';
import { emptyRecord } from '../roam/record.ts';
import { tempDir } from './helpers/cli.ts';
import { launchBrowser, openReport, type Browser } from './helpers/report-browser.ts';

vi.setConfig({ testTimeout: 180_000 });

const INTERVAL = 200;
const T0 = Date.UTC(2026, 11, 1, 1, 0, 0);
const send = (seq: number): number => T0 + seq * INTERVAL;
/** The roam: seq 21 goes out while the station switches APs (lost); the join comes 100 ms after it. */
const LOST = 21;
const T_JOIN = send(LOST) + 100;
/** The first ARP request after the join (with seq 22) is lost; the kernel retries after retrans_time, 1 s. */
const ARP_RESOLVED = send(22) + 1000;
const LAST = 45;

/** iputils -D -O output of the roam, with the time each line was printed, in order. */
function pingLines(): { atMs: number; raw: string }[] {
  const out: { atMs: number; raw: string }[] = [];
  const stamp = (t: number): string => `[${(t / 1000).toFixed(6)}]`;
  const reply = (seq: number, at: number): void => {
    const rtt = at - send(seq);
    const time = rtt >= 100 ? rtt.toFixed(0) : rtt.toFixed(2);
    out.push({ atMs: at, raw: `${stamp(at)} 64 bytes from 192.0.2.10: icmp_seq=${seq} ttl=64 time=${time} ms` });
  };
  for (let seq = 1; seq <= LAST; seq++) {
    // -O: the ping sent now finds the previous one unanswered
    const prevUnanswered = seq - 1 === LOST || (seq - 1 >= 22 && send(seq) < ARP_RESOLVED + 2);
    if (prevUnanswered) out.push({ atMs: send(seq), raw: `${stamp(send(seq))} no answer yet for icmp_seq=${seq - 1}` });
    if (seq === LOST) continue;
    // queued in the neighbour queue until the ARP retry resolves, then out at once
    if (send(seq) > T_JOIN && send(seq) < ARP_RESOLVED) reply(seq, ARP_RESOLVED + 2 + (seq - 22) * 0.1);
    else reply(seq, send(seq) + 2);
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

let dir = '';
let record: RoamRecord;
let browser: Browser;

beforeAll(async () => {
  const lines = pingLines();
  const a = new PingAnalyzer({ intervalMs: INTERVAL });
  for (const l of lines) a.push(l.raw, l.atMs + 0.4);
  record = emptyRecord({
    index: 1,
    variant: 'stock',
    trigger: 'station-command',
    fromAp: 'ap1',
    toAp: 'ap2',
    fromBssid: '02:00:00:00:01:00',
    tStart: send(19),
    fixedLossDb: { ap1: 0, ap2: 0 },
    timestampSource: 'ping',
  });
  Object.assign(record, { toBssid: '02:00:00:00:02:00', tLeave: send(LOST) - 20, tJoin: T_JOIN, rampSteps: 1, valid: true });
  Object.assign(record, attributeWindow(a, { seqFrom: 20, seqTo: highestAnswered(a) }, T_JOIN));

  dir = join(tempDir('rig-report-late-'), '20261201T010000Z-arp-stall');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ping.log'), `${(T0 / 1000).toFixed(6)} PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n${lines.map((l) => `${((l.atMs + 0.4) / 1000).toFixed(6)} ${l.raw}\n`).join('')}`);
  writeFileSync(join(dir, 'roams.jsonl'), `${JSON.stringify(RoamRecordSchema.parse(record))}\n`);
  await writeRunReport(dir);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('an ARP stall after the roam: late, not lost', () => {
  it('the analyzer and the attribution: one ping lost in the switch, the five queued behind the ARP retry late (up to ~1 s), all sent after the join', () => {
    expect(record.lostSeqs).toEqual([LOST]);
    expect(record.lost).toBe(1);
    // seq 22 waited the whole second; 26, sent 800 ms later, still waited 200 ms (> the interval)
    expect(record.lateSeqs).toEqual([22, 23, 24, 25, 26]);
    expect(record.late).toBe(5);
    expect(record.lateMaxRttMs).toBeCloseTo(1002, 0);
    expect(record.lateAfterAssociation).toBe(5);
    expect(lateLabel({ late: record.late!, lateMaxRttMs: record.lateMaxRttMs!, lateAfterAssociation: record.lateAfterAssociation! })).toBe('late 5 (ARP stall ~1.0 s)');
  });

  it('the report in Chromium: the late cell and the roam detail name the ARP stall; the lost cell counts only the lost ping', async () => {
    const { page, errors, dialogs } = await openReport(browser, join(dir, 'index.html'));
    expect(errors).toEqual([]);
    const cell = async (key: string): Promise<string> =>
      page.$eval(
        '#roam-table tbody tr[data-index="1"]',
        (tr, k) => {
          const ths = Array.from(document.querySelectorAll('#roam-table thead th')) as HTMLElement[];
          return (tr.children[ths.findIndex((th) => th.dataset.key === k)] as HTMLElement).textContent ?? '';
        },
        key,
      );
    expect(await cell('late')).toBe('5 (ARP stall ~1.0 s)');
    expect(await cell('lost')).toBe('1');
    await page.click('#roam-table tbody tr[data-index="1"]');
    await page.waitForFunction(() => document.querySelector('#roam-detail')?.textContent?.includes('Roam #1'));
    const detail = (await page.textContent('#roam-detail')) ?? '';
    expect(detail).toContain('22 23 24 25 26 · late 5 (ARP stall ~1.0 s): the station\'s ARP entry was lost in the roam and resolved on the retry a second later; these replies are late, not lost');
    expect(detail).toMatch(/lost seqs\s*21(?!\d)/);
    expect(await page.textContent('#meta')).toContain('station-command');
    // and JUnit says it in the same words
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('lost 1 (seq 21); late 5 (ARP stall ~1.0 s); outage');
    // and the CSV has the figures behind it
    const [head, row] = readFileSync(join(dir, 'roams.csv'), 'utf8').trim().split('\r\n'); // RFC 4180 line ends
    const csv = Object.fromEntries(head.split(',').map((k, i) => [k, row.split(',')[i]]));
    expect([csv.late, csv.late_seqs, csv.late_after_association]).toEqual(['5', '22 23 24 25 26', '5']);
    expect(Number(csv.late_max_rtt_ms)).toBeCloseTo(1002, 0);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});

describe('late-cause words', () => {
  it('an ARP stall needs replies late after the join by about a whole retrans_time; anything else is late with its maximum', () => {
    expect(lateLabel({ late: 0, lateMaxRttMs: null, lateAfterAssociation: 0 })).toBeNull();
    expect(isArpStall({ late: 1, lateMaxRttMs: 1040, lateAfterAssociation: 1 })).toBe(true);
    expect(isArpStall({ late: 2, lateMaxRttMs: 2100, lateAfterAssociation: 2 })).toBe(true);
    // late, but before the join (a reply delayed in the old AP's queue): not an ARP stall
    expect(lateLabel({ late: 1, lateMaxRttMs: 1000, lateAfterAssociation: 0 })).toBe('late 1 (max 1.0 s)');
    // after the join but 0.4 s: no retransmission interval
    expect(lateLabel({ late: 2, lateMaxRttMs: 412, lateAfterAssociation: 2 })).toBe('late 2 (max 0.4 s)');
    // older runs: only the count is known
    expect(lateLabel({ late: 3, lateMaxRttMs: null, lateAfterAssociation: null })).toBe('late 3');
  });
});
