#!/bin/sh
# The README's test command: installs what is missing, builds three
# configurations (plain, ASan+UBSan, libFuzzer) and runs every test in each.
# Its last line is "N passed, N failed"; it exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
sh scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0
# Sanitizer settings: any report fails the test that caused it.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_config() {
  config=$1 suite_args=$2
  echo "== $config"
  if ! dir=$(sh scripts/build.sh "$config"); then
    echo "== $config: build failed"
    failed=$((failed + 1))
    return
  fi
  log="$dir/test-summary.log"
  # A build directory configured before Gramine was installed has not
  # looked for it: configure it again so the suite is registered.
  if [ "$config" = plain ] && [ -n "$gramine" ] &&
     ! meson test -C "$dir" --list 2>/dev/null | grep -q gramine_handover; then
    meson setup --reconfigure "$dir" >"$dir.setup.log" 2>&1 && ninja -C "$dir" >/dev/null 2>&1 &&
      meson test -C "$dir" --list 2>/dev/null | grep -q gramine_handover ||
      { echo "== $config: Gramine is installed but the gramine suite is not registered"
        failed=$((failed + 1)); }
  fi
  # shellcheck disable=SC2086
  meson test -C "$dir" --print-errorlogs --num-processes 2 $suite_args >"$log" 2>&1
  grep -E '^ *[0-9]+/[0-9]+ ' "$log"
  ok=$(awk '/^Ok:/ {print $2}' "$log")
  bad=0
  # A skipped test proved nothing: it counts as failed.
  for key in Fail: 'Unexpected Pass:' Timeout: Skipped:; do
    n=$(grep "^$key" "$log" | awk '{print $NF}')
    bad=$((bad + ${n:-0}))
  done
  if grep -q '^No tests defined' "$log"; then
    ok=0
  elif [ -z "$ok" ]; then
    tail -n 40 "$log"
    bad=$((bad + 1))
    ok=0
  elif [ "$bad" -gt 0 ]; then
    sed -n '/^Summary of Failures/,$p' "$log"
    grep -B2 -A40 -E 'FAIL|TIMEOUT|SKIP' "$log" | head -n 200
  fi
  passed=$((passed + ok)) failed=$((failed + bad))
}

# The Gramine suite (tests/gramine/) is registered only where
# gramine-direct is found (on PATH or in /opt/gramine, where .ci/run puts
# the prebuilt one) and only in the plain build: an ASan binary does not
# start under Gramine (ASan cannot map its 15 TB shadow at the fixed address
# it needs; see tests/gramine/meson.build). Elsewhere it is not registered,
# so it is not counted as skipped.
gramine=""
if command -v gramine-direct >/dev/null 2>&1 || [ -x /opt/gramine/bin/gramine-direct ]; then
  gramine=yes
  echo "== gramine: gramine-direct found: the gramine suite runs in plain (not in asan: ASan does not run under Gramine)"
else
  echo "== gramine: gramine-direct not found: the gramine suite is not built (install Gramine to run it)"
fi
run_config plain ""
# ASan+UBSan run everything about 3x slower: meson's timeouts and the
# tests' own timing slack (HV_TEST_SLOWDOWN) scale with it.
export HV_TEST_SLOWDOWN=3
run_config asan "--timeout-multiplier 3"
unset HV_TEST_SLOWDOWN
run_config fuzz "--suite fuzz"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
