#!/bin/sh
# The README's demo command: installs what is missing, builds, and runs
# `handover-demo` (tools/demo/: a full sim-mode handover against loopback
# NTS servers, running the real `handover` binary).
# The first build takes a minute or so; each step of it is shown.
set -eu
cd "$(dirname "$0")/.."
echo "demo: checking the Debian packages it needs (scripts/deps.sh)" >&2
sh scripts/deps.sh
echo "demo: building handover (scripts/build.sh plain)" >&2
dir=$(sh scripts/build.sh --progress plain)
exec "$dir/tools/demo/handover-demo" --handover "$dir/src/cli/handover" "$@"
