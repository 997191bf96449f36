#!/bin/sh
# The README's demo command: installs what is missing, builds, and runs
# `handover demo` (a full sim-mode handover against loopback NTS servers).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
dir=$(sh scripts/build.sh plain)
exec "$dir/src/cli/handover" demo "$@"
