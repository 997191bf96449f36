#!/bin/sh
# Benchmark (not a test): full sim-mode handovers against eight chrony NTS
# servers on 127.0.0.1, cold and warm. Cold: a sender started for this one
# handover (--once) and a receiver, neither with NTS cookies, so each
# one's first trusted-time query runs NTS-KE over TLS 1.3 to all eight
# (the sender's later queries use the cookies its first one got). Warm: a
# sender that keeps running (its cookies stay in memory) and a receiver
# with --nts-state: NTP only. Prints the median of each figure:
# the whole `handover receive` process (start to exit, as an operator sees
# it), its part on trusted time, and the sender's view of the same.
#
# usage: sh bench/handover.sh [RUNS]     (as root; builds first if needed)
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-15}
SERVERS=8
dir=$(sh scripts/build.sh plain)
H=$dir/src/cli/handover
G=$dir/tests/cli/make_gov
# shellcheck disable=SC1091
. tests/lib/nts-env.sh
ntsenv_init
W=$NTSENV_DIR
SERVE_PID=""
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; ntsenv_stop' EXIT

ports=""
n=1
while [ "$n" -le "$SERVERS" ]; do
  ke=$(ntsenv_free_port)
  ntp=$(ntsenv_free_port)
  ntsenv_chrony "nts$n" "$ke" "$ntp"
  ports="$ports${ports:+,}$ke"
  n=$((n + 1))
done
mkdir "$W/gov"
# One old store hands its key over RUNS times: it must not retire after
# the first (the move itself costs a tombstone write, not measured here).
HV_AFTER_HANDOVER=keep "$G" "$W/gov" 1 60 "$ports" old,new
GOV="--policy $W/gov/policy.txt --policy-sig $W/gov/policy.sig --council $W/gov/council.txt --ca $W/ca.pem"
tee_args() { echo "--tee sim --platform-secret $W/secret --create-platform-secret --build-name $1"; }
# shellcheck disable=SC2046
"$H" init --store "$W/old" $(tee_args old) >/dev/null

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# start_serve MODE [serve options...]: a sender on $W/MODE.sock
start_serve() {
  mode=$1; shift
  sock=$W/$mode.sock
  rm -f "$sock"
  # shellcheck disable=SC2046
  # A fresh head each start (the store refuses a known block with another
  # time), a minute old, one block a second (the policy's default fastest
  # block rate: a number further ahead than its time allows is refused).
  t=$(( $(date +%s) - 60 ))
  "$H" serve --store "$W/old" --socket "$sock" $GOV --chain-head "$t:$((t * 1000))" \
    "$@" $(tee_args old) 2>>"$W/$mode.serve.log" &
  SERVE_PID=$!
  i=0
  until [ -S "$sock" ]; do
    i=$((i + 1))
    [ "$i" -lt 100 ] || { echo "serve did not start:" >&2; tail -n 5 "$W/$mode.serve.log" >&2; exit 1; }
    sleep 0.1
  done
}

stop_serve() {
  kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""
}

# run MODE [--nts-state option for receive]
run() {
  mode=$1 recv_state=$2
  sock=$W/$mode.sock
  : >"$W/$mode.serve.log"
  if [ "$mode" = warm ]; then start_serve "$mode"; fi
  : >"$W/$mode.wall"; : >"$W/$mode.recv"
  r=0
  while [ "$r" -le "$RUNS" ]; do
    if [ "$mode" = cold ]; then start_serve "$mode" --once; fi
    t0=$(now_ns)
    # shellcheck disable=SC2046,SC2086
    "$H" receive --from "$sock" --store "$W/$mode.store$r" $GOV $recv_state --quiet --timing \
      $(tee_args new) >"$W/$mode.out" 2>&1 || { cat "$W/$mode.out"; exit 1; }
    t1=$(now_ns)
    # run 0 is a warm-up (it fills the cookie jars in warm mode)
    if [ "$r" -gt 0 ]; then
      echo $(( (t1 - t0) / 1000000 )) >>"$W/$mode.wall"
      sed -n 's/.*, \([0-9]*\) ms of it on trusted time.*/\1/p' "$W/$mode.out" >>"$W/$mode.recv"
    fi
    r=$((r + 1))
    if [ "$mode" = cold ]; then stop_serve; fi
  done
  if [ "$mode" = warm ]; then stop_serve; fi
  [ -n "${BENCH_VERBOSE:-}" ] && grep -E "stopped|complete in" "$W/$mode.serve.log" >&2
  # the sender's own account of each handover (skipping the warm-up)
  sed -n 's/.*handover complete in \([0-9]*\) ms (\([0-9]*\) ms of it.*/\1 \2/p' \
    "$W/$mode.serve.log" | tail -n "$RUNS" >"$W/$mode.send"
  wall=$(median <"$W/$mode.wall")
  recv=$(median <"$W/$mode.recv")
  send_total=$(cut -d' ' -f1 "$W/$mode.send" | median)
  send_time=$(cut -d' ' -f2 "$W/$mode.send" | median)
  printf '%-5s %8s %14s %14s %14s %14s\n' "$mode" "$wall" "$recv" "$((wall - recv))" \
    "$send_total" "$send_time"
}

mkdir -m 700 "$W/state-recv"
echo "handover: $RUNS runs each (after one warm-up), $SERVERS NTS servers on 127.0.0.1; medians in ms"
printf '%-5s %8s %14s %14s %14s %14s\n' mode total recv:time recv:rest sender:total sender:time
run cold ""
run warm "--nts-state $W/state-recv"
echo "total: the receive process from start to exit; recv:time its trusted-time query"
echo "(at KEY); sender:total from accept to DONE, sender:time its queries"
echo "(fresh for the RESPONSE; HELLO and DONE may reuse one under 1 s old). Target: cold <= 50 ms."
