#!/usr/bin/env python3
"""Derive a ping-corpus case's truth.json and meta.json from what capture.sh recorded.

Usage:
  truth.py --case DIR --name NAME --description TEXT --run WORKDIR [--run WORKDIR2]
           [--source-log FILE] [--tail-from-raw-seq N] [--cut-seq N --cut-keep TEXT]
           [--note TEXT ...]

Sources, per run (each in capture.sh's --work folder):
  sender.pcap   tcpdump -i any in the sender namespace: echo requests leaving, replies arriving
  target.pcap   tcpdump -i any in the target namespace: requests arriving, replies leaving
  strace.txt    ping's own system calls: every sendto() with the ICMP header it sent (id, seq)
                and its result (bytes or errno), every write() with its fd, ping's exit
  run.json      command, impairment times, exit status, versions
The pcaps are read with `tcpdump -tt -n -r FILE icmp`.

Definitions (all times epoch seconds, the clock of tcpdump and of `ping -D`):
  seq           unwrapped: counted on from the run's first seq across 65535 -> 0
                (rawSeq is the 16-bit number ping printed, given when it differs)
  sent          seqs ping counted as transmitted: iputils counts a seq once however often
                it retried it after ENOBUFS, and counts a seq whose send failed hard
                (EPERM, ENETUNREACH: "pretend we sent packet"); busybox counts only sends
                that succeeded (it exits on a failed one)
  onWire        seqs whose request left the sender's veth (sender.pcap)
  answered      seqs with an echo reply at the sender's veth before ping exited
  lost          sent and not answered
  late          answered, first reply more than one interval after the request left the sender
  duplicates    seqs with more than one reply at the sender (duplicateReplies: the extra ones)
  stall         the longest time between two consecutive requests leaving the sender
  replyGap      the longest time between two consecutive first replies at the sender
  statistics    ping's own statistics line, as printed (null when there is none)
Each truth also lists every seq with its evidence (seqs[]).
The second, independent checks (ping.log against strace, against the pcaps) go to
meta.json "verification"; truth.py exits 1 when a check that must hold fails.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys

STRACE_RE = re.compile(
    r'^(\d+\.\d+) (write|writev|sendto|sendmsg)\((\d+), "((?:\\x[0-9a-f]{2})*)"(.*)\) += (-?\d+|\?)(?: (\w+) \((.*)\))?$'
)
STRACE_EXIT_RE = re.compile(r'^(\d+\.\d+) \+\+\+ (exited with (\d+)|killed by (\w+).*) \+\+\+$')
TCPDUMP_RE = re.compile(
    r'^(\d+\.\d+) .*?IP (\S+) > (\S+): ICMP echo (request|reply), id (\d+), seq (\d+), length (\d+)'
)
IPUTILS_REPLY_RE = re.compile(
    r'^(?:\[(\d+\.\d+)\] )?(\d+) bytes from ([^:]+): (icmp_seq|seq)=(\d+) ttl=(\d+) time=([\d.]+) ms( \(DUP!\))?$'
)
NO_ANSWER_RE = re.compile(r'^(?:\[(\d+\.\d+)\] )?no answer yet for icmp_seq=(\d+)$')
STATS_RE = re.compile(r'^(\d+) packets transmitted, (\d+)(?: packets)? received(.*)$')


def r6(x):
    return None if x is None else round(x, 6)


def ms(x):
    return None if x is None else round(x * 1000, 3)


def parse_strace(path):
    calls, exit_at, exit_how = [], None, None
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            m = STRACE_RE.match(line)
            if m:
                t, name, fd, hexs, _rest, ret, errno, _msg = m.groups()
                data = bytes.fromhex(hexs.replace('\\x', ''))
                calls.append({'t': float(t), 'call': name, 'fd': int(fd), 'data': data,
                              'ret': ret, 'errno': errno})
                continue
            m = STRACE_EXIT_RE.match(line)
            if m:
                exit_at = float(m.group(1))
                exit_how = m.group(2)
                continue
            if line.strip():
                raise SystemExit(f'truth.py: unexpected strace line in {path}: {line[:200]}')
    return calls, exit_at, exit_how


def parse_pcap(path):
    out = subprocess.run(['tcpdump', '-tt', '-n', '-r', path, 'icmp'], capture_output=True, text=True, check=True)
    pkts = []
    for line in out.stdout.splitlines():
        m = TCPDUMP_RE.match(line)
        if m:
            t, src, dst, kind, ident, seq, length = m.groups()
            pkts.append({'t': float(t), 'src': src, 'dst': dst, 'kind': kind, 'id': int(ident), 'raw': int(seq)})
    return pkts


def interval_of(command):
    m = re.search(r'(?:^|\s)-i\s*([\d.]+)', command)
    return float(m.group(1)) if m else 1.0


class Run:
    """One ping process: its strace, its pcaps, its share of the log."""

    def __init__(self, work):
        self.work = work
        self.info = json.load(open(os.path.join(work, 'run.json')))
        self.flavour = self.info['flavour']
        self.interval = interval_of(self.info['command'])
        self.calls, self.exit_at, self.exit_how = parse_strace(os.path.join(work, 'strace.txt'))
        self.sender = parse_pcap(os.path.join(work, 'sender.pcap'))
        self.target = parse_pcap(os.path.join(work, 'target.pcap'))
        # what ping wrote, in order, with the fd of every byte
        self.output = b''.join(c['data'][: int(c['ret'])] for c in self.calls if c['call'] == 'write' and c['ret'] not in ('?', '-1'))
        if any(c['call'] in ('writev', 'sendmsg') for c in self.calls):
            raise SystemExit('truth.py: writev/sendmsg seen in strace: not handled')
        self.build()

    def build(self):
        sends = [c for c in self.calls if c['call'] == 'sendto']
        if not sends:
            raise SystemExit(f'truth.py: no sendto in {self.work}')
        ids = {int.from_bytes(c['data'][4:6], 'big') for c in sends}
        if len(ids) != 1:
            raise SystemExit(f'truth.py: several ICMP ids in one run: {ids}')
        self.ident = ids.pop()
        # unwrap in send order
        seqs = {}  # unwrapped -> record
        by_raw = {}  # raw -> [(first attempt time, unwrapped)]
        prev_raw = prev_u = None
        for c in sends:
            raw = int.from_bytes(c['data'][6:8], 'big')
            if prev_raw is None:
                u = raw
            else:
                d = (raw - prev_raw) % 65536
                if d > 32768:
                    d -= 65536
                u = prev_u + d
            prev_raw, prev_u = raw, u
            rec = seqs.get(u)
            if rec is None:
                rec = seqs[u] = {'seq': u, 'raw': raw, 'attempts': [], 'requestOut': [], 'requestIn': [],
                                 'replyOut': [], 'replyIn': [], 'replyInAfterExit': []}
                by_raw.setdefault(raw, []).append((c['t'], u))
            ok = c['ret'] not in ('-1', '?')
            rec['attempts'].append({'at': c['t'], 'result': 'ok' if ok else (c['errno'] or c['ret'])})
        self.seqs = seqs
        self.unknown_packets = []

        def unwrap(raw, t):
            best = None
            for t0, u in by_raw.get(raw, []):
                if t0 <= t + 0.002:
                    best = u
            return best

        for side, pkts in (('sender', self.sender), ('target', self.target)):
            for p in pkts:
                if p['id'] != self.ident:
                    continue
                u = unwrap(p['raw'], p['t'])
                if u is None:
                    self.unknown_packets.append({'side': side, **p})
                    continue
                rec = seqs[u]
                if side == 'sender' and p['kind'] == 'request':
                    rec['requestOut'].append(p['t'])
                elif side == 'sender':
                    if self.exit_at is not None and p['t'] > self.exit_at:
                        rec['replyInAfterExit'].append(p['t'])
                    else:
                        rec['replyIn'].append(p['t'])
                elif p['kind'] == 'request':
                    rec['requestIn'].append(p['t'])
                else:
                    rec['replyOut'].append(p['t'])

    def counted(self, rec):
        oks = [a for a in rec['attempts'] if a['result'] == 'ok']
        if oks:
            return True
        if self.flavour == 'busybox':
            return False
        # iputils: a hard error counts the seq; ENOBUFS/ENOMEM/EAGAIN are retried with the same seq
        return any(a['result'] not in ('ENOBUFS', 'ENOMEM', 'EAGAIN') for a in rec['attempts'])


def parse_log_lines(text):
    """Independent reading of ping's output (not the project's parser)."""
    replies, no_answer, stats = [], [], None
    for i, line in enumerate(text.split('\n'), 1):
        m = IPUTILS_REPLY_RE.match(line)
        if m:
            replies.append({'line': i, 'ts': float(m.group(1)) if m.group(1) else None, 'raw': int(m.group(5)),
                            'rttMs': float(m.group(7)), 'dup': bool(m.group(8))})
            continue
        m = NO_ANSWER_RE.match(line)
        if m:
            no_answer.append({'line': i, 'raw': int(m.group(2))})
            continue
        m = STATS_RE.match(line)
        if m:
            stats = {'transmitted': int(m.group(1)), 'received': int(m.group(2))}
            for field in m.group(3).split(', '):
                field = field.strip(', ')
                f = re.match(r'^\+?(\d+) (duplicates|errors|corrupted)$', field)
                if f:
                    stats[f.group(2)] = int(f.group(1))
                f = re.match(r'^([\d.e+-]+)% packet loss$', field)
                if f:
                    stats['lossPercent'] = float(f.group(1))
                f = re.match(r'^time (\d+)ms$', field)
                if f:
                    stats['timeMs'] = int(f.group(1))
    return replies, no_answer, stats


def unwrap_list(raws):
    out, ref = [], -1
    for raw in raws:
        if ref < 0:
            u = raw
        else:
            u = ref - (ref % 65536) + raw
            if u < ref - 32768:
                u += 65536
            elif u > ref + 32768 and u >= 65536:
                u -= 65536
        out.append(u)
        ref = max(ref, u)
    return out


def gap(times_with_seq):
    """Longest gap between consecutive (time, seq) pairs, sorted by time."""
    pts = sorted(times_with_seq)
    best = None
    for (t1, s1), (t2, s2) in zip(pts, pts[1:]):
        if best is None or t2 - t1 > best['ms'] / 1000:
            best = {'ms': ms(t2 - t1), 'afterSeq': s1, 'beforeSeq': s2, 'from': r6(t1), 'to': r6(t2)}
    return best


def truth_of(run, lo=None, hi=None, log_text=None, stats_override='log'):
    """The truth for one run, restricted to seqs in [lo, hi] when given."""
    iv = run.interval
    recs = [r for u, r in sorted(run.seqs.items()) if (lo is None or u >= lo) and (hi is None or u <= hi)]
    sent = [r['seq'] for r in recs if run.counted(r)]
    on_wire = [r['seq'] for r in recs if r['requestOut']]
    answered = [r['seq'] for r in recs if r['replyIn'] and run.counted(r)]
    lost = [u for u in sent if u not in set(answered)]
    late, dups, dup_replies, seq_out = [], [], 0, []
    for r in recs:
        rtt = None
        if r['replyIn'] and r['requestOut']:
            first_reply = min(r['replyIn'])
            before = [t for t in r['requestOut'] if t <= first_reply]
            rtt = first_reply - (max(before) if before else r['requestOut'][0])
        is_late = rtt is not None and rtt > iv
        if is_late:
            late.append(r['seq'])
        if len(r['replyIn']) > 1:
            dups.append(r['seq'])
            dup_replies += len(r['replyIn']) - 1
        entry = {'seq': r['seq']}
        if r['raw'] != r['seq']:
            entry['rawSeq'] = r['raw']
        entry['counted'] = run.counted(r)
        entry['attempts'] = [{'at': r6(a['at']), 'result': a['result']} for a in r['attempts']]
        entry['requestOut'] = [r6(t) for t in r['requestOut']]
        entry['requestAtTarget'] = [r6(t) for t in r['requestIn']]
        entry['replyFromTarget'] = [r6(t) for t in r['replyOut']]
        entry['replyIn'] = [r6(t) for t in r['replyIn']]
        if r['replyInAfterExit']:
            entry['replyInAfterPingExit'] = [r6(t) for t in r['replyInAfterExit']]
        entry['rttMs'] = ms(rtt)
        entry['late'] = is_late
        seq_out.append(entry)
    send_errors = []
    for r in recs:
        bad = [a for a in r['attempts'] if a['result'] != 'ok']
        if bad:
            send_errors.append({'seq': r['seq'], 'errors': sorted({a['result'] for a in bad}), 'failedAttempts': len(bad),
                                'succeededAfterwards': any(a['result'] == 'ok' for a in r['attempts']),
                                'counted': run.counted(r)})
    after_exit = [r['seq'] for r in recs if r['replyInAfterExit'] and not r['replyIn']]
    t = {
        'flavour': run.flavour,
        'intervalS': iv,
        'icmpId': run.ident,
        'firstSeq': recs[0]['seq'] if recs else None,
        'lastSeq': recs[-1]['seq'] if recs else None,
        'sent': sent,
        'onWire': on_wire,
        'answered': answered,
        'lost': lost,
        'late': late,
        'duplicates': dups,
        'duplicateReplies': dup_replies,
        'sendErrors': send_errors,
        'answeredOnlyAfterPingExit': after_exit,
        'stall': gap([(r['requestOut'][0], r['seq']) for r in recs if r['requestOut']]),
        'replyGap': gap([(min(r['replyIn']), r['seq']) for r in recs if r['replyIn'] and run.counted(r)]),
        'statistics': None,
        'pingExit': {'at': r6(run.exit_at), 'how': run.exit_how, 'status': run.info['exitStatus']},
    }
    if log_text is not None and stats_override == 'log':
        t['statistics'] = parse_log_lines(log_text)[2]
    t['seqs'] = seq_out
    return t


def verify(run, text, truth, lo=None, hi=None, whole=True):
    """Second, independent checks. Returns a list of {check, ok, detail, must}."""
    out = []

    def add(name, ok, detail, must=True):
        out.append({'check': name, 'ok': bool(ok), 'detail': detail, 'must': must})

    replies, no_answer, stats = parse_log_lines(text)
    if whole:
        add('log bytes == what ping wrote (strace write() calls, fd 1 and 2, in order)',
            text.encode() == run.output, f'{len(text.encode())} bytes in log, {len(run.output)} written')
    # unwrap reply and no-answer lines together, in line order, as a reader of the log would
    tagged = sorted([(r['line'], 'r', i) for i, r in enumerate(replies)] + [(n['line'], 'n', i) for i, n in enumerate(no_answer)])
    raws = [(replies if k == 'r' else no_answer)[i]['raw'] for _, k, i in tagged]
    unwrapped = unwrap_list(raws)
    if lo is not None and unwrapped:
        # the kept tail starts at lo: the log's first seq is lo itself
        shift = lo - unwrapped[0]
        unwrapped = [u + shift for u in unwrapped]
    us = [u for (_, k, _), u in zip(tagged, unwrapped) if k == 'r']
    na = [u for (_, k, _), u in zip(tagged, unwrapped) if k == 'n']
    printed = sorted({u for u, r in zip(us, replies) if not r['dup']})
    dup_lines = sum(1 for r in replies if r['dup'])
    ans = truth['answered']
    if hi is not None:
        ans = [u for u in ans if u <= hi]
    if re.search(r'(?:^|\s)-q(?:\s|$)', run.info['command']):
        add('-q: no reply lines in ping.log', not replies, f'{len(replies)} reply lines')
    else:
        add('seqs with a reply line in ping.log == seqs answered at the sender (sender.pcap)',
            printed == sorted(ans), f'{len(printed)} printed, {len(ans)} in pcap; only in log: '
            f'{sorted(set(printed) - set(ans))[:20]}; only in pcap: {sorted(set(ans) - set(printed))[:20]}')
    add('(DUP!) lines in ping.log == extra replies at the sender', dup_lines == truth['duplicateReplies'],
        f'{dup_lines} DUP lines, {truth["duplicateReplies"]} extra replies in pcap')
    if stats and whole:
        add('statistics transmitted == sent (strace)', stats['transmitted'] == len(truth['sent']),
            f'{stats["transmitted"]} vs {len(truth["sent"])}')
        add('statistics received == answered (pcap)', stats['received'] == len(truth['answered']),
            f'{stats["received"]} vs {len(truth["answered"])}')
        add('statistics duplicates == extra replies (pcap)', stats.get('duplicates', 0) == truth['duplicateReplies'],
            f'{stats.get("duplicates", 0)} vs {truth["duplicateReplies"]}')
    # printed RTT against the pcap RTT: ping stamps the payload shortly before sendto() (an untraced
    # vDSO call, so only roughly: +5 ms slack) and the reply on arrival, so time= lies between the
    # wire RTT and (reply at the sender - sendto() entry as strace saw it)
    by_seq = {e['seq']: e for e in truth['seqs']}
    outside, checked = [], 0
    for u, r in zip(us, replies):
        e = by_seq.get(u)
        if r['dup'] or e is None or e['rttMs'] is None:
            continue
        oks = [x['at'] for x in e['attempts'] if x['result'] == 'ok']
        upper = (e['replyIn'][0] - oks[-1]) * 1000 + 5.0
        lower = e['rttMs'] - 0.5
        checked += 1
        if not lower <= r['rttMs'] <= upper:
            outside.append((u, r['rttMs'], round(lower, 3), round(upper, 3)))
    add('printed time= lies between the wire RTT (pcap) - 0.5 ms and reply arrival - sendto() entry + 5 ms', not outside,
        f'{checked} reply lines checked; outside: {outside[:10]}', must=False)
    # -D stamps are printing times: never before the reply reached the sender's veth
    lag = []
    for u, r in zip(us, replies):
        e = by_seq.get(u)
        if r['ts'] is None or r['dup'] or e is None or not e['replyIn']:
            continue
        lag.append(r['ts'] - e['replyIn'][0])
    if lag:
        add('-D stamp of every reply line is after its reply reached the sender, by < 50 ms',
            min(lag) >= -0.0005 and max(lag) < 0.05,
            f'stamp - pcap arrival: min {min(lag) * 1000:.3f} ms, max {max(lag) * 1000:.3f} ms', must=False)
    # every request that left the sender arrived at the target (the veth loses nothing)
    lost_on_veth = [e['seq'] for e in truth['seqs'] if e['requestOut'] and not e['requestAtTarget']]
    add('every request that left the sender reached the target (veth loses nothing)', not lost_on_veth,
        f'not arrived: {lost_on_veth[:20]}', must=False)
    miss_req = [e['seq'] for e in truth['seqs'] if len(e['requestAtTarget']) > len(e['requestOut'])]
    miss_rep = [e['seq'] for e in truth['seqs']
                if len(e['replyFromTarget']) > len(e['replyIn']) + len(e.get('replyInAfterPingExit', []))]
    add('the two pcaps agree: every request at the target left the sender, every reply from the target reached it',
        not miss_req and not miss_rep, f'requests missing at the sender: {miss_req[:20]}; replies missing at the sender: {miss_rep[:20]}')
    late_printed = sorted({u for u, r in zip(us, replies) if not r['dup'] and r['rttMs'] > truth['intervalS'] * 1000})
    if replies and late_printed != truth['late']:
        truth.setdefault('_extraNotes', []).append(
            f'late by the printed time= (above the {truth["intervalS"] * 1000:g} ms interval): {late_printed}; late on the wire '
            f'(request leaving the sender -> reply arriving): {truth["late"]}. The difference is local delay between ping '
            'stamping the request and the request leaving (see seqs[].attempts and requestOut)')
    if replies:
        add('late (pcap) == reply lines with time= above the interval', late_printed == truth['late'],
            f'printed late {late_printed[:20]}, pcap late {truth["late"][:20]}', must=False)
    if no_answer:
        add('-O: every "no answer yet" seq is lost or late (pcap)',
            set(na) <= set(truth['lost']) | set(truth['late']) | set(truth['answered']),
            f'no-answer lines for {sorted(set(na))[:30]}', must=False)
    if run.unknown_packets:
        add('no packet with ping\'s id that matches no send', False, str(run.unknown_packets[:5]))
    tcpd = run.info.get('tcpdump', {})
    for side, lines in tcpd.items():
        dropped = [l for l in lines if 'dropped by kernel' in l]
        add(f'tcpdump ({side}) dropped nothing', dropped and dropped[0].startswith('0 '), '; '.join(lines))
    return out


def stderr_lines(run, first_line_no):
    """1-based line numbers (in the case's ping.log) of the lines ping wrote to stderr."""
    lines, cur, cur_fds = [], b'', set()
    for c in run.calls:
        if c['call'] != 'write' or c['ret'] in ('?', '-1'):
            continue
        data = c['data'][: int(c['ret'])]
        parts = data.split(b'\n')
        for i, p in enumerate(parts):
            if p:
                cur += p
                cur_fds.add(c['fd'])
            if i < len(parts) - 1:
                lines.append(cur_fds or {c['fd']})
                cur, cur_fds = b'', set()
    if cur:
        lines.append(cur_fds)
    return [first_line_no + i for i, fds in enumerate(lines) if 2 in fds]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--case', required=True)
    ap.add_argument('--name', required=True)
    ap.add_argument('--description', required=True)
    ap.add_argument('--run', action='append', required=True)
    ap.add_argument('--source-log', help='the full log as ping wrote it, when ping.log is to be cut from it')
    ap.add_argument('--tail-from-raw-seq', type=int)
    ap.add_argument('--cut-seq', type=int)
    ap.add_argument('--cut-keep', help='the cut line is kept up to and including this text')
    ap.add_argument('--note', action='append', default=[])
    ap.add_argument('--capture-command', action='append', default=[])
    a = ap.parse_args()

    runs = [Run(w) for w in a.run]
    log_path = os.path.join(a.case, 'ping.log')
    meta = {'case': a.name, 'description': a.description,
            'captureDate': datetime.datetime.fromtimestamp(runs[0].info['pingStartScheduled'], datetime.timezone.utc).isoformat(timespec='seconds'),
            'capturedWith': a.capture_command, 'runs': [], 'postprocessing': None, 'verification': []}
    truths = []
    notes = list(a.note)

    if a.tail_from_raw_seq is not None or a.cut_seq is not None:
        assert len(runs) == 1 and a.source_log
        run = runs[0]
        full = open(a.source_log, 'rb').read().decode()
        assert full.encode() == run.output, 'source log differs from what ping wrote'
        lines = full.split('\n')
        replies, _, _ = parse_log_lines(full)
        us = unwrap_list([r['raw'] for r in replies])
        if a.tail_from_raw_seq is not None:
            # keep from the first line about raw seq N to the end
            first = next(r['line'] for r in replies if r['raw'] == a.tail_from_raw_seq)
            kept = '\n'.join(lines[first - 1:])
            lo = a.tail_from_raw_seq
            open(log_path, 'w').write(kept)
            t = truth_of(run, lo=lo, log_text=kept)
            meta['postprocessing'] = {
                'kind': 'tail', 'keptFromLine': first, 'linesInFullLog': len(lines) - (1 if full.endswith('\n') else 0),
                'what': f'lines 1-{first - 1} of the full log (the header and the replies to seqs {run.seqs[min(run.seqs)]["seq"]}-{lo - 1}) '
                        f'were cut; ping.log keeps line {first} (the reply to seq {lo}) to the end, byte for byte'}
            notes.append(f'ping.log is the tail of a longer log: it starts at the reply to seq {lo}; truth covers seqs >= {lo} only. '
                         'The statistics line (kept as printed) counts the whole run, including the cut part.')
            truths.append(t)
            meta['verification'] += verify(run, kept, t, lo=lo, whole=False)
            meta['runs'].append(run_meta(run, kept, 1))
            meta['runs'][0]['stderrLines'] = [n - first + 1 for n in stderr_lines(run, 1) if n >= first]
        else:
            idx = next(i for r, u, i in zip(replies, us, range(len(replies))) if u == a.cut_seq and not r['dup'])
            line_no = replies[idx]['line']
            whole_line = lines[line_no - 1]
            k = whole_line.index(a.cut_keep) + len(a.cut_keep)
            kept = '\n'.join(lines[: line_no - 1]) + '\n' + whole_line[:k]
            open(log_path, 'w').write(kept)
            # what the file holds: everything ping wrote up to that line; seqs sent before that line was written
            written = 0
            cut_write_t = None
            target_len = len(('\n'.join(lines[:line_no])).encode())
            for c in run.calls:
                if c['call'] == 'write' and c['ret'] not in ('?', '-1'):
                    written += int(c['ret'])
                    if written >= target_len:
                        cut_write_t = c['t']
                        break
            hi = max(u for u, r in run.seqs.items() if r['attempts'][0]['at'] <= cut_write_t)
            assert hi == a.cut_seq, (hi, a.cut_seq)
            t = truth_of(run, hi=hi, log_text=None)
            t['cutLine'] = {'line': line_no, 'printed': whole_line[:k], 'was': whole_line, 'seq': a.cut_seq,
                            'note': f'the last line is torn: ping printed "{whole_line}"; the file ends after "{whole_line[:k]}" (no newline)'}
            # the file has no statistics; the reply to the cut seq is in truth.answered but its line is torn
            meta['postprocessing'] = {'kind': 'cut', 'what': f'the full log was cut inside line {line_no} ("{whole_line}") '
                                      f'after "{a.cut_keep}"; everything after it (the rest of the run and the statistics) was dropped; '
                                      'no newline at the end of the file'}
            notes.append(f'truth covers the seqs ping had sent when the torn line was printed (up to {hi}); '
                         f'seq {a.cut_seq} was answered but its line is cut mid-number, so the file cannot show which seq it was')
            truths.append(t)
            meta['verification'] += verify(run, '\n'.join(lines[: line_no - 1]) + '\n', t, hi=a.cut_seq - 1, whole=False)
            meta['runs'].append(run_meta(run, kept, 1))
            meta['runs'][0]['stderrLines'] = [n for n in stderr_lines(run, 1) if n < line_no]
    else:
        text = open(log_path, 'rb').read().decode()
        pos, line_no = 0, 1
        for run in runs:
            part = run.output.decode()
            if text[pos:pos + len(part)] != part:
                raise SystemExit(f'truth.py: ping.log does not hold run {run.work} at offset {pos}')
            t = truth_of(run, log_text=part)
            truths.append(t)
            v = verify(run, part, t)
            meta['verification'] += [dict(x, run=len(truths)) if len(runs) > 1 else x for x in v]
            rm = run_meta(run, part, line_no)
            meta['runs'].append(rm)
            pos += len(part)
            line_no += part.count('\n')
        if pos != len(text):
            raise SystemExit('truth.py: ping.log holds more than the runs wrote')

    for t in truths:
        notes += t.pop('_extraNotes', [])
    if len(truths) == 1:
        truth = {'case': a.name, **truths[0], 'notes': notes}
    else:
        truth = {'case': a.name, 'runs': truths, 'notes': notes}
    # keep seqs[] last: the sets first, for a reader
    with open(os.path.join(a.case, 'truth.json'), 'w') as f:
        f.write(dump_truth(truth) + '\n')
    json.dump(meta, open(os.path.join(a.case, 'meta.json'), 'w'), indent=2)
    open(os.path.join(a.case, 'meta.json'), 'a').write('\n')
    failed = [v for v in meta['verification'] if v['must'] and not v['ok']]
    soft = [v for v in meta['verification'] if not v['must'] and not v['ok']]
    for v in failed:
        print(f'truth.py: {a.name}: CHECK FAILED: {v["check"]}: {v["detail"]}', file=sys.stderr)
    for v in soft:
        print(f'truth.py: {a.name}: note: {v["check"]}: {v["detail"]}', file=sys.stderr)
    s = truths[0]
    print(f'{a.name}: sent {len(s["sent"])} lost {s["lost"]} late {s["late"]} dups {s["duplicates"]} '
          f'stall {s["stall"] and s["stall"]["ms"]} ms; checks {len(meta["verification"]) - len(failed)}/{len(meta["verification"])}')
    return 1 if failed else 0


def dump_truth(obj, indent=''):
    """JSON with one key a line and one seqs[] entry a line (readable, diffable)."""
    nested = isinstance(obj, dict) and any(
        isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict)) for v in obj.values())
    if isinstance(obj, dict) and nested and not (obj.keys() >= {'seq', 'attempts'}):
        inner = indent + ' '
        items = [f'{inner}{json.dumps(k)}: {dump_truth(v, inner)}' for k, v in obj.items()]
        return '{\n' + ',\n'.join(items) + '\n' + indent + '}'
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        inner = indent + ' '
        return '[\n' + ',\n'.join(inner + dump_truth(v, inner) for v in obj) + '\n' + indent + ']'
    return json.dumps(obj, separators=(', ', ': '))


MECHANISM = {
    'none': 'nothing',
    'drop-request-out': "sender: nft table ip corpus, chain hook output, 'icmp type echo-request drop'; removed with nft delete table",
    'drop-request-in': "target: nft table ip corpus, chain hook input, 'icmp type echo-request drop'; removed with nft delete table",
    'drop-reply': "target: nft table ip corpus, chain hook output, 'icmp type echo-reply drop'; removed with nft delete table",
    'link-down': 'sender: ip link set veth0 down; then ip link set veth0 up',
    'route-del': 'sender: ip route del 10.0.0.0/24 dev veth0; then ip route add 10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1',
    'enobufs': 'sender: tc qdisc add dev veth0 root tbf rate 1kbit burst 1600 limit 1; then tc qdisc del dev veth0 root',
    'late': 'target: responder.py --mode late (kernel echo off): replies to requests arriving in [on, off) held and sent back to back at off',
    'dup': 'target: responder.py --mode dup (kernel echo off): requests arriving in [on, off) answered twice, 10 ms apart',
}


def run_meta(run, text, first_line_no):
    i = run.info
    return {
        'command': i['command'],
        'redirect': i['redirect'],
        'pingVersion': i['pingVersion'],
        'impairment': dict(i['impairment'], mechanism=MECHANISM.get(i['impairment']['kind'], '')),
        'timesRelativeTo': i.get('timesRelativeTo', "the ping's start"),
        'pingStartScheduled': i['pingStartScheduled'],
        'durationS': i['durationS'],
        'sigintAt': i['sigintAt'],
        'exitStatus': i['exitStatus'],
        'lines': [first_line_no, first_line_no + text.count('\n') + (0 if text.endswith('\n') else 1) - 1],
        'stderrLines': stderr_lines(run, first_line_no),
        'tools': i['tools'],
        'tcpdump': i['tcpdump'],
    }


if __name__ == '__main__':
    sys.exit(main())
