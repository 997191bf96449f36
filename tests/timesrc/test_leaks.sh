#!/bin/sh
# Drives test_timesrc_leaks (50 runs in one process) against two chrony
# NTS servers and one silent TCP listener.
set -u
TS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$TS_DIR/lib.sh"
ntsenv_init || exit 1
ts_server a a && ts_server b b && ts_silent tcp tcp || exit 1
mkdir -m 700 "$NTSENV_DIR/state" || exit 1
"$LEAKS" "$NTSENV_DIR/ca.pem" "$NTSENV_DIR/state" "127.0.0.1:$tcp" "$a" "$b"
