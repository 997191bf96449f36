#!/bin/sh
# Every refusal of the NTS client, each against a server that breaks
# exactly one thing, each expecting its own error name.
# usage: test_nts_refusals.sh NTS_ENV_SH NTS_PROBE KE_SERVER NTP_SERVER
set -u
. "$1"
probe=$2 ke_server=$3 ntp_server=$4
ntsenv_init || { echo "cannot make the test CA"; exit 1; }
D=$NTSENV_DIR
failures=0
SERVER_PIDS=""
stop_servers() {
  for p in $SERVER_PIDS; do kill "$p" 2>/dev/null; done
  for p in $SERVER_PIDS; do wait "$p" 2>/dev/null; done
  SERVER_PIDS=""
}
trap 'stop_servers; ntsenv_stop' EXIT

ntsenv_cert good 30 || exit 1
ntsenv_cert short 2 || exit 1
ntsenv_cert wrongname 30 DNS:other.example || exit 1
# A certificate that expired ten days ago: issued 40 days back for 30.
faketime -f -40d sh -c ". '$1'; NTSENV_DIR='$D'; ntsenv_cert expired 30" || exit 1

wait_port() { # PORT [t|u] (TCP listening, or UDP bound), bounded
  i=0
  while ! ss -Hn"${2:-t}"l | awk '{print $4}' | grep -q ":$1\$"; do
    i=$((i + 1)); [ "$i" -gt 50 ] && { echo "server on $1 did not start"; return 1; }
    sleep 0.1
  done
}

# start_ke CERT [flags]: a fresh KE server on $KE, NTP on $NTP
start_ke() {
  cert=$1; shift
  KE=$(ntsenv_free_port); NTP=$(ntsenv_free_port)
  "$ke_server" "$KE" "$D/$cert.pem" "$D/$cert.key" "$D/keys" --ntp-port "$NTP" "$@" \
    2>>"$D/ke_server.log" &
  SERVER_PIDS="$SERVER_PIDS $!"
  wait_port "$KE"
}

start_ntp() { # MODE
  "$ntp_server" "$NTP" "$D/keys" "$1" 2>>"$D/ntp_server.log" &
  SERVER_PIDS="$SERVER_PIDS $!"
  # A request sent before the bind draws "port unreachable" (io), not
  # the refusal under test.
  wait_port "$NTP" u
}

# expect NAME WANTED HOST [probe options]: one query, result must match
expect() {
  name=$1 want=$2 host=$3; shift 3
  out=$("$probe" "$host" "$KE" "$@" 2>&1)
  got=$(echo "$out" | sed -n 's/^result=\([^ ]*\).*/\1/p' | tail -n 1)
  if [ "$got" = "$want" ]; then
    echo "ok   $name: $want"
  else
    echo "FAIL $name: wanted $want, got '$got': $out"
    failures=$((failures + 1))
  fi
  LAST=$out
}

CA="-c $D/ca.pem"
# The baseline: the test servers work, so each refusal below is caused
# by the one thing that case breaks.
start_ke good && start_ntp good
# shellcheck disable=SC2086
expect baseline ok 127.0.0.1 $CA -t 3000
case $LAST in *"ntp=127.0.0.1,$NTP "*) ;; *) echo "FAIL port negotiation: $LAST"; failures=$((failures + 1));; esac
# A shared TLS context (as timesrc uses) trusts what it was made with.
# shellcheck disable=SC2086
expect shared-context ok 127.0.0.1 $CA -t 3000 -s
stop_servers

start_ke good
expect untrusted-ca cert-untrusted 127.0.0.1 -t 3000
expect untrusted-ca-shared cert-untrusted 127.0.0.1 -t 3000 -s
stop_servers
start_ke wrongname
# shellcheck disable=SC2086
expect wrong-ip cert-hostname 127.0.0.1 $CA -t 3000
# shellcheck disable=SC2086
expect wrong-name cert-hostname localhost $CA -t 3000
# Sharing a context does not share the name check: it is per connection.
# shellcheck disable=SC2086
expect wrong-name-shared cert-hostname localhost $CA -t 3000 -s
stop_servers
start_ke expired
# shellcheck disable=SC2086
expect expired cert-expired 127.0.0.1 $CA -t 3000
stop_servers
# Valid by the local clock, but expired by the caller's lower bound.
start_ke short
bound=$(( $(date +%s) + 5 * 86400 ))
# shellcheck disable=SC2086
expect expired-by-bound cert-expired 127.0.0.1 $CA -t 3000 -b "$bound"
stop_servers

for c in "no-alpn alpn" "tls12 tls-version" "error ke-error" "warning ke-error" \
         "critical ke-unknown-critical" "no-cookie ke-no-cookie" "no-aead ke-no-aead"; do
  set -- $c
  start_ke good "--$1"
  # shellcheck disable=SC2086
  expect "$1" "$2" 127.0.0.1 $CA -t 3000
  stop_servers
done

# NTP replies. RFC 8915 5.7: what does not verify (framing, mode, unique
# id, origin, a missing or failing authenticator, an unauthenticated
# kiss-o'-death) is discarded and the wait goes on to the (short)
# deadline, which then names it; what verifies but cannot be a real
# time, or is unsynchronised, or an authenticated DENY, ends the query.
for c in "bad-auth ntp-auth" "noauth ntp-auth" "rate ntp-auth" "deny ntp-auth" \
         "wrong-uid ntp-unique-id" "wrong-origin ntp-origin" \
         "truncated ntp-malformed" "oversized ntp-malformed" \
         "lying-length ntp-malformed" "mode3 ntp-mode" "unsync ntp-unsynchronised" \
         "auth-deny ntp-kiss-of-death" "zero-rx ntp-zero-timestamp" \
         "zero-tx ntp-zero-timestamp" "negative-delay ntp-negative-delay" \
         "kod ntp-kiss-of-death" "kod-wrong-uid ntp-unique-id" "silent timeout"; do
  set -- $c
  start_ke good && start_ntp "$1"
  # shellcheck disable=SC2086
  expect "$1" "$2" 127.0.0.1 $CA -t 1500
  if [ "$1" = kod ]; then
    # NTSN at once; at the resend time NTS-KE again, NTSN again: the jar
    # is left empty so the next query starts with NTS-KE.
    case $LAST in *" cookies=0 "*"notes=[ntsn, re-keyed]"*) ;; *) echo "FAIL kod kept cookies or did not re-key: $LAST"; failures=$((failures + 1));; esac
  fi
  if [ "$1" = kod-wrong-uid ]; then
    # 8 from NTS-KE, less one per request: one, or two if the resend
    # (after HV_NTS_NTP_RESEND_MS) went out before the deadline.
    case $LAST in *" cookies=7 "*|*" cookies=6 "*) ;; *) echo "FAIL forged kod dropped cookies: $LAST"; failures=$((failures + 1));; esac
    case $LAST in *"notes=[]"*) ;; *) echo "FAIL forged kod noted: $LAST"; failures=$((failures + 1));; esac
  fi
  case $2 in ntp-zero-timestamp|ntp-negative-delay|ntp-unsynchronised)
    # Authenticated: the query ends at once, with no resend.
    case $LAST in *" cookies=8 "*) ;; *) echo "FAIL $1 did not end at the first reply: $LAST"; failures=$((failures + 1));; esac ;;
  esac
  stop_servers
done

# A forged, unauthenticated or NAK reply does not end the query: the
# genuine reply that follows it is taken.
for bad in junk bad-auth noauth kod rate deny; do
  start_ke good && start_ntp "$bad-then-good"
  # shellcheck disable=SC2086
  expect "$bad-then-good" ok 127.0.0.1 $CA -t 3000
  case $bad in
    kod) want="notes=[ntsn]" ;;
    *) want="notes=[]" ;;
  esac
  case $LAST in *" cookies=0 "*) echo "FAIL $bad-then-good emptied the jar: $LAST"; failures=$((failures + 1));; esac
  case $LAST in *"$want"*) ;; *) echo "FAIL $bad-then-good: wanted $want: $LAST"; failures=$((failures + 1));; esac
  stop_servers
done

# NTSN and nothing else: at the resend time the cookies are dropped and
# NTS-KE runs again within the same query; NTP with the fresh cookies
# answers. Two NTS-KE sessions, one query.
start_ke good && start_ntp kod-first
# shellcheck disable=SC2086
expect ntsn-rekey ok 127.0.0.1 $CA -t 4000
case $LAST in *"used_ke=1 "*"notes=[ntsn, re-keyed]"*) ;; *) echo "FAIL ntsn-rekey: $LAST"; failures=$((failures + 1));; esac
stop_servers

# Stored cookies the server silently ignores (it lost its keys and sends
# no NAK): after two unanswered requests the query runs NTS-KE again,
# within its deadline, and succeeds with the fresh cookies.
start_ke good && start_ntp good
# shellcheck disable=SC2086
expect stale-prime ok 127.0.0.1 $CA -t 3000 -j "$D/stale.jar"
stop_servers
# The same ports again: a KE server with the old keys file, an NTP server
# that ignores them.
"$ke_server" "$KE" "$D/good.pem" "$D/good.key" "$D/keys" --ntp-port "$NTP" 2>>"$D/ke_server.log" &
SERVER_PIDS="$SERVER_PIDS $!"
wait_port "$KE"
start_ntp stale-silent
# shellcheck disable=SC2086
expect stale-silent ok 127.0.0.1 $CA -t 4000 -j "$D/stale.jar"
case $LAST in *"used_ke=1 "*"notes=[unanswered, re-keyed]"*) ;; *) echo "FAIL stale-silent: $LAST"; failures=$((failures + 1));; esac
stop_servers

# A lost request is sent again (with the next cookie) after
# HV_NTS_NTP_RESEND_MS, and a slow reply to the first request still
# counts once the second has gone out.
for c in drop-first answer-first-late; do
  start_ke good && start_ntp "$c"
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  expect "$c" ok 127.0.0.1 $CA -t 3000
  took=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$took" -ge 1000 ] || { echo "FAIL $c: answered in $took ms, before any resend"; failures=$((failures + 1)); }
  stop_servers
done

# A reply whose authenticator fails must not put its cookies in the jar;
# the jar keeps the 7 cookies it had after the one used.
start_ke good && start_ntp bad-auth
# shellcheck disable=SC2086
expect bad-auth-cookies ntp-auth 127.0.0.1 $CA -t 1200
case $LAST in *" cookies=7 "*|*" cookies=6 "*) ;; *) echo "FAIL bad-auth cookies: $LAST"; failures=$((failures + 1));; esac
stop_servers

# Nothing listening: connect refused.
KE=$(ntsenv_free_port)
# shellcheck disable=SC2086
expect no-server connect 127.0.0.1 $CA -t 2000

echo "refusals: $failures failed"
[ "$failures" -eq 0 ]
