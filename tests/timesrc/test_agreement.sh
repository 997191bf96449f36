#!/bin/sh
# Real chrony NTS servers on loopback, some with their clocks shifted by
# hours (faketime): a lone liar is named a falseticker and the trusted time
# is the honest one; liars that tie or scatter leave no majority.
set -u
TS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TS_DIR/lib.sh"
ntsenv_init || exit 1
CA=$NTSENV_DIR/ca.pem
OUT=$NTSENV_DIR/out

ts_server a a && ts_server b b && ts_server c c && ts_server d d &&
  ts_shifted late1 late1 +3h && ts_shifted late2 late2 +3h &&
  ts_shifted early early -2h || exit 1

run() { "$HANDOVER" time --wait-all --ca "$CA" --timeout 4000 "$@" >"$OUT" 2>"$OUT.err"; }

# Five servers, one three hours ahead.
run --json --server "$a,operator=a" --server "$b,operator=b" --server "$c,operator=c" \
  --server "$d,operator=d" --server "$late1,operator=late"
rc=$?
now=$(ts_now_ms)
ts_check "one liar of five: exit 0" [ "$rc" -eq 0 ]
ts_check "one liar of five: JSON parses" "$JSON_CHECK" <"$OUT"
ts_check "one liar of five: it is named the falseticker" \
  [ "$(ts_results "$OUT" | tr '\n' ' ')" = "agrees agrees agrees agrees falseticker " ]
ts_check "one liar of five: 4 agree" [ "$(ts_json_int "$OUT" agreeing)" = 4 ]
ts_check "one liar of five: trusted time within 1 s of the system clock" \
  ts_within "$(ts_json_int "$OUT" time_ms)" "$now" 1000
[ "$TS_FAILS" -eq 0 ] || cat "$OUT" "$OUT.err"

# Without --wait-all the run may stop once the verdict is settled: the
# liar is then named a falseticker or, if it had not answered yet,
# abandoned; the honest time wins either way.
"$HANDOVER" time --ca "$CA" --timeout 4000 --json --server "$a,operator=a" \
  --server "$b,operator=b" --server "$c,operator=c" --server "$d,operator=d" \
  --server "$late1,operator=late" >"$OUT" 2>"$OUT.err"
ts_check "one liar of five, settling: exit 0" [ $? -eq 0 ]
ts_check "one liar of five, settling: the liar never agrees" \
  sh -c "ts=\$(grep -o '\"result\":\"[a-z-]*\"' '$OUT' | cut -d'\"' -f4 | tail -n 1); [ \"\$ts\" = falseticker ] || [ \"\$ts\" = abandoned ]"
ts_check "one liar of five, settling: trusted time within 1 s of the system clock" \
  ts_within "$(ts_json_int "$OUT" time_ms)" "$(ts_now_ms)" 1000
[ "$TS_FAILS" -eq 0 ] || cat "$OUT" "$OUT.err"

# The same in the table: the liar's line says so, and the decision follows.
run --server "$a" --server "$b" --server "$c" --server "$d" --server "$late1"
ts_check "table: exit 0" [ $? -eq 0 ]
ts_check "table: the liar's line says falseticker" grep -q "^127.0.0.1:${late1#*:} .*falseticker" "$OUT"
ts_check "table: trusted time line" grep -q '^trusted time: ' "$OUT"

# Two honest, two liars that agree with each other: 2 of 4 is no majority.
run --json --server "$a" --server "$b" --server "$late1" --server "$late2"
ts_check "two liars of four: exit 1" [ $? -eq 1 ]
ts_check "two liars of four: no-majority" grep -q '"verdict":"no-majority"' "$OUT"
ts_check "two liars of four: JSON parses" "$JSON_CHECK" <"$OUT"
ts_check "two liars of four: the best set is 2" [ "$(ts_json_int "$OUT" agreeing)" = 2 ]

# Two of three shifted, each differently: nobody agrees with anybody.
run --json --server "$a" --server "$late1" --server "$early"
ts_check "two of three shifted apart: exit 1" [ $? -eq 1 ]
ts_check "two of three shifted apart: no-majority" grep -q '"verdict":"no-majority"' "$OUT"

# Flip one condition: a third honest server turns the 2-2 split into 3 of 5.
run --json --server "$a" --server "$b" --server "$c" --server "$late1" --server "$late2"
ts_check "three honest of five: exit 0" [ $? -eq 0 ]
ts_check "three honest of five: both liars named" \
  [ "$(ts_results "$OUT" | tr '\n' ' ')" = "agrees agrees agrees falseticker falseticker " ]

# The operators rule: the four agreeing servers share one operator.
run --json --min-operators 2 --server "$a,operator=x" --server "$b,operator=x" \
  --server "$c,operator=x" --server "$late1,operator=y"
ts_check "one operator agrees: exit 1" [ $? -eq 1 ]
ts_check "one operator agrees: too-few-operators" grep -q '"verdict":"too-few-operators"' "$OUT"
ts_done
