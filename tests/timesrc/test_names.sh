#!/bin/sh
# Server names against addresses, in a mount and network namespace of its
# own whose /etc/hosts this test writes (the real one is never touched):
#  - one server listed under two names votes once: the second is named
#    "duplicate" and the trusted time needs the others;
#  - RFC 8915 4.1.7: without Server Negotiation, NTP goes to the address
#    the NTS-KE connection reached, not wherever the name resolves first.
set -u
TS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TS_DIR/lib.sh"
ts_enter_namespace "$0" "$@"
ntsenv_init || exit 1
CA=$NTSENV_DIR/ca.pem
OUT=$NTSENV_DIR/out
HOSTS=$NTSENV_DIR/hosts

# Server a answers as 127.0.0.1 and as alias.test; server b only on
# 127.0.0.2 (KE and NTP), under the name two.test, which also resolves
# to 127.0.0.1, where a's NTP port is closed to b's port number.
ntsenv_cert a 30 "DNS:alias.test,IP:127.0.0.1,IP:::ffff:127.0.0.1" || exit 1
ntsenv_cert b 30 "DNS:two.test" || exit 1
printf 'bindaddress 127.0.0.2\nallow 127.0.0.0/8\n' >"$NTSENV_DIR/b.extra"
ts_server a a && ts_server c c || exit 1
kb=$(ntsenv_free_port)
nb=$(ntsenv_free_port)
ntsenv_chrony b "$kb" "$nb" || exit 1

printf '127.0.0.1 localhost alias.test\n127.0.0.1 two.test\n127.0.0.2 two.test\n' >"$HOSTS"
mount --bind "$HOSTS" /etc/hosts || { echo "cannot bind /etc/hosts"; exit 1; }
# two.test must resolve to 127.0.0.1 first, or NTP to the first address
# (the behaviour 4.1.7 rules out) would pass too. getaddrinfo as we call
# it, through meson's python3 (getent ahosts adds AI_ADDRCONFIG, which
# finds nothing in a namespace with only loopback).
first=$(python3 -c 'import socket; print(socket.getaddrinfo("two.test", None, socket.AF_UNSPEC, socket.SOCK_STREAM)[0][4][0])')
ts_check "two.test resolves to 127.0.0.1 first" [ "$first" = 127.0.0.1 ]

# Four names, two servers: only a majority of the answers can be had.
"$HANDOVER" time --wait-all --ca "$CA" --json --quorum answers --server "$a,operator=op-a" \
  --server "alias.test:${a#*:},operator=op-a2" --server "$c,operator=op-c" \
  --server "[::ffff:127.0.0.1]:${a#*:},operator=op-a3" >"$OUT"
ts_check "alias: exit 0 (a and c agree)" [ $? -eq 0 ]
ts_check "alias: a's other name and its IPv4-mapped address are duplicates" \
  [ "$(ts_results "$OUT" | tr '\n' ' ')" = "agrees duplicate agrees duplicate " ]
ts_check "alias: the reason names the first" grep -q '"detail":"the same NTP server (127.0.0.1:[0-9]*) as server 1"' "$OUT"
ts_check "alias: two valid samples, not three" [ "$(ts_json_int "$OUT" valid)" -eq 2 ]
[ "$TS_FAILS" -eq 0 ] || cat "$OUT"

# Of the four configured, two agreeing are no majority (the default).
"$HANDOVER" time --ca "$CA" --json --server "$a,operator=op-a" \
  --server "alias.test:${a#*:},operator=op-a2" --server "$c,operator=op-c" \
  --server "[::ffff:127.0.0.1]:${a#*:},operator=op-a3" >"$OUT"
ts_check "alias, quorum configured: no trusted time" [ $? -ne 0 ]
[ "$TS_FAILS" -eq 0 ] || cat "$OUT"

# With only a under two names, one vote is not a quorum of two.
"$HANDOVER" time --ca "$CA" --json --server "$a" --server "alias.test:${a#*:}" >"$OUT"
ts_check "alias alone: no trusted time" [ $? -ne 0 ]
ts_check "alias alone: too few responses" grep -q '"verdict":"too-few-responses"' "$OUT"
[ "$TS_FAILS" -eq 0 ] || cat "$OUT"

"$HANDOVER" time --ca "$CA" --json --timeout 2000 --server "two.test:$kb" --server "$a" >"$OUT"
ts_check "same address: exit 0" [ $? -eq 0 ]
ts_check "same address: two.test answers over NTP at 127.0.0.2" \
  grep -q "\"ntp_address\":\"127.0.0.2:$nb\"" "$OUT"
[ "$TS_FAILS" -eq 0 ] || cat "$OUT"
ts_done
