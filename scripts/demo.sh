#!/bin/sh
# The README's demo command: installs what is missing, builds, and runs
# `handover-demo` (tools/demo/: a full sim-mode handover against loopback
# NTS servers, running the real `handover` binary).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
dir=$(sh scripts/build.sh plain)
exec "$dir/tools/demo/handover-demo" --handover "$dir/src/cli/handover" "$@"
