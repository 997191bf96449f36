#!/bin/sh
# Runs one libFuzzer target briefly: new inputs go to a scratch folder,
# the seed corpus in the repository is only read.
# usage: run.sh TARGET SEED_DIR [SECONDS]
set -eu
target=$1 seeds=$2 secs=${3:-10}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# libFuzzer's default exit code for a crash is 77, which meson reads as
# "skipped": report crashes (and leaks, timeouts) as plain failures.
"$target" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -error_exitcode=1 \
  -print_final_stats=1 "$scratch" "$seeds"
