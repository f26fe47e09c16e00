#!/usr/bin/env bash
# make-corpus.sh: (re)capture the real-ping corpus in src/tests/fixtures/ping-corpus/.
#
# Every case is one or two capture.sh runs (two network namespaces, tcpdump on both
# ends, the ping under strace, one impairment on a schedule) followed by truth.py,
# which writes the case's truth.json and meta.json from the pcaps and the strace and
# checks them against ping.log. The three negative cases are made here directly.
#
# Usage: sudo tools/ping-corpus/make-corpus.sh [CASE ...]     (no CASE: all of them)
#   OUT=dir   where the case folders go (default: src/tests/fixtures/ping-corpus)
#   WORK=dir  pcaps, strace and run.json per run (default: /tmp/ping-corpus-work; not committed)
#   TRUTH_ONLY=1  capture nothing: re-derive truth.json/meta.json from the runs already in WORK
#             (after a change to truth.py); the negative cases are left as they are
# Needs: root, iproute2, nftables, tcpdump, strace, busybox, python3
#   (Debian: apt-get install -y --no-install-recommends tcpdump nftables strace busybox).
# A capture takes its duration plus ~2 s; all cases ~6 min, the wrap case ~2.5 min of it.

set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$ROOT/src/tests/fixtures/ping-corpus}
WORK=${WORK:-/tmp/ping-corpus-work}
mkdir -p "$OUT" "$WORK"
WANT=("$@")
FAILED=()

TRUTH_ONLY=${TRUTH_ONLY:-0}
# capture LOG WORKDIR args...: one capture.sh run (skipped with TRUTH_ONLY=1)
capture() {
  local log=$1 work=$2; shift 2
  if [[ $TRUTH_ONLY == 1 ]]; then [[ -f $work/run.json ]] || { echo "no capture in $work" >&2; return 1; }; return 0; fi
  "$HERE/capture.sh" --log "$log" --work "$work" "$@"
}
fresh() { # case name: empty case folder (and work folder, unless TRUTH_ONLY)
  mkdir -p "$OUT/$1"
  rm -f "$OUT/$1/truth.json" "$OUT/$1/meta.json"
  if [[ $TRUTH_ONLY != 1 ]]; then rm -rf "${OUT:?}/$1" "${WORK:?}/$1"; mkdir -p "$OUT/$1" "$WORK/$1"; fi
}

wanted() { [[ ${#WANT[@]} -eq 0 ]] && return 0; local w; for w in "${WANT[@]}"; do [[ $w == "$1" ]] && return 0; done; return 1; }

# one_run CASE DESCRIPTION capture-args... : a one-ping case
one_run() {
  local name=$1 desc=$2; shift 2
  wanted "$name" || return 0
  echo "== $name"
  fresh "$name"
  capture "$OUT/$name/ping.log" "$WORK/$name/run1" "$@" || { FAILED+=("$name"); return 0; }
  python3 "$HERE/truth.py" --case "$OUT/$name" --name "$name" --description "$desc" --run "$WORK/$name/run1" \
    --capture-command "tools/ping-corpus/capture.sh --log ping.log --work WORK/run1 ${*@Q}" || FAILED+=("$name")
}

S="--duration 12 --at 4.0"

# iputils with -D -O, and without either
for v in DO plain; do
  if [[ $v == DO ]]; then PA="-i 0.2 -D -O"; W="iputils ping -i 0.2 -D -O"; else PA="-i 0.2"; W="iputils ping -i 0.2 (no -D/-O)"; fi
  one_run "iputils-$v-drop-request-out" "$W; echo requests dropped in the sender's own output hook (nft) for 1.2 s: sendto() fails with EPERM, the seqs are counted but never on the wire" \
    --ping-args "$PA" --impair drop-request-out $S --for 1.2
  one_run "iputils-$v-drop-request-in" "$W; echo requests dropped on arrival at the target (nft input hook) for 1.2 s: sent without error, never answered" \
    --ping-args "$PA" --impair drop-request-in $S --for 1.2
  one_run "iputils-$v-drop-reply" "$W; echo replies dropped on the way back (target's output hook, nft) for 1.2 s" \
    --ping-args "$PA" --impair drop-reply $S --for 1.2
  one_run "iputils-$v-link-down" "$W; the sender's veth set down for 1.0 s (ip link set veth0 down/up): sends fail with ENETUNREACH, ARP again after up" \
    --ping-args "$PA" --impair link-down $S --for 1.0
  one_run "iputils-$v-route-del" "$W; the route to the target deleted for 1.0 s (ip route del/add): sends fail with ENETUNREACH" \
    --ping-args "$PA" --impair route-del $S --for 1.0
  one_run "iputils-$v-enobufs" "$W; tbf qdisc with a 1-byte limit on the sender's veth for 1.2 s: sendto() fails with ENOBUFS, iputils retries the same seq" \
    --ping-args "$PA" --impair enobufs $S --for 1.2
  one_run "iputils-$v-late" "$W; user-space responder holds the replies to requests arriving in a 1.0 s window, then releases them in one burst" \
    --ping-args "$PA" --impair late $S --for 1.0
  one_run "iputils-$v-dup" "$W; user-space responder answers every request arriving in a 1.0 s window twice (10 ms apart)" \
    --ping-args "$PA" --impair dup $S --for 1.0
done

# busybox (no -D/-O)
one_run busybox-drop "busybox ping -i 0.2; echo requests dropped on arrival at the target (nft input hook) for 1.2 s" \
  --flavour busybox --ping-args "-i 0.2" --impair drop-request-in $S --for 1.2
one_run busybox-route-del "busybox ping -i 0.2; the route to the target deleted: busybox exits on the failed sendto (ping: sendto: Network is unreachable), no statistics" \
  --flavour busybox --ping-args "-i 0.2" --impair route-del $S --for 1.0
one_run busybox-drop-request-out "busybox ping -i 0.2; echo requests dropped in the sender's output hook: sendto() fails with EPERM and busybox exits (ping: sendto: Operation not permitted)" \
  --flavour busybox --ping-args "-i 0.2" --impair drop-request-out $S --for 1.2

# -q: statistics only
one_run iputils-q-loss "iputils ping -i 0.2 -q (statistics only); echo requests dropped on arrival at the target for 1.2 s" \
  --ping-args "-i 0.2 -q" --impair drop-request-in $S --for 1.2

# two runs appended to one file
name=iputils-DO-two-runs
if wanted $name; then
  echo "== $name"
  fresh "$name"
  A1=(--ping-args "-i 0.2 -D -O" --impair drop-request-in --duration 10 --at 3.0 --for 1.0)
  A2=(--append --ping-args "-i 0.2 -D -O" --impair drop-reply --duration 10 --at 3.0 --for 1.0)
  if capture "$OUT/$name/ping.log" "$WORK/$name/run1" "${A1[@]}" &&
    capture "$OUT/$name/ping.log" "$WORK/$name/run2" "${A2[@]}"; then
  python3 "$HERE/truth.py" --case "$OUT/$name" --name $name \
    --description "two iputils ping -i 0.2 -D -O runs appended to one file (> log 2>&1, then >> log 2>&1): the first with requests dropped at the target for 1.0 s, the second with replies dropped for 1.0 s" \
    --run "$WORK/$name/run1" --run "$WORK/$name/run2" \
    --capture-command "tools/ping-corpus/capture.sh --log ping.log --work WORK/run1 ${A1[*]@Q}" \
    --capture-command "tools/ping-corpus/capture.sh --log ping.log --work WORK/run2 ${A2[*]@Q}" || FAILED+=($name)
  else FAILED+=($name); fi
fi

# a torn last line
name=iputils-DO-cut-line
if wanted $name; then
  echo "== $name"
  fresh "$name"
  A=(--ping-args "-i 0.2 -D -O" --impair drop-request-in $S --for 1.2)
  capture "$WORK/$name/full.log" "$WORK/$name/run1" "${A[@]}" &&
  python3 "$HERE/truth.py" --case "$OUT/$name" --name $name \
    --description "iputils ping -i 0.2 -D -O with requests dropped at the target for 1.2 s; the log is cut inside the reply line of seq 40, mid icmp_seq= (as if copied while ping was writing)" \
    --run "$WORK/$name/run1" --source-log "$WORK/$name/full.log" --cut-seq 40 --cut-keep "icmp_seq=4" \
    --capture-command "tools/ping-corpus/capture.sh --log full.log --work WORK/run1 ${A[*]@Q}" || FAILED+=($name)
fi

# the 16-bit sequence wrap: -i 0.002 (root) runs past 65535; a 0.1 s drop 0.4 s after the wrap
name=iputils-DO-wrap
if wanted $name; then
  echo "== $name (about 2.5 minutes)"
  fresh "$name"
  A=(--ping-args "-i 0.002 -D -O" --impair drop-request-in --relative-to-wrap --at 0.4 --for 0.1 --duration 1.0)
  capture "$WORK/$name/full.log" "$WORK/$name/run1" "${A[@]}" &&
  python3 "$HERE/truth.py" --case "$OUT/$name" --name $name \
    --description "iputils ping -i 0.002 -D -O past seq 65535 (the wrap to 0), requests dropped at the target for 0.1 s starting 0.4 s after the wrap; only the tail of the log from seq 65400 is kept" \
    --run "$WORK/$name/run1" --source-log "$WORK/$name/full.log" --tail-from-raw-seq 65400 \
    --capture-command "tools/ping-corpus/capture.sh --log full.log --work WORK/run1 ${A[*]@Q}" || FAILED+=($name)
fi

# negatives: not ping output at all
negative() { # name description; content on stdin
  local name=$1 desc=$2
  { wanted "$name" && [[ $TRUTH_ONLY != 1 ]]; } || { cat >/dev/null; return 0; }
  echo "== $name"
  rm -rf "${OUT:?}/$name"; mkdir -p "$OUT/$name"
  cat >"$OUT/$name/ping.log"
  printf '{"notPing": true}\n' >"$OUT/$name/truth.json"
  python3 - "$OUT/$name/meta.json" "$name" "$desc" <<'EOF'
import datetime, json, sys
json.dump({"case": sys.argv[2], "description": sys.argv[3], "notPing": True,
           "captureDate": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "stderrLines": []}, open(sys.argv[1], "w"), indent=2)
open(sys.argv[1], "a").write("\n")
EOF
}
negative not-ping-empty "an empty file (0 bytes)" </dev/null
head -c 4096 /dev/urandom | negative not-ping-binary "4096 random bytes (head -c 4096 /dev/urandom)"
negative not-ping-dmesg "a dmesg-like kernel log (written by hand, no ping output in it)" <<'EOF'
[    0.000000] Linux version 2.6.16.60 (build@bench) (gcc version 3.4.6) #1 PREEMPT Tue Jun 4 10:12:01 UTC 2024
[    0.000000] CPU: MIPS 4KEc V6.4  Revision 0x4  Atheros AR5312
[    0.000000] Determined physical RAM map:
[    0.000000]  memory: 01000000 @ 00000000 (usable)
[    0.000000] Built 1 zonelists
[    0.000000] Kernel command line: console=ttyS0,9600 root=31:2 rootfstype=squashfs,jffs2 init=/etc/preinit
[    0.000000] Primary instruction cache 16kB, physically tagged, 4-way, linesize 16 bytes.
[    0.000000] PID hash table entries: 128 (order: 7, 512 bytes)
[    0.000000] Using 92.000 MHz high precision timer.
[    0.120000] Memory: 14028k/16384k available (1788k kernel code, 2356k reserved)
[    0.350000] NET: Registered protocol family 2
[    0.360000] IP route cache hash table entries: 256 (order: -2, 1024 bytes)
[    0.380000] TCP: Hash tables configured (established 512 bind 512)
[    1.210000] eth0: Atheros AR231x: 00:03:7f:e0:02:b1, irq 4
[    2.840000] ath_hal: 0.9.17.2 (AR5212, AR5312, RF2316, RF5112, TX_DESC_SWAP)
[    3.010000] wlan: 0.8.4.2 (0.9.3)
[    3.050000] ath_rate_sample: 1.2 (0.9.3)
[    3.120000] ath_ahb: 0.9.4.5 (0.9.3)
[    3.130000] Atheros AR2316 chip found.
[    3.400000] wifi0: 11b rates: 1Mbps 2Mbps 5.5Mbps 11Mbps
[    3.410000] wifi0: 11g rates: 1Mbps 2Mbps 5.5Mbps 11Mbps 6Mbps 9Mbps 12Mbps 18Mbps 24Mbps 36Mbps 48Mbps 54Mbps
[    3.420000] wifi0: mac 10.5 phy 6.1 radio 6.0
[    3.430000] wifi0: Use hw queue 1 for WME_AC_BE traffic
[    3.440000] wifi0: Atheros 2316 WiSoC: mem=0xb0000000, irq=3
[   12.560000] ath0: no IPv6 routers present
[   64.010000] ath0: link down, 64 bytes lost in the tx queue
[   64.250000] ath0: link up
[  301.770000] device ath0 entered promiscuous mode
[  302.010000] device ath0 left promiscuous mode
EOF

if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "make-corpus.sh: truth checks failed for: ${FAILED[*]}" >&2
  exit 1
fi
echo "make-corpus.sh: done: $OUT"
