#!/bin/sh
# `handover time` end to end against three chrony NTS servers: the table,
# the JSON, the exit codes, bad flags, and cookies kept in --state.
set -u
TS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TS_DIR/lib.sh"
ntsenv_init || exit 1
CA=$NTSENV_DIR/ca.pem
OUT=$NTSENV_DIR/out
ERR=$NTSENV_DIR/err

ts_server a a && ts_server b b && ts_server c c || exit 1
servers="--server $a,operator=op-a,region=r1 --server $b,operator=op-b --server $c"

# shellcheck disable=SC2086
"$HANDOVER" time --wait-all --ca "$CA" $servers --json >"$OUT" 2>"$ERR"
ts_check "json: exit 0" [ $? -eq 0 ]
now=$(ts_now_ms)
ts_check "json: parses" "$JSON_CHECK" <"$OUT"
ts_check "json: trusted" grep -q '"trusted":true,"verdict":"trusted"' "$OUT"
ts_check "json: three servers agree" [ "$(ts_results "$OUT" | tr '\n' ' ')" = "agrees agrees agrees " ]
ts_check "json: labels carried" grep -q '"operator":"op-a","region":"r1"' "$OUT"
# The first time_ns is the decision's, then one per server.
n=0
for t in $(grep -o '"time_ns":"[0-9]*' "$OUT" | cut -d'"' -f4); do
  n=$((n + 1))
  ts_check "json: authenticated time $n within 1 s of the system clock" \
    ts_within $((t / 1000000)) "$now" 1000
done
ts_check "json: four times (decision + 3 servers)" [ "$n" -eq 4 ]
[ "$TS_FAILS" -eq 0 ] || cat "$OUT" "$ERR"

# shellcheck disable=SC2086
"$HANDOVER" time --wait-all --ca "$CA" $servers >"$OUT" 2>"$ERR"
ts_check "table: exit 0" [ $? -eq 0 ]
ts_check "table: a line per server with its time" \
  [ "$(grep -c '^127.0.0.1:[0-9]* .* agrees .*Z' "$OUT")" -eq 3 ]
ts_check "table: operator column" grep -q "^127.0.0.1:${a#*:} *op-a *r1 *agrees" "$OUT"
ts_check "table: trusted time line" grep -q '^trusted time: .* +- [0-9]* ms' "$OUT"

# Exit 1: no trusted time (here, more responses required than answer).
ts_silent tcp tcp || exit 1
"$HANDOVER" time --wait-all --ca "$CA" --timeout 500 --min-responses 3 --server "$a" --server "$b" \
  --server "127.0.0.1:$tcp" >"$OUT" 2>"$ERR"
ts_check "too few: exit 1" [ $? -eq 1 ]
ts_check "too few: the rule is named" grep -q '^no trusted time: too-few-responses' "$OUT"

# Exit 2: bad flags, each named.
bad_flag() {
  expect=$1
  shift
  "$HANDOVER" time "$@" >"$OUT" 2>"$ERR"
  rc=$?
  [ "$rc" -eq 2 ] && grep -q -- "$expect" "$ERR" && [ ! -s "$OUT" ]
}
ts_check "bad flag: unknown" bad_flag "unknown option '--bogus'" --server "$a" --bogus
ts_check "bad flag: missing value" bad_flag "option '--timeout' needs a value" --server "$a" --timeout
ts_check "bad flag: not a number" bad_flag "--timeout: 'soon' is not a number" --timeout soon
ts_check "bad flag: spread" bad_flag "--max-spread-s: '-1' is not" --max-spread -1
ts_check "bad flag: port" bad_flag "--server 127.0.0.1:0: bad port '0'" --server 127.0.0.1:0

# The time config's old key max-spread-ms still works and warns once,
# naming the file and line; max-spread-s does not warn.
CONF=$NTSENV_DIR/time.conf
printf 'server %s\nserver %s\nmax-spread-ms 30000\nmax-spread-ms 40000\n' "$a" "$b" >"$CONF"
"$HANDOVER" time --ca "$CA" --config "$CONF" >"$OUT" 2>"$ERR"
ts_check "config alias: still trusted" [ $? -eq 0 ]
ts_check "config alias: warns once, naming the line" \
  [ "$(grep -c "warning: $CONF:3: max-spread-ms is deprecated; use max-spread-s" "$ERR")" -eq 1 ]
ts_check "config alias: only one warning" [ "$(grep -c warning "$ERR")" -eq 1 ]
printf 'server %s\nserver %s\nmax-spread-s 30\n' "$a" "$b" >"$CONF"
"$HANDOVER" time --ca "$CA" --config "$CONF" >"$OUT" 2>"$ERR"
ts_check "config max-spread-s: trusted" [ $? -eq 0 ]
ts_check "config max-spread-s: no warning" [ "$(grep -c warning "$ERR")" -eq 0 ]
ts_check "bad flag: address" bad_flag "not an IPv6 address" --server "$a:1"
ts_check "bad flag: label" bad_flag "unknown server label 'colour'" --server "$a,colour=red"
ts_check "bad flag: duplicate" bad_flag "listed twice" --server "$a" --server "$a"
ts_check "bad flag: min-responses" bad_flag "min-responses 4 exceeds" $servers --min-responses 4
ts_check "--help: exit 0" "$HANDOVER" time --help >"$OUT"
ts_check "--help: documents --nts-state" grep -q -- '--nts-state DIR' "$OUT"

# Cookies: the first run does NTS-KE, the second uses the saved cookies.
STATE=$NTSENV_DIR/state
# shellcheck disable=SC2086
"$HANDOVER" time --wait-all --ca "$CA" $servers --state "$STATE" --json >"$OUT"
ts_check "state: first run exit 0" [ $? -eq 0 ]
ts_check "state: first run did NTS-KE" [ "$(grep -o '"used_ke":true' "$OUT" | wc -l)" -eq 3 ]
ts_check "state: directory 0700" [ "$(stat -c %a "$STATE")" = 700 ]
ts_check "state: one file, nothing else left" [ "$(ls -A "$STATE")" = jars ]
ts_check "state: file 0600" [ "$(stat -c %a "$STATE/jars")" = 600 ]
# shellcheck disable=SC2086
"$HANDOVER" time --wait-all --ca "$CA" $servers --state "$STATE" --json >"$OUT"
ts_check "state: second run exit 0" [ $? -eq 0 ]
ts_check "state: second run used cookies only" [ "$(grep -o '"used_ke":false' "$OUT" | wc -l)" -eq 3 ]
chmod 755 "$STATE"
ts_check "state: a directory open to others is refused" \
  bad_flag "open to others" --ca "$CA" --server "$a" --server "$b" --state "$STATE"
ts_done
