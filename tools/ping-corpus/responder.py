#!/usr/bin/env python3
"""User-space ICMP echo responder for the ping corpus (tools/ping-corpus/capture.sh).

Runs inside the target namespace, where capture.sh has set
net.ipv4.icmp_echo_ignore_all=1 so the kernel no longer answers: this program
reads echo requests from a raw ICMP socket and answers them itself, which lets
the corpus impair the replies in ways netem would (this kernel has no netem):

  --mode plain  answer every request at once
  --mode late   requests that arrive in [--start, --end) are held and all
                released back to back at --end (late replies in a burst);
                the others are answered at once
  --mode dup    requests that arrive in [--start, --end) are answered twice:
                once at once, once more --dup-delay seconds later

--start/--end are absolute epoch seconds (CLOCK_REALTIME, the clock tcpdump and
`ping -D` use). Every reply copies the request's id, seq and payload (so ping's
timestamp in the payload still gives the true RTT). What it did is logged, one
JSON object a line, to --log; the truth is taken from tcpdump, not from this log.
Python 3 standard library only. Stops on SIGTERM/SIGINT.
"""

import argparse
import json
import select
import signal
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def make_reply(icmp: bytes) -> bytes:
    body = b"\x00\x00\x00\x00" + icmp[4:]  # type 0 (echo reply), code 0, checksum 0, same id/seq/payload
    c = checksum(body)
    return body[:2] + struct.pack("!H", c) + body[4:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=["plain", "late", "dup"], default="plain")
    ap.add_argument("--start", type=float, default=0.0)
    ap.add_argument("--end", type=float, default=0.0)
    ap.add_argument("--dup-delay", type=float, default=0.010)
    ap.add_argument("--address", default="10.0.0.2", help="only requests to this address are answered")
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready", help="file created once the socket is open")
    args = ap.parse_args()

    stop = False

    def on_signal(_sig, _frm):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    log = open(args.log, "a", buffering=1)
    if args.ready:
        open(args.ready, "w").close()

    held = []  # (src, icmp) held until args.end
    later = []  # (due, src, icmp, seq) duplicate copies to send

    def send(src: str, icmp: bytes, what: str) -> None:
        seq = struct.unpack("!H", icmp[6:8])[0]
        ident = struct.unpack("!H", icmp[4:6])[0]
        sock.sendto(make_reply(icmp), (src, 0))
        log.write(json.dumps({"t": round(time.time(), 6), "sent": what, "id": ident, "seq": seq}) + "\n")

    while not stop:
        now = time.time()
        timeout = 0.05
        if held and args.mode == "late":
            timeout = min(timeout, max(0.0, args.end - now))
        if later:
            timeout = min(timeout, max(0.0, later[0][0] - now))
        try:
            r, _, _ = select.select([sock], [], [], timeout)
        except InterruptedError:
            continue
        if r:
            while True:
                try:
                    pkt, (src, _) = sock.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                ihl = (pkt[0] & 0x0F) * 4
                dst = socket.inet_ntoa(pkt[16:20])
                icmp = pkt[ihl:]
                if len(icmp) < 8 or icmp[0] != 8 or icmp[1] != 0 or dst != args.address:
                    continue  # not an echo request to us (our own replies are not delivered here)
                t = time.time()
                in_window = args.start <= t < args.end
                if args.mode == "late" and in_window:
                    held.append((src, icmp))
                    seq = struct.unpack("!H", icmp[6:8])[0]
                    log.write(json.dumps({"t": round(t, 6), "held": seq}) + "\n")
                    continue
                send(src, icmp, "reply")
                if args.mode == "dup" and in_window:
                    later.append((t + args.dup_delay, src, icmp))
                    later.sort(key=lambda x: x[0])
        now = time.time()
        if held and now >= args.end:
            for src, icmp in held:
                send(src, icmp, "released")
            held.clear()
        while later and later[0][0] <= now:
            _, src, icmp = later.pop(0)
            send(src, icmp, "duplicate")
    for src, icmp in held:  # never leave a request unanswered because we were told to stop
        send(src, icmp, "released-at-stop")
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
