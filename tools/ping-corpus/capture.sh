#!/usr/bin/env bash
# capture.sh: capture ONE real ping run, with tcpdump on both ends, for the ping corpus
# (src/tests/fixtures/ping-corpus/, README there; make-corpus.sh runs every case).
#
# What it does, all on this machine, nothing outside the two namespaces it creates:
#   1. two network namespaces joined by a veth pair: sender 10.0.0.1 <-> target 10.0.0.2
#      (the veth is created directly inside them; the root namespace is never touched);
#   2. tcpdump -i any -w on both ends (sender.pcap, target.pcap: ICMP and ARP),
#      started and "listening" before the ping starts;
#   3. for --impair late|dup: the kernel's echo answering is switched off in the target
#      (net.ipv4.icmp_echo_ignore_all=1) and responder.py answers instead;
#   4. the ping under test in the sender namespace, under `strace -e trace=write,sendto,...`
#      (ping's own view: every send attempt with its seq and result, every write with its
#      fd, so the stderr lines are known), its output going to --log exactly as a lab
#      redirects it: `> log 2>&1` (or `>> log 2>&1` with --append);
#   5. the impairment applied at T0+AT and removed at T0+AT+FOR (T0 = ping started),
#      the wall-clock times of both recorded;
#   6. SIGINT to the ping at T0+DURATION (so it prints its statistics), unless it exited;
#   7. run.json in --work: command line, versions, times, exit status, tcpdump counters.
#   Everything (processes, namespaces with their veth, qdiscs, nft tables) is removed on
#   exit, also on error or Ctrl-C (trap).
# The truth is derived afterwards by truth.py from --work.
#
# Usage:
#   capture.sh --log FILE --work DIR [--append] [--relative-to-wrap] [--flavour iputils|busybox]
#              [--ping-args "-i 0.2 -D -O"] [--impair KIND] [--at S] [--for S] [--duration S]
# KIND:
#   none                nothing
#   drop-request-out    nft drop of echo requests in the SENDER's output hook (sendto gets EPERM)
#   drop-request-in     nft drop of echo requests in the TARGET's input hook (lost on the way)
#   drop-reply          nft drop of echo replies in the TARGET's output hook
#   link-down           ip link set veth0 down / up in the sender
#   route-del           ip route del / add 10.0.0.0/24 in the sender
#   enobufs             tbf qdisc with a 1-byte limit on the sender's veth0 (sendto gets ENOBUFS)
#   late                responder.py holds replies to requests arriving in the window, releases them at its end
#   dup                 responder.py answers requests arriving in the window twice (10 ms apart)
# Needs root, iproute2, nftables, tcpdump, strace, python3; busybox for --flavour busybox.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG= WORK= APPEND=0 REL_WRAP=0 FLAVOUR=iputils PING_ARGS="-i 0.2" IMPAIR=none AT=4.0 FOR=1.2 DURATION=12
while [[ $# -gt 0 ]]; do
  case "$1" in
    --log) LOG=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --append) APPEND=1; shift ;;
    --relative-to-wrap) REL_WRAP=1; shift ;;
    --flavour) FLAVOUR=$2; shift 2 ;;
    --ping-args) PING_ARGS=$2; shift 2 ;;
    --impair) IMPAIR=$2; shift 2 ;;
    --at) AT=$2; shift 2 ;;
    --for) FOR=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    *) echo "capture.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $LOG && -n $WORK ]] || { echo "usage: capture.sh --log FILE --work DIR [options] (see header)" >&2; exit 2; }
case "$IMPAIR" in none|drop-request-out|drop-request-in|drop-reply|link-down|route-del|enobufs|late|dup) ;;
  *) echo "capture.sh: unknown --impair $IMPAIR" >&2; exit 2 ;; esac
case "$FLAVOUR" in
  iputils) PING_BIN=(/usr/bin/ping) ;;
  busybox) PING_BIN=(/usr/bin/busybox ping) ;;
  *) echo "capture.sh: unknown --flavour $FLAVOUR" >&2; exit 2 ;;
esac
[[ $(id -u) -eq 0 ]] || { echo "capture.sh: needs root (network namespaces)" >&2; exit 2; }

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
rm -f "$WORK"/sender.pcap "$WORK"/target.pcap "$WORK"/strace.txt "$WORK"/run.json "$WORK"/*.err "$WORK"/responder.log "$WORK"/events.tsv

TAG="pc$$"
NS_S="$TAG-snd"
NS_T="$TAG-tgt"
TARGET=10.0.0.2
PIDS=()

now() { date +%s.%N | cut -c1-17; }   # epoch seconds, microseconds
sleep_until() { # absolute epoch seconds
  local d
  d=$(awk -v t="$1" -v n="$(date +%s.%N)" 'BEGIN { d = t - n; if (d < 0) d = 0; printf "%.6f", d }')
  sleep "$d"
}
event() { printf '%s\t%s\n' "$(now)" "$*" >>"$WORK/events.tsv"; }

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  # Our own processes, by pid: then anything still living in our namespaces (all started by us).
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for ns in "$NS_S" "$NS_T"; do
    if ip netns list | grep -qw "$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
    fi
  done
  sleep 0.3
  for ns in "$NS_S" "$NS_T"; do
    if ip netns list | grep -qw "$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null   # takes its veth end, qdiscs and nft tables with it
    fi
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  exit $rc
}
trap cleanup EXIT
trap 'echo "capture.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. namespaces and the veth pair, created inside them
ip netns add "$NS_S"
ip netns add "$NS_T"
ip link add name veth0 netns "$NS_S" type veth peer name veth0 netns "$NS_T"
ip -n "$NS_S" addr add 10.0.0.1/24 dev veth0
ip -n "$NS_T" addr add 10.0.0.2/24 dev veth0
for ns in "$NS_S" "$NS_T"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set veth0 up
done
if [[ $IMPAIR == late || $IMPAIR == dup ]]; then
  ip netns exec "$NS_T" sysctl -q -w net.ipv4.icmp_echo_ignore_all=1
fi

# 2. tcpdump on both ends (-i any survives the veth going down)
start_tcpdump() { # ns name
  ip netns exec "$1" tcpdump -i any --immediate-mode -n -U -s 256 -w "$WORK/$2.pcap" 'icmp or arp' 2>"$WORK/$2.tcpdump.err" &
  PIDS+=($!)
  local i
  for i in $(seq 100); do grep -q 'listening on' "$WORK/$2.tcpdump.err" 2>/dev/null && return 0; sleep 0.05; done
  echo "capture.sh: tcpdump in $1 did not start" >&2; cat "$WORK/$2.tcpdump.err" >&2; return 1
}
start_tcpdump "$NS_S" sender
start_tcpdump "$NS_T" target

# 3. the user-space responder, when the replies are to be impaired
PING_T0=$(awk -v n="$(date +%s.%N)" 'BEGIN { printf "%.6f", n + 0.5 }')   # ping starts at this time
W_START=$(awk -v a="$PING_T0" -v b="$AT" 'BEGIN { printf "%.6f", a + b }')
W_END=$(awk -v a="$W_START" -v b="$FOR" 'BEGIN { printf "%.6f", a + b }')
STOP_AT=$(awk -v a="$PING_T0" -v b="$DURATION" 'BEGIN { printf "%.6f", a + b }')
if [[ $IMPAIR == late || $IMPAIR == dup ]]; then
  ip netns exec "$NS_T" python3 "$HERE/responder.py" --mode "$IMPAIR" --start "$W_START" --end "$W_END" \
    --log "$WORK/responder.log" --ready "$WORK/responder.ready" 2>"$WORK/responder.err" &
  PIDS+=($!)
  for i in $(seq 100); do [[ -e $WORK/responder.ready ]] && break; sleep 0.05; done
  [[ -e $WORK/responder.ready ]] || { echo "capture.sh: responder did not start" >&2; cat "$WORK/responder.err" >&2; exit 1; }
  rm -f "$WORK/responder.ready"
fi

# 4. the ping under test
read -r -a PARGS <<<"$PING_ARGS"
PING_CMD=("${PING_BIN[@]}" "${PARGS[@]}" "$TARGET")
STRACE=(strace -q -ttt -e signal=none -e trace=write,writev,sendto,sendmsg -xx -s 4096 -o "$WORK/strace.txt")
sleep_until "$PING_T0"
event "ping start: ${PING_CMD[*]}"
if [[ $APPEND -eq 1 ]]; then
  ip netns exec "$NS_S" "${STRACE[@]}" "${PING_CMD[@]}" >>"$LOG" 2>&1 &
else
  ip netns exec "$NS_S" "${STRACE[@]}" "${PING_CMD[@]}" >"$LOG" 2>&1 &
fi
PING_WRAPPER=$!
PIDS+=($PING_WRAPPER)
PING_PID=
for i in $(seq 100); do
  for p in $(ip netns pids "$NS_S"); do
    if [[ $(cat /proc/"$p"/comm 2>/dev/null) == ping || $(cat /proc/"$p"/comm 2>/dev/null) == busybox ]]; then PING_PID=$p; fi
  done
  [[ -n $PING_PID ]] && break
  sleep 0.01
done
[[ -n $PING_PID ]] || { echo "capture.sh: ping did not start" >&2; exit 1; }

# --relative-to-wrap: AT and DURATION count from the moment the log shows the reply to seq 0
# (iputils starts at 1, so that is the 16-bit wrap 65535 -> 0), not from the ping's start
WRAP_SEEN=
if [[ $REL_WRAP -eq 1 ]]; then
  for i in $(seq 8000); do
    if tail -c 8192 "$LOG" | grep -q 'icmp_seq=0 '; then WRAP_SEEN=$(now); break; fi
    kill -0 "$PING_PID" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $WRAP_SEEN ]] || { echo "capture.sh: the log never showed icmp_seq=0" >&2; exit 1; }
  event "wrap seen in the log"
  W_START=$(awk -v a="$WRAP_SEEN" -v b="$AT" 'BEGIN { printf "%.6f", a + b }')
  W_END=$(awk -v a="$W_START" -v b="$FOR" 'BEGIN { printf "%.6f", a + b }')
  STOP_AT=$(awk -v a="$WRAP_SEEN" -v b="$DURATION" 'BEGIN { printf "%.6f", a + b }')
fi

# 5. the impairment, on schedule
nft_drop() { # namespace hook icmp-type: one atomic nft transaction
  printf 'table ip corpus {\n  chain c {\n    type filter hook %s priority 0;\n    icmp type %s drop;\n  }\n}\n' "$2" "$3" |
    ip netns exec "$1" nft -f -
}
apply() {
  case "$IMPAIR" in
    drop-request-out) nft_drop "$NS_S" output echo-request ;;
    drop-request-in) nft_drop "$NS_T" input echo-request ;;
    drop-reply) nft_drop "$NS_T" output echo-reply ;;
    link-down) ip -n "$NS_S" link set veth0 down ;;
    route-del) ip -n "$NS_S" route del 10.0.0.0/24 dev veth0 ;;
    enobufs) ip netns exec "$NS_S" tc qdisc add dev veth0 root tbf rate 1kbit burst 1600 limit 1 ;;
    *) ;;
  esac
}
remove() {
  case "$IMPAIR" in
    drop-request-out) ip netns exec "$NS_S" nft delete table ip corpus ;;
    drop-request-in|drop-reply) ip netns exec "$NS_T" nft delete table ip corpus ;;
    link-down) ip -n "$NS_S" link set veth0 up ;;
    route-del) ip -n "$NS_S" route add 10.0.0.0/24 dev veth0 proto kernel scope link src 10.0.0.1 ;;
    enobufs) ip netns exec "$NS_S" tc qdisc del dev veth0 root ;;
    *) ;;
  esac
}
IMP_ON_BEFORE= IMP_ON_AFTER= IMP_OFF_BEFORE= IMP_OFF_AFTER=
if [[ $IMPAIR != none ]]; then
  sleep_until "$W_START"
  IMP_ON_BEFORE=$(now); apply; IMP_ON_AFTER=$(now); event "impairment on: $IMPAIR"
  sleep_until "$W_END"
  IMP_OFF_BEFORE=$(now); remove; IMP_OFF_AFTER=$(now); event "impairment off: $IMPAIR"
fi

# 6. stop the ping with SIGINT (statistics), unless it has exited by itself
while kill -0 "$PING_PID" 2>/dev/null; do
  if awk -v t="$STOP_AT" -v n="$(date +%s.%N)" 'BEGIN { exit !(n >= t) }'; then
    event "SIGINT to ping"
    SIGINT_AT=$(now)
    kill -INT "$PING_PID"
    break
  fi
  sleep 0.02
done
SIGINT_AT=${SIGINT_AT:-}
PING_RC=0
wait "$PING_WRAPPER" || PING_RC=$?
event "ping exited with $PING_RC"
sleep 0.5   # let the last packets reach the pcaps
for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
PIDS=()

# 7. what was done
if [[ $FLAVOUR == iputils ]]; then PING_VERSION=$( (/usr/bin/ping -V || true) | sed -n 1p); else PING_VERSION=$( (/usr/bin/busybox 2>&1 || true) | sed -n 1p); fi
python3 - "$WORK/run.json" <<EOF
import json, sys, subprocess
def out(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout + r.stderr).strip()
    except Exception as e:
        return str(e)
def f(x):
    return float(x) if x else None
json.dump({
    "flavour": "$FLAVOUR",
    "command": "${PING_CMD[*]}",
    "redirect": "${APPEND}" == "1" and ">> log 2>&1" or "> log 2>&1",
    "pingVersion": """$PING_VERSION""",
    "impairment": {"kind": "$IMPAIR", "atS": float("$AT"), "forS": float("$FOR"),
                   "scheduledOn": f("$W_START"), "scheduledOff": f("$W_END"),
                   "appliedBetween": [f("$IMP_ON_BEFORE"), f("$IMP_ON_AFTER")],
                   "removedBetween": [f("$IMP_OFF_BEFORE"), f("$IMP_OFF_AFTER")]},
    "pingStartScheduled": f("$PING_T0"),
    "timesRelativeTo": "the reply to seq 0 (the wrap) seen in the log at " + "$WRAP_SEEN" if "$WRAP_SEEN" else "the ping's start",
    "durationS": float("$DURATION"),
    "sigintAt": f("$SIGINT_AT"),
    "exitStatus": $PING_RC,
    "tools": {"tcpdump": out(["tcpdump", "--version"]).splitlines()[0], "strace": out(["strace", "-V"]).splitlines()[0],
              "kernel": out(["uname", "-r"]), "nft": out(["nft", "--version"])},
    "tcpdump": {"sender": open("$WORK/sender.tcpdump.err").read().strip().splitlines()[-3:],
                "target": open("$WORK/target.tcpdump.err").read().strip().splitlines()[-3:]},
}, open(sys.argv[1], "w"), indent=2)
EOF
echo "capture.sh: done: $LOG (ping exit $PING_RC), artefacts in $WORK"
