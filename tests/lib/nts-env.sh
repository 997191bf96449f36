# Shell helpers for tests that need real NTS servers: a throwaway CA and
# chronyd instances on 127.0.0.1. Source this file, call ntsenv_init, and
# every server started is stopped by the EXIT trap it installs.
#
#   ntsenv_init                      make $NTSENV_DIR, the CA, the trap
#   ntsenv_cert NAME [DAYS] [SAN]    key+cert signed by the CA
#   ntsenv_free_port                 print a free TCP+UDP port on loopback
#   ntsenv_chrony NAME KEPORT NTPPORT [PREFIX...]
#                                    start chronyd; extra config lines can
#                                    be put in $NTSENV_DIR/NAME.extra first;
#                                    PREFIX (e.g. faketime -f +3h) wraps it
#   ntsenv_stop                      stop everything (the trap calls it)

NTSENV_PIDS=""
NTSENV_CHRONYD=${NTSENV_CHRONYD:-$(command -v chronyd || echo /usr/sbin/chronyd)}
# How long a server may take to start listening before the test fails.
NTSENV_START_TIMEOUT_TENTHS=100

ntsenv_init() {
  NTSENV_DIR=$(mktemp -d /tmp/ntsenv.XXXXXX)
  trap 'ntsenv_stop' EXIT
  trap 'exit 130' INT TERM
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$NTSENV_DIR/ca.key" -out "$NTSENV_DIR/ca.pem" -days 30 \
    -subj "/CN=handover test CA" >/dev/null 2>&1 || return 1
}

ntsenv_cert() {
  name=$1 days=${2:-30} san=${3:-DNS:localhost,IP:127.0.0.1,IP:::1}
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$NTSENV_DIR/$name.key" -out "$NTSENV_DIR/$name.csr" \
    -subj "/CN=localhost" >/dev/null 2>&1 || return 1
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    "$san" >"$NTSENV_DIR/$name.ext"
  openssl x509 -req -in "$NTSENV_DIR/$name.csr" -CA "$NTSENV_DIR/ca.pem" \
    -CAkey "$NTSENV_DIR/ca.key" -CAcreateserial -days "$days" \
    -extfile "$NTSENV_DIR/$name.ext" -out "$NTSENV_DIR/$name.pem" >/dev/null 2>&1
}

ntsenv_port_busy() {
  ss -Htanu 2>/dev/null | awk '{print $5}' | grep -q ":$1\$"
}

ntsenv_free_port() {
  while :; do
    p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
    ntsenv_port_busy "$p" || { echo "$p"; return 0; }
  done
}

ntsenv_chrony() {
  name=$1 keport=$2 ntpport=$3
  shift 3
  [ -f "$NTSENV_DIR/$name.pem" ] || ntsenv_cert "$name" || return 1
  mkdir -p "$NTSENV_DIR/$name.dump"
  cat >"$NTSENV_DIR/$name.conf" <<CONF
bindaddress 127.0.0.1
port $ntpport
ntsport $keport
ntsserverkey $NTSENV_DIR/$name.key
ntsservercert $NTSENV_DIR/$name.pem
ntsdumpdir $NTSENV_DIR/$name.dump
local stratum 1
allow 127.0.0.1
cmdport 0
pidfile $NTSENV_DIR/$name.pid
CONF
  [ -f "$NTSENV_DIR/$name.extra" ] && cat "$NTSENV_DIR/$name.extra" >>"$NTSENV_DIR/$name.conf"
  "$@" "$NTSENV_CHRONYD" -x -u root -d -f "$NTSENV_DIR/$name.conf" \
    >"$NTSENV_DIR/$name.log" 2>&1 &
  NTSENV_PIDS="$NTSENV_PIDS $!"
  i=0
  # Ready means both sockets: NTS-KE on TCP and NTP on UDP.
  while ! ss -Htln 2>/dev/null | awk '{print $4}' | grep -q ":$keport\$" ||
        ! ss -Huln 2>/dev/null | awk '{print $4}' | grep -q ":$ntpport\$"; do
    i=$((i + 1))
    if [ "$i" -gt "$NTSENV_START_TIMEOUT_TENTHS" ]; then
      echo "ntsenv: chronyd $name did not start:" >&2
      cat "$NTSENV_DIR/$name.log" >&2
      return 1
    fi
    sleep 0.1
  done
}

ntsenv_stop() {
  for pid in $NTSENV_PIDS; do kill "$pid" 2>/dev/null; done
  for pid in $NTSENV_PIDS; do wait "$pid" 2>/dev/null; done
  NTSENV_PIDS=""
  [ -n "${NTSENV_DIR:-}" ] && rm -rf "$NTSENV_DIR"
  NTSENV_DIR=""
}
