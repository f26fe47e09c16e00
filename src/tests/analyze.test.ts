import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NotPingLogError, analyzePingFile, analyzePingText, compressRanges, formatAnalysis } from '../ping/analyze.ts';
import { ConfigError, UsageError } from '../errors.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'ping');
const fixture = (name: string) => join(FIXTURES, name);
const text = (name: string) => readFileSync(fixture(name), 'utf8');

describe('analyzePingText', () => {
  it('measures the -D -O loss log at the default 0.2 s interval', () => {
    const a = analyzePingText(text('iputils-DO-loss.log'));
    expect(a.lost).toEqual([21, 22, 23, 24, 25]);
    expect(a.transmitted).toBe(35);
    expect(a.received).toBe(30);
    expect(a.outages).toHaveLength(1);
    // [1718012506.355466] icmp_seq=20 ... [1718012507.555773] icmp_seq=26
    expect(Math.abs(a.outages![0].durationMs! - 1200.307)).toBeLessThanOrEqual(2);
  });

  it('gives the same result for a CRLF copy of the log', () => {
    const lf = analyzePingText(text('iputils-DO-loss.log'));
    const crlf = analyzePingText(text('iputils-DO-loss.log').replace(/\n/g, '\r\n'));
    expect(crlf).toEqual(lf);
  });

  it('the interval sets what is late and how long a gap must be', () => {
    // default 0.2 s: 1024, 820, 620, 420, 220 ms are all late
    expect(analyzePingText(text('iputils-D-late-burst.log')).late).toEqual([11, 12, 13, 14, 15]);
    // at 1 s only the 1024 ms reply is late, and a 1.22 s silence is under 2.5 intervals
    const slow = analyzePingText(text('iputils-D-late-burst.log'), { intervalS: 1 });
    expect(slow.late).toEqual([11]);
    expect(slow.outages).toEqual([]);
  });

  it('refuses a nonsense interval', () => {
    expect(() => analyzePingText('', { intervalS: 0 })).toThrow(UsageError);
    expect(() => analyzePingText('', { intervalS: Number.NaN })).toThrow(UsageError);
  });

  it('an empty log is not a ping log: a ConfigError (exit 2) saying what was expected', () => {
    // issue 9: an empty file used to be reported as zero loss
    const err = (() => {
      try {
        analyzePingText('');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(NotPingLogError);
    expect((err as NotPingLogError).exitCode).toBe(2);
    expect((err as NotPingLogError).message).toMatch(/empty.*iputils or busybox.*ping\.log/);
  });
});

describe('analyzePingFile', () => {
  it('reads a busybox log', async () => {
    const a = await analyzePingFile(fixture('busybox-gap.log'), { intervalS: 1 });
    expect(a.format).toBe('busybox');
    expect(a.lost).toEqual([20, 21, 22, 23, 24]);
    expect(a.ended).toBe('summary');
  });

  it('a missing file is a ConfigError naming the path', async () => {
    const path = join(FIXTURES, 'no-such-ping.log');
    const err = await analyzePingFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(path);
    expect((err as ConfigError).kind).toBe('config');
    expect((err as ConfigError).exitCode).toBe(2);
  });

  it('a directory is a ConfigError too', async () => {
    await expect(analyzePingFile(FIXTURES)).rejects.toThrow(ConfigError);
  });
});

describe('formatAnalysis', () => {
  it('summarises the loss log', () => {
    const out = formatAnalysis(analyzePingText(text('iputils-DO-loss.log')));
    expect(out).toContain('iputils');
    expect(out).toContain('-D');
    expect(out).toContain('transmitted 35, received 30, lost 5');
    expect(out).toContain('lost: 21-25');
    expect(out).toContain('late: none');
    expect(out).toMatch(/seq 21-25: 5 lost, 1200 ms/);
  });

  it('says when durations are unknown and when ping died', () => {
    const out = formatAnalysis(analyzePingText(text('busybox-sendto-died.log')));
    expect(out).toContain('busybox');
    expect(out).toContain('no timestamps');
    expect(out).toContain('lost: 6-7');
    expect(out).toContain('duration unknown');
    expect(out).toContain('ping: sendto: Network is unreachable');
  });

  it('shows a zero-loss outage and late replies', () => {
    const out = formatAnalysis(analyzePingText(text('iputils-D-enobufs.log')));
    expect(out).toContain('lost: none');
    expect(out).toMatch(/seq 11: 0 lost, 1200 ms/);
    expect(formatAnalysis(analyzePingText(text('iputils-D-late-burst.log')))).toContain('late: 11-15');
  });

  it('compresses seq lists into ranges', () => {
    expect(compressRanges([12, 13, 14, 15, 16, 40])).toBe('12-16, 40');
    expect(compressRanges([5])).toBe('5');
    expect(compressRanges([1, 3, 4])).toBe('1, 3-4');
    expect(compressRanges([])).toBe('');
  });
});
