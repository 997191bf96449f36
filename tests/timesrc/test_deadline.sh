#!/bin/sh
# One deadline for everything: servers that never answer (a TCP listener
# that stays silent during NTS-KE, a UDP port that drops every NTP packet)
# cost no more than the deadline, and the others still decide. With
# --wait-all (without it the verdict settles early: test_settle.sh).
set -u
TS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TS_DIR/lib.sh"
ntsenv_init || exit 1
CA=$NTSENV_DIR/ca.pem
OUT=$NTSENV_DIR/out
# How late past the deadline the answer may come (the task's budget), and
# extra room for starting the process, for wall-clock checks only.
# Under sanitizers (scripts/test.sh sets HV_TEST_SLOWDOWN) all runs slower.
LATE_MS=$((100 * ${HV_TEST_SLOWDOWN:-1}))
EXEC_SLACK_MS=$((400 * ${HV_TEST_SLOWDOWN:-1}))
TIMEOUT_MS=1500

ts_server a a && ts_server b b && ts_server c c || exit 1
ts_silent tcp tcp && ts_silent udp udp || exit 1
# NTS-KE works, but chronyd cannot have the NTP port: the silent one has it.
k=$(ntsenv_free_port)
ntsenv_chrony deaf "$k" "$udp" || exit 1
deaf=127.0.0.1:$k

t0=$(ts_now_ms)
"$HANDOVER" time --wait-all --ca "$CA" --timeout "$TIMEOUT_MS" --json --server "$a" --server "$b" \
  --server "127.0.0.1:$tcp" --server "$deaf" --server "$c" >"$OUT"
rc=$?
t1=$(ts_now_ms)
ts_check "silent servers: exit 0 from the other three" [ "$rc" -eq 0 ]
ts_check "silent servers: JSON with failure details parses" "$JSON_CHECK" <"$OUT"
ts_check "silent servers: both time out" \
  [ "$(ts_results "$OUT" | tr '\n' ' ')" = "agrees agrees timeout timeout agrees " ]
ts_check "silent servers: the run took at most deadline + ${LATE_MS} ms" \
  [ "$(ts_json_int "$OUT" elapsed_ms)" -le $((TIMEOUT_MS + LATE_MS)) ]
ts_check "silent servers: and at least the deadline" \
  [ "$(ts_json_int "$OUT" elapsed_ms)" -ge "$TIMEOUT_MS" ]
ts_check "silent servers: the process too (with ${EXEC_SLACK_MS} ms to start)" \
  [ $((t1 - t0)) -le $((TIMEOUT_MS + LATE_MS + EXEC_SLACK_MS)) ]
[ "$TS_FAILS" -eq 0 ] || cat "$OUT"

# Everyone answers: no waiting for the deadline at all.
"$HANDOVER" time --ca "$CA" --timeout 5000 --json --server "$a" --server "$b" \
  --server "$c" >"$OUT"
ts_check "all answer: exit 0" [ $? -eq 0 ]
ts_check "all answer: done long before the 5 s deadline" \
  [ "$(ts_json_int "$OUT" elapsed_ms)" -lt 1000 ]

# Nothing answers: the refusal comes at the deadline too.
"$HANDOVER" time --ca "$CA" --timeout 800 --json --server "127.0.0.1:$tcp" \
  --server "$deaf" >"$OUT"
ts_check "none answer: exit 1" [ $? -eq 1 ]
ts_check "none answer: too-few-responses" grep -q '"verdict":"too-few-responses"' "$OUT"
ts_check "none answer: by the deadline" [ "$(ts_json_int "$OUT" elapsed_ms)" -le $((800 + LATE_MS)) ]
ts_done
