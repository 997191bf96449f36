#!/bin/sh
# Interop with Debian's chronyd on loopback: Port and Server Negotiation,
# IPv4, IPv6 and a host name, cookie reuse without TLS (counted by
# chronyd itself), the NTS NAK after the server rotates its keys (re-keyed
# within the query), the
# offset from a server 3 hours ahead, and the default NTP port 123 (in a
# network namespace of its own).
# usage: test_nts_chrony.sh NTS_ENV_SH NTS_PROBE
set -u
. "$1"
probe=$2
ntsenv_init || { echo "cannot make the test CA"; exit 1; }
D=$NTSENV_DIR
# Each chronyd by its own pid file too, should a wrapper have hidden it.
stop_all() {
  for f in "$D"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  ntsenv_stop
}
trap stop_all EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# query NAME WANT HOST KEPORT [probe options]: the last line goes in $LAST
query() {
  name=$1 want=$2 host=$3 port=$4; shift 4
  out=$("$probe" "$host" "$port" -c "$D/ca.pem" -t 4000 "$@" 2>&1)
  rc=$?
  LAST=$(echo "$out" | tail -n 1)
  # One result line per query (-n COUNT, default 1), each as wanted, and
  # the probe's own verdict to match: a crash prints no result line.
  count=1
  case " $* " in *" -n "*) count=$(echo "$*" | sed -n 's/.*-n \([0-9]*\).*/\1/p') ;; esac
  results=$(echo "$out" | sed -n 's/^result=\([^ ]*\) used_ke=\([01]\).*/\1,\2/p')
  [ "$(echo "$results" | grep -c .)" -eq "$count" ] ||
    { fail "$name: wanted $count result lines, got: $out"; return; }
  for line in $results; do
    if [ "$line" != "$want" ]; then fail "$name: wanted $want, got: $out"; return; fi
  done
  case $want in
    ok,*) [ "$rc" -eq 0 ] || { fail "$name: probe exited $rc: $out"; return; } ;;
    *) [ "$rc" -eq 1 ] || { fail "$name: probe exited $rc: $out"; return; } ;;
  esac
  echo "ok   $name: $want"
}

expect_in() { # NAME TEXT PATTERN
  case $2 in *"$3"*) echo "ok   $1" ;; *) fail "$1: '$3' not in: $2" ;; esac
}

if [ "${NTS_CHRONY_PORT_123:-}" = 1 ]; then
  ip link set lo up || exit 1
  KE_C=$(ntsenv_free_port)
  ntsenv_chrony c "$KE_C" 123 || exit 1
  query default-port ok,1 127.0.0.1 "$KE_C"
  expect_in "ntp port 123 without negotiation" "$LAST" "ntp=127.0.0.1,123 "
  exit "$failures"
fi

stat_of() { # SERVER FIELD-PREFIX: a number from chronyc serverstats
  chronyc -h "$D/$1.sock" serverstats 2>/dev/null | sed -n "s/^$2 *: *//p"
}

# Server a: non-default NTP port (so chronyd sends Port Negotiation),
# a command socket to read its counters.
KE_A=$(ntsenv_free_port); NTP_A=$(ntsenv_free_port)
printf 'bindcmdaddress %s/a.sock\n' "$D" >"$D/a.extra"
ntsenv_chrony a "$KE_A" "$NTP_A" || exit 1

query port-negotiation ok,1 127.0.0.1 "$KE_A" -j "$D/jar_a"
expect_in "ntp port from Port Negotiation" "$LAST" "ntp=127.0.0.1,$NTP_A "
expect_in "jar refilled" "$LAST" " cookies=8 "
# Two more queries in another process, from the saved jar: no NTS-KE.
query cookie-reuse ok,0 127.0.0.1 "$KE_A" -j "$D/jar_a" -n 2
accepted=$(stat_of a "NTS-KE connections accepted")
authed=$(stat_of a "Authenticated NTP packets")
[ "$accepted" = 1 ] && echo "ok   one TLS connection for three queries" ||
  fail "chronyd accepted '$accepted' NTS-KE connections, wanted 1"
[ "$authed" = 3 ] && echo "ok   three authenticated NTP packets" ||
  fail "chronyd counted '$authed' authenticated NTP packets, wanted 3"
query host-name ok,1 localhost "$KE_A"

# The server restarts with new keys (its key rotated): our cookies are
# now garbage to it and it answers NTSN. RFC 8915 5.7: at the resend
# time the cookies are dropped and NTS-KE runs again within the same
# query, which then succeeds with the fresh cookies; the next query
# needs no NTS-KE. Gone (reaped: it is our child), not just its TCP
# socket: its UDP socket would pass for the new server's.
old_a=$(cat "$D/a.pid")
kill "$old_a"
wait "$old_a" 2>/dev/null
rm -f "$D/a.dump/"*
ntsenv_chrony a "$KE_A" "$NTP_A" || exit 1
query key-rotated ok,1 127.0.0.1 "$KE_A" -j "$D/jar_a"
expect_in "ntsn noted, re-keyed within the query" "$LAST" "notes=[ntsn, re-keyed]"
expect_in "fresh cookies after the re-key" "$LAST" " cookies=8 "
query after-rotation ok,0 127.0.0.1 "$KE_A" -j "$D/jar_a"
# A second rotation, between two queries of one long-lived jar file.
old_a=$(cat "$D/a.pid")
kill "$old_a"
wait "$old_a" 2>/dev/null
rm -f "$D/a.dump/"*
ntsenv_chrony a "$KE_A" "$NTP_A" || exit 1
query second-rotation ok,1 127.0.0.1 "$KE_A" -j "$D/jar_a"
expect_in "re-keyed again" "$LAST" "notes=[ntsn, re-keyed]"

# Server b: NTS-KE on 127.0.0.1 names ::1 as its NTP server (Server
# Negotiation); chronyd's client list shows where the NTP packets came.
KE_B=$(ntsenv_free_port); NTP_B=$(ntsenv_free_port)
printf 'bindcmdaddress %s/b.sock\nbindaddress ::1\nallow ::1\nntsntpserver ::1\n' "$D" >"$D/b.extra"
ntsenv_chrony b "$KE_B" "$NTP_B" || exit 1
query server-negotiation ok,1 127.0.0.1 "$KE_B"
expect_in "ntp host from Server Negotiation" "$LAST" "ntp=::1,$NTP_B "
v6_ntp=$(chronyc -n -h "$D/b.sock" clients 2>/dev/null | awk '$1 == "::1" {print $2}')
[ "$v6_ntp" = 1 ] && echo "ok   the NTP packet went to ::1" ||
  fail "chronyd saw '$v6_ntp' NTP packets from ::1, wanted 1"
query ipv6 ok,1 ::1 "$KE_B"
query ipv6-brackets ok,1 "[::1]" "$KE_B"

# A server whose clock is 3 hours ahead: the sample's offset says so
# (its sign and the NTP timestamp conversion), within 100 ms.
# libfaketime is preloaded straight into chronyd: the `faketime` wrapper
# would be the pid the EXIT trap kills, and it does not pass the signal
# on, which left chronyd running after the test.
KE_D=$(ntsenv_free_port); NTP_D=$(ntsenv_free_port)
faketime_lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$faketime_lib" ] || { echo "libfaketime not found (package faketime)"; exit 1; }
ntsenv_chrony d "$KE_D" "$NTP_D" env LD_PRELOAD="$faketime_lib" FAKETIME=+3h || exit 1
query offset ok,1 127.0.0.1 "$KE_D"
off=$(echo "$LAST" | sed -n 's/.* offset_ns=\(-*[0-9]*\) .*/\1/p')
delay=$(echo "$LAST" | sed -n 's/.* delay_ns=\(-*[0-9]*\) .*/\1/p')
if [ -n "$off" ] && [ $((off - 10800000000000)) -gt -100000000 ] &&
   [ $((off - 10800000000000)) -lt 100000000 ] && [ "$delay" -ge 0 ] &&
   [ "$delay" -lt 1000000000 ]; then
  echo "ok   offset +3 h measured: $off ns, delay $delay ns"
else
  fail "offset: wanted about +3 h and a small delay: $LAST"
fi

# Default NTP port: chronyd on 123 sends no Port Negotiation record. Run
# in a network namespace of its own (this script again), where 123 is
# always free, whatever the machine runs.
if unshare -n true 2>/dev/null; then
  if NTS_CHRONY_PORT_123=1 unshare -n sh "$0" "$@"; then
    echo "ok   default-port (own network namespace)"
  else
    fail "default-port (see above)"
  fi
else
  fail "default-port: cannot make a network namespace here"
fi

echo "chrony interop: $failures failed"
[ "$failures" -eq 0 ]
