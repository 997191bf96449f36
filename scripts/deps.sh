#!/bin/sh
# Installs, from Debian 12's archive, whatever the build, the tests and the
# demo need and the machine lacks. Run as root; does nothing when all is there.
set -eu
PACKAGES="build-essential clang libclang-rt-14-dev meson ninja-build pkg-config
libssl-dev libjansson-dev libsystemd-dev scdoc man-db openssl chrony faketime iproute2
procps ca-certificates systemd libc-ares-dev nginx spin"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
# The chrony package may start a system chronyd; our tests run their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop chrony 2>/dev/null || true; fi
# Likewise nginx: the HTTPS time tests start their own on loopback.
if command -v systemctl >/dev/null 2>&1; then systemctl stop nginx 2>/dev/null || true; fi
