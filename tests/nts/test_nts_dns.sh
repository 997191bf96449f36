#!/bin/sh
# Name resolution obeys the deadline and leaves nothing behind. In a
# network and mount namespace of its own, /etc/resolv.conf points at
# 127.0.0.1:53, first with nothing there (the name fails: dns), then with
# a listener that never answers (a resolver would wait for seconds; the
# query must end at its deadline). Resolution is c-ares in the query's own
# loop: no process or thread is made, and none is left.
# usage: test_nts_dns.sh NTS_PROBE SILENT_UDP_SERVER
set -u
probe=$1 silent=$2
if [ "${NTS_DNS_IN_NS:-}" != 1 ]; then
  if ! unshare -n -m true 2>/dev/null; then
    echo "skip: cannot make network namespaces here"
    exit 77
  fi
  NTS_DNS_IN_NS=1 exec unshare -n -m sh "$0" "$@"
fi

tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; umount /etc/resolv.conf 2>/dev/null; rm -rf "$tmp"' EXIT
ip link set lo up || exit 1
echo "nameserver 127.0.0.1" >"$tmp/resolv.conf"
printf 'options timeout:5 attempts:2\n' >>"$tmp/resolv.conf"
mount --bind "$tmp/resolv.conf" /etc/resolv.conf || { echo "cannot bind resolv.conf"; exit 1; }
failures=0

out=$("$probe" nts-refused.invalid 4460 -t 3000)
case $out in
  result=dns\ *) echo "ok   unresolvable name: dns" ;;
  *) echo "FAIL unresolvable name: $out"; failures=$((failures + 1)) ;;
esac

# A DNS server that swallows the question. The silent UDP server never
# answers anything (it has no keys file).
"$silent" 53 "$tmp/no-keys" silent &
pid=$!
# Queried before the bind, glibc would get "port unreachable": dns, not
# the timeout under test.
i=0
until ss -Huln | awk '{print $4}' | grep -q ':53$'; do
  i=$((i + 1)); [ "$i" -gt 50 ] && { echo "FAIL the silent DNS server did not start"; exit 1; }
  sleep 0.1
done
name="nts-hang-$$.invalid"
start=$(date +%s%N)
"$probe" "$name" 4460 -t 1000 >"$tmp/hang.out" &
probe_pid=$!
# Half way through the hang: the probe resolves in its own process (no
# child, no extra thread) and has its DNS socket open.
sleep 0.5
kids=$(ps -o pid= --ppid "$probe_pid" | wc -l)
threads=$(ls "/proc/$probe_pid/task" 2>/dev/null | wc -l)
udp=$(ss -Hunap 2>/dev/null | grep -c "pid=$probe_pid,")
wait "$probe_pid"
out=$(cat "$tmp/hang.out")
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$kids" -eq 0 ] && echo "ok   no resolver process while resolving" ||
  { echo "FAIL the probe had $kids children while resolving"; failures=$((failures + 1)); }
[ "$threads" -eq 1 ] && echo "ok   no resolver thread while resolving" ||
  { echo "FAIL the probe had $threads threads while resolving"; failures=$((failures + 1)); }
[ "$udp" -ge 1 ] && echo "ok   the DNS question went out from the probe itself" ||
  { echo "FAIL no DNS socket in the probe while resolving"; failures=$((failures + 1)); }
case $out in
  result=timeout\ *resolving*) echo "ok   hanging resolver: timeout after ${took_ms} ms" ;;
  *) echo "FAIL hanging resolver: $out"; failures=$((failures + 1)) ;;
esac
[ "$took_ms" -lt 2000 ] || { echo "FAIL the deadline was not kept: ${took_ms} ms"; failures=$((failures + 1)); }
# The resolver child shares the probe's command line: none may survive.
if ps -eo args | grep -v grep | grep -q "$name"; then
  echo "FAIL a resolver process outlived its query"
  failures=$((failures + 1))
else
  echo "ok   no resolver process left"
fi

echo "dns: $failures failed"
[ "$failures" -eq 0 ]
