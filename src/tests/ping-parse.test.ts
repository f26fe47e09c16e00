import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePingLine } from '../ping/parse.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'ping');

describe('parsePingLine: headers', () => {
  it('iputils', () => {
    expect(parsePingLine('PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.')).toEqual({
      kind: 'header',
      format: 'iputils',
      target: '192.0.2.10',
      address: '192.0.2.10',
    });
  });

  it('iputils with a host name and a source interface', () => {
    expect(parsePingLine('PING target.lab (192.0.2.10) from 192.0.2.77 ath0: 56(84) bytes of data.')).toEqual({
      kind: 'header',
      format: 'iputils',
      target: 'target.lab',
      address: '192.0.2.10',
    });
  });

  it('iputils ping6 (no colon before "data bytes")', () => {
    expect(parsePingLine('PING 2001:db8::10(2001:db8::10) 56 data bytes')).toMatchObject({
      kind: 'header',
      format: 'iputils',
      target: '2001:db8::10',
    });
  });

  it('busybox', () => {
    expect(parsePingLine('PING 192.0.2.10 (192.0.2.10): 56 data bytes')).toEqual({
      kind: 'header',
      format: 'busybox',
      target: '192.0.2.10',
      address: '192.0.2.10',
    });
  });
});

describe('parsePingLine: replies', () => {
  it('iputils icmp_seq', () => {
    expect(parsePingLine('64 bytes from 192.0.2.10: icmp_seq=5 ttl=64 time=1.23 ms')).toEqual({
      kind: 'reply',
      format: 'iputils',
      seq: 5,
      ttl: 64,
      rttMs: 1.23,
      dup: false,
      from: '192.0.2.10',
      bytes: 64,
    });
  });

  it('old iputils icmp_req (s20101006)', () => {
    expect(parsePingLine('64 bytes from 192.0.2.10: icmp_req=5 ttl=64 time=0.412 ms')).toMatchObject({
      kind: 'reply',
      format: 'iputils',
      seq: 5,
      rttMs: 0.412,
    });
  });

  it('busybox seq=', () => {
    expect(parsePingLine('64 bytes from 192.0.2.10: seq=5 ttl=64 time=0.123 ms')).toEqual({
      kind: 'reply',
      format: 'busybox',
      seq: 5,
      ttl: 64,
      rttMs: 0.123,
      dup: false,
      from: '192.0.2.10',
      bytes: 64,
    });
  });

  it('the three iputils time precisions', () => {
    expect(parsePingLine('64 bytes from 192.0.2.10: icmp_seq=11 ttl=64 time=1024 ms')).toMatchObject({ rttMs: 1024 });
    expect(parsePingLine('64 bytes from 192.0.2.10: icmp_seq=16 ttl=64 time=23.9 ms')).toMatchObject({ rttMs: 23.9 });
    expect(parsePingLine('64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=12.3 ms')).toMatchObject({ rttMs: 12.3 });
  });

  it('(DUP!) from iputils and busybox', () => {
    expect(parsePingLine('64 bytes from 192.0.2.10: icmp_seq=3 ttl=64 time=2.91 ms (DUP!)')).toMatchObject({
      seq: 3,
      dup: true,
      rttMs: 2.91,
    });
    expect(parsePingLine('64 bytes from 192.0.2.10: seq=3 ttl=64 time=2.910 ms (DUP!)')).toMatchObject({
      format: 'busybox',
      dup: true,
    });
  });

  it('-D stamp becomes ts in epoch seconds', () => {
    const r = parsePingLine('[1700000000.123456] 64 bytes from 192.0.2.10: icmp_seq=5 ttl=64 time=1.23 ms');
    expect(r).toMatchObject({ kind: 'reply', seq: 5, rttMs: 1.23 });
    expect(r.kind === 'reply' && r.ts).toBeCloseTo(1700000000.123456, 6);
  });

  it('no ts field without -D', () => {
    const r = parsePingLine('64 bytes from 192.0.2.10: icmp_seq=5 ttl=64 time=1.23 ms');
    expect(r).not.toHaveProperty('ts');
  });

  it('host name with address, and IPv6 sources (colons before the field)', () => {
    expect(parsePingLine('64 bytes from target.lab (192.0.2.10): icmp_seq=2 ttl=63 time=3.10 ms')).toMatchObject({
      from: 'target.lab (192.0.2.10)',
      seq: 2,
      ttl: 63,
    });
    expect(parsePingLine('64 bytes from 2001:db8::10: icmp_seq=2 ttl=64 time=0.051 ms')).toMatchObject({
      from: '2001:db8::10',
      seq: 2,
    });
  });

  it('a reply without time (payload too small for a timestamp)', () => {
    expect(parsePingLine('8 bytes from 192.0.2.10: icmp_seq=1 ttl=64')).toMatchObject({
      kind: 'reply',
      bytes: 8,
      seq: 1,
      rttMs: null,
    });
  });

  it('tolerates CRLF and trailing spaces', () => {
    expect(parsePingLine('64 bytes from 192.0.2.10: seq=7 ttl=64 time=0.5 ms \r')).toMatchObject({
      kind: 'reply',
      seq: 7,
      rttMs: 0.5,
      dup: false,
    });
    expect(parsePingLine('[1700000000.5] no answer yet for icmp_seq=6\r')).toMatchObject({ kind: 'noAnswer', seq: 6 });
  });
});

describe('parsePingLine: lines cut mid-field are torn, never data', () => {
  it.each([
    // the corpus's cut line: `icmp_seq=4` of `icmp_seq=40`
    '[1796073895.999863] 64 bytes from 10.0.0.2: icmp_seq=4',
    '64 bytes from 10.0.0.2: icmp_seq=40 tt',
    '64 bytes from 10.0.0.2: icmp_seq=40 ttl=64 time=0.1',
    '64 bytes from 10.0.0.2: seq=40 ttl=64 time=0.158 m',
    // a second run appended right after a cut: the digits run into its header
    '64 bytes from 10.0.0.2: icmp_seq=4PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.',
    '64 bytes from 10.0.0.2: icmp_seq=40 ttl=6PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.',
    '[1796073895.999863] no answer yet for icmp_seq=4PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.',
  ])('%s', (line) => {
    expect(parsePingLine(line)).toEqual({ kind: 'torn', text: line });
  });

  it('whole lines with the same beginnings are not torn', () => {
    expect(parsePingLine('64 bytes from 10.0.0.2: icmp_seq=40 ttl=64 time=0.158 ms')).toMatchObject({ kind: 'reply', seq: 40, ttl: 64, rttMs: 0.158 });
    expect(parsePingLine('8 bytes from 10.0.0.2: icmp_seq=40 ttl=64')).toMatchObject({ kind: 'reply', seq: 40, rttMs: null });
    expect(parsePingLine('64 bytes from 10.0.0.2: icmp_seq=40 ttl=64 time=0.158 ms (DUP!)')).toMatchObject({ kind: 'reply', dup: true });
    expect(parsePingLine('no answer yet for icmp_seq=4')).toEqual({ kind: 'noAnswer', seq: 4 });
  });
});

describe('parsePingLine: no answer, ICMP errors, errors', () => {
  it('iputils -O', () => {
    expect(parsePingLine('no answer yet for icmp_seq=6')).toEqual({ kind: 'noAnswer', seq: 6 });
    expect(parsePingLine('[1718012506.753927] no answer yet for icmp_seq=21')).toEqual({
      kind: 'noAnswer',
      seq: 21,
      ts: 1718012506.753927,
    });
  });

  it('ICMP error lines', () => {
    expect(parsePingLine('From 192.0.2.1 icmp_seq=7 Destination Host Unreachable')).toEqual({
      kind: 'icmpError',
      seq: 7,
      from: '192.0.2.1',
      text: 'Destination Host Unreachable',
    });
    expect(parsePingLine('[1700000000.200000] From 192.0.2.77 icmp_seq=8 Destination Host Unreachable')).toEqual({
      kind: 'icmpError',
      seq: 8,
      from: '192.0.2.77',
      text: 'Destination Host Unreachable',
      ts: 1700000000.2,
    });
    expect(parsePingLine('From 192.0.2.1: icmp_seq=9 Redirect Host(New nexthop: 192.0.2.2)')).toMatchObject({
      kind: 'icmpError',
      seq: 9,
      from: '192.0.2.1',
    });
  });

  it.each([
    'ping: sendto: Network is unreachable',
    'ping: sendmsg: No buffer space available',
    'ping: unknown host x',
    'connect: Network is unreachable',
    "ping: invalid option -- 'D'",
    "ping: bad address 'target.lab'",
    'ping: cannot flood; minimal interval allowed for user is 200ms',
  ])('error: %s', (line) => {
    expect(parsePingLine(line)).toEqual({ kind: 'error', message: line });
  });

  it('warnings are not errors', () => {
    expect(parsePingLine('ping: Warning: source address might be selected on device other than: ath0').kind).toBe('other');
    expect(parsePingLine('WARNING: probably, rcvbuf is not enough to hold preload.').kind).toBe('other');
  });
});

describe('parsePingLine: statistics', () => {
  it('iputils summary', () => {
    expect(parsePingLine('5 packets transmitted, 4 received, 20% packet loss, time 812ms')).toEqual({
      kind: 'summary',
      format: 'iputils',
      transmitted: 5,
      received: 4,
      lossPercent: 20,
      timeMs: 812,
    });
  });

  it('iputils summary with errors and duplicates', () => {
    expect(parsePingLine('5 packets transmitted, 4 received, +1 errors, 20% packet loss, time 812ms')).toMatchObject({
      transmitted: 5,
      received: 4,
      errors: 1,
    });
    expect(parsePingLine('10 packets transmitted, 9 received, +2 duplicates, 10% packet loss, time 1802ms')).toMatchObject(
      { transmitted: 10, received: 9, duplicates: 2, lossPercent: 10 },
    );
    // printf %g
    expect(parsePingLine('35 packets transmitted, 30 received, 14.2857% packet loss, time 6806ms')).toMatchObject({
      lossPercent: 14.2857,
    });
    expect(parsePingLine('9000000 packets transmitted, 8999999 received, 1.11111e-05% packet loss, time 1ms')).toMatchObject(
      { lossPercent: 1.11111e-5 },
    );
  });

  it('busybox summary', () => {
    expect(parsePingLine('5 packets transmitted, 5 packets received, 0% packet loss')).toEqual({
      kind: 'summary',
      format: 'busybox',
      transmitted: 5,
      received: 5,
      lossPercent: 0,
    });
    expect(parsePingLine('5 packets transmitted, 5 packets received, 2 duplicates, 0% packet loss')).toMatchObject({
      duplicates: 2,
    });
  });

  it('statistics header, rtt lines', () => {
    expect(parsePingLine('--- 192.0.2.10 ping statistics ---')).toEqual({ kind: 'statsHeader', target: '192.0.2.10' });
    expect(parsePingLine('rtt min/avg/max/mdev = 1.110/2.236/3.348/0.659 ms')).toEqual({
      kind: 'rtt',
      minMs: 1.11,
      avgMs: 2.236,
      maxMs: 3.348,
      mdevMs: 0.659,
    });
    expect(parsePingLine('rtt min/avg/max/mdev = 0.912/2.204/1024.311/9.877 ms, pipe 2')).toMatchObject({
      kind: 'rtt',
      maxMs: 1024.311,
    });
    expect(parsePingLine('round-trip min/avg/max = 1.137/2.481/3.895 ms')).toEqual({
      kind: 'rtt',
      minMs: 1.137,
      avgMs: 2.481,
      maxMs: 3.895,
    });
  });

  it('blank and other', () => {
    expect(parsePingLine('')).toEqual({ kind: 'blank' });
    expect(parsePingLine('  \r')).toEqual({ kind: 'blank' });
    expect(parsePingLine('BusyBox v1.1.3 (2007.06.11-14:33+0000) multi-call binary')).toEqual({
      kind: 'other',
      text: 'BusyBox v1.1.3 (2007.06.11-14:33+0000) multi-call binary',
    });
  });
});

describe('parsePingLine: fixtures and speed', () => {
  it('recognises every line of every fixture log', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) {
      for (const line of readFileSync(join(FIXTURES, f), 'utf8').split('\n')) {
        expect({ file: f, line, kind: parsePingLine(line).kind }).not.toMatchObject({ kind: 'other' });
      }
    }
  });

  it('parses a 12,000-line stream quickly', () => {
    const lines: string[] = [];
    for (let i = 1; i <= 12_000; i++) {
      lines.push(`[${1718000000 + i / 5}] 64 bytes from 192.0.2.10: icmp_seq=${i % 65536} ttl=64 time=2.${i % 100} ms`);
    }
    const t0 = performance.now();
    let n = 0;
    for (const l of lines) if (parsePingLine(l).kind === 'reply') n++;
    expect(n).toBe(12_000);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('hostile lines cost linear time (no catastrophic backtracking)', () => {
    const evil = [
      '64 bytes from ' + ': '.repeat(1000) + 'x',
      '64 bytes from x: icmp_seq=1' + ' time=1'.repeat(280),
      'From a (' + 'b'.repeat(2000),
      '[' + '1'.repeat(2040),
      '1 packets transmitted, 1 received' + '9'.repeat(2000),
      'PING ' + '('.repeat(2000),
      'rtt min/avg/max/mdev = ' + '1'.repeat(2000),
      ' '.repeat(1000) + 'x' + ' '.repeat(1000),
      '--- ' + '-'.repeat(2000),
    ];
    for (const l of evil) {
      const t0 = performance.now();
      for (let k = 0; k < 50; k++) parsePingLine(l);
      // linear: ~0.01 ms a parse; a quadratic regex here takes several ms
      expect(performance.now() - t0, l.slice(0, 40)).toBeLessThan(50);
    }
  });
});
