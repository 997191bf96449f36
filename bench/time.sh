#!/bin/sh
# Benchmark of `handover time` against eight chrony NTS servers on
# loopback, side by side with what a user would run instead: a one-shot
# `chronyd -Q` against the same servers in the same run.
#   cold: no cookies, every server does NTS-KE (TLS 1.3) then NTP
#   warm: cookies from --state, NTP only
#   blackholed: the same eight and BLACKHOLED more whose NTS-KE port
#     accepts and never answers (as a firewall that drops a region): the
#     verdict settles on the eight, so the run need not wait the deadline
# Prints the medians of the query itself (start to decision, from the
# JSON's query_us), of the whole process, and the ratios.
# usage: sh bench/time.sh [RUNS]   (HANDOVER=path overrides the binary)
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-21}
SERVERS=8
BLACKHOLED=2
SILENT=${SILENT:-build/tests/timesrc/timesrc_silent}
HANDOVER=${HANDOVER:-build/src/cli/handover}
# chronyd -Q gives up after this many seconds.
CHRONY_TIMEOUT_S=10
[ -x "$HANDOVER" ] && [ -x "$SILENT" ] ||
  { echo "build first: sh scripts/build.sh plain" >&2; exit 1; }
. tests/lib/nts-env.sh
ntsenv_init || exit 1
CA=$NTSENV_DIR/ca.pem

args="" chrony_conf=$NTSENV_DIR/client.conf
: >"$chrony_conf"
# (nts-env.sh's functions use globals such as i, k, n: ours are named apart)
srv=0
while [ "$srv" -lt "$SERVERS" ]; do
  srv=$((srv + 1))
  keport=$(ntsenv_free_port)
  ntpport=$(ntsenv_free_port)
  ntsenv_chrony "s$srv" "$keport" "$ntpport" || exit 1
  args="$args --server 127.0.0.1:$keport,operator=op$srv"
  echo "server 127.0.0.1 port $ntpport nts ntsport $keport iburst" >>"$chrony_conf"
done
printf 'nosystemcert\nntstrustedcerts %s\n' "$CA" >>"$chrony_conf"

# The blackholed servers: silent listeners, stopped by the EXIT trap.
black_args=$args
hole=0
while [ "$hole" -lt "$BLACKHOLED" ]; do
  hole=$((hole + 1))
  "$SILENT" tcp 0 >"$NTSENV_DIR/hole$hole" 2>&1 </dev/null &
  NTSENV_PIDS="$NTSENV_PIDS $!"
  tries=0
  until grep -qx '[0-9]*' "$NTSENV_DIR/hole$hole" 2>/dev/null; do
    tries=$((tries + 1)); [ "$tries" -gt 50 ] && { echo "silent server did not start" >&2; exit 1; }
    sleep 0.1
  done
  black_args="$black_args --server 127.0.0.1:$(cat "$NTSENV_DIR/hole$hole"),operator=hole$hole"
done

now_us() { echo $(($(date +%s%N) / 1000)); }

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# run_handover STATE_DIR|"" FILE [SERVER ARGS] -> appends "query_us
# process_us" to $NTSENV_DIR/FILE
run_handover() {
  state=$1 out=$NTSENV_DIR/run.json
  servers=${3:-$args}
  t0=$(now_us)
  # shellcheck disable=SC2086
  if [ -n "$state" ]; then
    "$HANDOVER" time --ca "$CA" $servers --state "$state" --json >"$out"
  else
    "$HANDOVER" time --ca "$CA" $servers --json >"$out"
  fi
  rc=$?
  t1=$(now_us)
  [ "$rc" -eq 0 ] || { echo "handover time failed:" >&2; cat "$out" >&2; exit 1; }
  q=$(grep -o '"query_us":[0-9]*' "$out" | cut -d: -f2)
  echo "$q $((t1 - t0))" >>"$NTSENV_DIR/$2"
}

run_chrony() {
  t0=$(now_us)
  chronyd -u root -Q -f "$chrony_conf" -t "$CHRONY_TIMEOUT_S" >/dev/null 2>&1 ||
    { echo "chronyd -Q failed" >&2; exit 1; }
  t1=$(now_us)
  echo "$((t1 - t0))" >>"$NTSENV_DIR/chrony"
}

warm_state=$NTSENV_DIR/state
black_state=$NTSENV_DIR/black-state
run_handover "$warm_state" prime   # fills the cookie jars
run_handover "$black_state" prime "$black_args"
round=0
while [ "$round" -lt "$RUNS" ]; do
  round=$((round + 1))
  run_handover "" cold
  run_handover "$warm_state" warm
  run_handover "" black_cold "$black_args"
  run_handover "$black_state" black_warm "$black_args"
done
# chronyd -Q takes seconds per run: fewer runs are enough for a median.
CHRONY_RUNS=$(( RUNS < 5 ? RUNS : 5 ))
round=0
while [ "$round" -lt "$CHRONY_RUNS" ]; do
  round=$((round + 1))
  run_chrony
done

cold_q=$(cut -d' ' -f1 "$NTSENV_DIR/cold" | median)
cold_p=$(cut -d' ' -f2 "$NTSENV_DIR/cold" | median)
warm_q=$(cut -d' ' -f1 "$NTSENV_DIR/warm" | median)
warm_p=$(cut -d' ' -f2 "$NTSENV_DIR/warm" | median)
chrony=$(median <"$NTSENV_DIR/chrony")
bcold_q=$(cut -d' ' -f1 "$NTSENV_DIR/black_cold" | median)
bcold_p=$(cut -d' ' -f2 "$NTSENV_DIR/black_cold" | median)
bwarm_q=$(cut -d' ' -f1 "$NTSENV_DIR/black_warm" | median)
bwarm_p=$(cut -d' ' -f2 "$NTSENV_DIR/black_warm" | median)
ms() { awk -v us="$1" 'BEGIN {printf "%8.2f ms", us / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%8.1fx", a / b}'; }
echo "$SERVERS NTS servers on loopback; medians of $RUNS runs ($CHRONY_RUNS for chronyd -Q)"
echo "                          query       process   chronyd -Q / process"
echo "handover time, cold   $(ms "$cold_q")   $(ms "$cold_p")   $(ratio "$chrony" "$cold_p")"
echo "handover time, warm   $(ms "$warm_q")   $(ms "$warm_p")   $(ratio "$chrony" "$warm_p")"
echo "chronyd -Q                        $(ms "$chrony")"
echo "cold / warm (query)   $(ratio "$cold_q" "$warm_q")"
echo "with $BLACKHOLED blackholed of $((SERVERS + BLACKHOLED)) (the default 5 s deadline):"
echo "blackholed, cold      $(ms "$bcold_q")   $(ms "$bcold_p")   $(ratio "$bcold_q" "$cold_q") of all-answering cold (query)"
echo "blackholed, warm      $(ms "$bwarm_q")   $(ms "$bwarm_p")   $(ratio "$bwarm_q" "$warm_q") of all-answering warm (query)"
echo "targets: cold <= 15 ms, warm <= 2 ms (query median)"
