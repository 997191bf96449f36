#!/bin/sh
# HTTPS Date sources (RFC 9110 6.6.1) against Debian's nginx on loopback,
# started here with the test CA: a good one, one whose clock is 3 hours
# ahead (libfaketime), one with an expired and one with a wrong-name
# certificate, one that speaks only TLS 1.2; a certificate that is valid
# now but expired by the caller's lower time bound; and a small server of
# our own for what nginx will not do: no Date, a malformed one, a head
# that never ends in time (slowloris), one too long, not HTTP at all.
# Last, a mixed quorum of NTS and HTTPS sources.
set -u
TS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TS_DIR/lib.sh"
HTTPS_SERVER=$5
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "nginx not found (package nginx)"; exit 1; }
ntsenv_init || exit 1
D=$NTSENV_DIR
CA=$D/ca.pem
OUT=$D/out
faketime_lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$faketime_lib" ] || { echo "libfaketime not found (package faketime)"; exit 1; }

ntsenv_cert web 30 || exit 1
ntsenv_cert short 2 || exit 1
ntsenv_cert wrongname 30 DNS:other.example || exit 1
faketime -f -40d sh -c ". '$TS_DIR/../lib/nts-env.sh'; NTSENV_DIR='$D'; ntsenv_cert expired 30" ||
  exit 1

# start_nginx VAR NAME CERT [PROTOCOLS [ENV...]]: one nginx, one process
# (no master, no daemon), so its pid is the one the trap stops.
start_nginx() {
  var=$1 name=$2 cert=$3 protocols=${4:-TLSv1.3}
  shift 3; [ $# -gt 0 ] && shift
  port=$(ntsenv_free_port)
  mkdir -p "$D/$name.tmp"
  cat >"$D/$name.nginx.conf" <<CONF
daemon off;
master_process off;
pid $D/$name.nginx.pid;
error_log $D/$name.nginx.err;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $D/$name.tmp/body;
  proxy_temp_path $D/$name.tmp/proxy;
  fastcgi_temp_path $D/$name.tmp/fastcgi;
  uwsgi_temp_path $D/$name.tmp/uwsgi;
  scgi_temp_path $D/$name.tmp/scgi;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $D/$cert.pem;
    ssl_certificate_key $D/$cert.key;
    ssl_protocols $protocols;
    location / { return 204; }
  }
}
CONF
  env "$@" "$NGINX" -e "$D/$name.nginx.err" -c "$D/$name.nginx.conf" -p "$D" >/dev/null 2>&1 &
  NTSENV_PIDS="$NTSENV_PIDS $!"
  i=0
  while ! ss -Htln | awk '{print $4}' | grep -q ":$port\$"; do
    i=$((i + 1))
    [ "$i" -gt 50 ] && { echo "nginx $name did not start:"; cat "$D/$name.nginx.err"; return 1; }
    sleep 0.1
  done
  eval "$var=127.0.0.1:$port"
}

# own VAR MODE: our server in MODE
own() {
  file=$D/own.$2 # one file per mode: an old port must never be read
  rm -f "$file"
  "$HTTPS_SERVER" "$D/web.pem" "$D/web.key" "$2" >"$file" 2>&1 </dev/null &
  NTSENV_PIDS="$NTSENV_PIDS $!"
  i=0
  while ! grep -qx '[0-9]*' "$file" 2>/dev/null; do
    i=$((i + 1)); [ "$i" -gt 50 ] && { cat "$file" >&2; return 1; }
    sleep 0.1
  done
  eval "$1=127.0.0.1:$(cat "$file")"
}

start_nginx good good web || exit 1
start_nginx ahead ahead web TLSv1.3 LD_PRELOAD="$faketime_lib" FAKETIME=+3h || exit 1
start_nginx expired expired expired || exit 1
start_nginx wrongname wrongname wrongname || exit 1
start_nginx short short short || exit 1
start_nginx old old web TLSv1.2 || exit 1

one() { # HOST:PORT [options]: one HTTPS source alone, min-responses 1
  src=$1; shift
  "$HANDOVER" time --ca "$CA" --timeout "${T:-3000}" --min-responses 1 --json \
    --server "https://$src,operator=web" "$@" >"$OUT" 2>"$OUT.err"
}
result_is() { # DESCRIPTION WANTED
  got=$(ts_results "$OUT" | head -n 1)
  ts_check "$1: $2" [ "$got" = "$2" ]
  [ "$got" = "$2" ] || cat "$OUT" "$OUT.err"
}

one "$good"
rc=$?
now=$(ts_now_ms)
ts_check "nginx: trusted" [ "$rc" -eq 0 ]
ts_check "nginx: JSON parses" "$JSON_CHECK" <"$OUT"
ts_check "nginx: the evidence says kind https" grep -q '"kind":"https"' "$OUT"
ts_check "nginx: within 2 s of the system clock" ts_within "$(ts_json_int "$OUT" time_ms)" "$now" 2000
# The interval covers the whole second of the Date and the round trip.
ts_check "nginx: the bound is at least half a second" [ "$(ts_json_int "$OUT" bound_ms)" -ge 500 ]
ts_check "nginx: and under 1.5 s on loopback" [ "$(ts_json_int "$OUT" bound_ms)" -lt 1500 ]
"$HANDOVER" time --ca "$CA" --timeout 3000 --min-responses 1 --server "https://$good" >"$OUT"
ts_check "table: the source is shown as https://" grep -q "^https://$good " "$OUT"

one "$ahead"
off=$(grep -o '"offset_ns":"-\?[0-9]*' "$OUT" | head -n 1 | cut -d'"' -f4)
ts_check "3 h ahead (faketime): the offset says so, within 2 s" \
  ts_within $((off / 1000000)) 10800000 2000
[ "$TS_FAILS" -eq 0 ] || cat "$OUT"

one "$expired"; result_is "expired certificate" cert-expired
one "$wrongname"; result_is "wrong-name certificate" cert-hostname
saved_ca=$CA CA=$D/web.pem # (an option is given once: --ca replaced, not repeated)
one "$good"; result_is "not our CA" cert-untrusted
CA=$saved_ca
one "$old"; result_is "TLS 1.2 only" tls-version
one "$short" --not-before $(( $(date +%s) + 5 * 86400 ))
result_is "valid now, expired by the lower time bound" cert-expired

for c in "no-date http-date" "bad-date http-date" "wrong-weekday http-date" \
         "two-dates http-date" "not-http http" "huge http"; do
  set -- $c
  own srv "$1" || exit 1
  one "$srv"; result_is "$1" "$2"
done
own slow slowloris || exit 1
T=1000 one "$slow"
result_is "slowloris" timeout
LATE_MS=$((300 * ${HV_TEST_SLOWDOWN:-1})) # HV_TEST_SLOWDOWN: under sanitizers
ts_check "slowloris: no later than the deadline + ${LATE_MS} ms" \
  [ "$(ts_json_int "$OUT" elapsed_ms)" -le $((1000 + LATE_MS)) ]

# Mixed: two NTS servers and two HTTPS sources, one of which is 3 hours
# ahead: three of four agree and the liar is named.
ts_server a a && ts_server b b || exit 1
"$HANDOVER" time --wait-all --ca "$CA" --timeout 3000 --json --server "$a,operator=a" \
  --server "https://$good,operator=web" --server "$b,operator=b" \
  --server "https://$ahead,operator=late" >"$OUT"
ts_check "mixed quorum: trusted" [ $? -eq 0 ]
ts_check "mixed quorum: the HTTPS liar is the falseticker" \
  [ "$(ts_results "$OUT" | tr '\n' ' ')" = "agrees agrees agrees falseticker " ]
ts_check "mixed quorum: three operators" [ "$(ts_json_int "$OUT" operators)" -eq 3 ]
ts_check "mixed quorum: the NTS precision survives (bound under 600 ms)" \
  [ "$(ts_json_int "$OUT" bound_ms)" -lt 600 ]
[ "$TS_FAILS" -eq 0 ] || cat "$OUT"
# The same from a time config file and from a policy.
printf 'server %s operator=a\nserver https://%s operator=web\nserver %s operator=b\n' \
  "$a" "$good" "$b" >"$D/time.conf"
"$HANDOVER" time --ca "$CA" --timeout 3000 --json --config "$D/time.conf" >"$OUT"
ts_check "config file with an https server: trusted" [ $? -eq 0 ]
ts_check "config file: kind https" grep -q '"kind":"https"' "$OUT"
ts_done
