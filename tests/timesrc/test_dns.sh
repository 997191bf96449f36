#!/bin/sh
# A name that never resolves costs no more than the deadline. Runs in its
# own mount and network namespace: /etc/resolv.conf is bind-mounted there
# to point at 127.0.0.1:53 of the private loopback, where a silent UDP
# socket swallows the queries. The real resolv.conf is never touched.
set -u
TS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TS_DIR/lib.sh"
ts_enter_namespace "$0" "$@"
ntsenv_init || exit 1
CA=$NTSENV_DIR/ca.pem
OUT=$NTSENV_DIR/out
LATE_MS=$((100 * ${HV_TEST_SLOWDOWN:-1})) # HV_TEST_SLOWDOWN: under sanitizers
TIMEOUT_MS=1500

# glibc would wait 5 s x 2 attempts per name by default; we want longer
# still, to prove the deadline and not the resolver ends the wait.
printf 'nameserver 127.0.0.1\noptions timeout:30 attempts:5\n' >"$NTSENV_DIR/resolv.conf"
mount --bind "$NTSENV_DIR/resolv.conf" /etc/resolv.conf || exit 1
ts_silent dns udp 53 || exit 1
ts_check "the silent resolver is listening on 53" [ "$dns" = 53 ]
ts_server a a && ts_server b b || exit 1

"$HANDOVER" time --wait-all --ca "$CA" --timeout "$TIMEOUT_MS" --json --server "$a" \
  --server ntp.never-resolves.test --server "$b" >"$OUT"
ts_check "unresolvable name: exit 0 from the other two" [ $? -eq 0 ]
ts_check "unresolvable name: it fails by timeout or dns" \
  [ "$(ts_results "$OUT" | sed -n 2p)" = timeout ] || [ "$(ts_results "$OUT" | sed -n 2p)" = dns ]
ts_check "unresolvable name: within deadline + ${LATE_MS} ms" \
  [ "$(ts_json_int "$OUT" elapsed_ms)" -le $((TIMEOUT_MS + LATE_MS)) ]
[ "$TS_FAILS" -eq 0 ] || cat "$OUT"
ts_done
