#!/bin/sh
# Drives test_timesrc_patience against two chrony NTS servers and our own
# NTS-KE server that waits 300 ms before each reply (with its NTP server).
# usage: test_patience.sh HANDOVER SILENT JSON_CHECK LEAKS PATIENCE KE_SERVER NTP_SERVER
set -u
TS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TS_DIR/lib.sh"
PATIENCE=$5 KE_SERVER=$6 NTP_SERVER=$7
ntsenv_init || exit 1
D=$NTSENV_DIR
ts_server a a && ts_server b b || exit 1
ntsenv_cert slow 30 || exit 1
ke=$(ntsenv_free_port)
ntp=$(ntsenv_free_port)
"$KE_SERVER" "$ke" "$D/slow.pem" "$D/slow.key" "$D/keys" --ntp-port "$ntp" --delay-ms 300 \
  2>>"$D/ke.log" &
NTSENV_PIDS="$NTSENV_PIDS $!"
"$NTP_SERVER" "$ntp" "$D/keys" good 2>>"$D/ntp.log" &
NTSENV_PIDS="$NTSENV_PIDS $!"
i=0
until ss -Htln | awk '{print $4}' | grep -q ":$ke\$" && ss -Huln | awk '{print $4}' | grep -q ":$ntp\$"; do
  i=$((i + 1)); [ "$i" -gt 50 ] && { echo "the slow server did not start"; exit 1; }
  sleep 0.1
done
"$PATIENCE" "$D/ca.pem" "$a,operator=a" "$b,operator=b" "127.0.0.1:$ke,operator=slow"
