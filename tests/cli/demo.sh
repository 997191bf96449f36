# The README's first command runs `handover-demo` (tools/demo/, apart
# from the product binary): it must succeed, and Ctrl-C in the middle must
# leave no process and no directory behind.
DEMO=$1 HANDOVER=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$(mktemp)
# A directory of its own: other demos on the machine are not counted.
TMPDIR=$(mktemp -d /tmp/hv-demo-test.XXXXXX)
export TMPDIR
trap 'rm -f "$out"; rmdir "$TMPDIR"' EXIT
demo_procs() { pgrep -f "$TMPDIR/handover-demo\\." | wc -l; }
before_dirs=0

# Without --handover it runs the handover beside it, and says so when
# there is none.
"$DEMO" --help | grep -q "usage: handover-demo" || fail "handover-demo --help"
if [ ! -e "$(dirname "$DEMO")/handover" ]; then
  st=0; "$DEMO" >"$out" 2>&1 || st=$?
  [ "$st" -eq 2 ] && grep -q -- "--handover PATH" "$out" ||
    fail "no handover beside handover-demo: exit $st, $(cat "$out")"
fi
"$DEMO" --handover "$HANDOVER" >"$out" 2>&1 || { cat "$out" >&2; fail "demo exited non-zero"; }
grep -q "demo: every step did what it should." "$out" || fail "demo did not finish"
for step in "receiver-not-in-policy" 'ERROR "challenge-replayed"' "same identity" \
    "serve: retired:" "state           retired" "store retired" \
    "chain and sealed head verified" "signature        ok"; do
  grep -q "$step" "$out" || fail "demo output lacks '$step'"
done
[ "$(demo_procs)" -eq 0 ] || fail "demo left processes running"
[ "$(ls -d "$TMPDIR"/handover-demo.* 2>/dev/null | wc -l)" -eq "$before_dirs" ] ||
  fail "demo left its directory"

# Interrupt it while its servers run (setsid: a process group to signal,
# as a terminal's Ctrl-C does). It holds at step 4 until the signal comes,
# so the signal cannot land after a run that already finished.
HANDOVER_DEMO_HOLD_STEP=4 setsid "$DEMO" --handover "$HANDOVER" >"$out" 2>&1 &
pid=$!
i=0
until grep -q "^\[4/9\]" "$out"; do
  i=$((i + 1)); [ "$i" -gt 200 ] && fail "demo did not reach step 4"; sleep 0.05
done
kill -INT "-$pid"
# It may give each process it stops (a sender, three NTS servers) up to 3 s:
# a loaded machine must not look like an ignored Ctrl-C (at most 30 s).
i=0
while kill -0 "$pid" 2>/dev/null; do
  i=$((i + 1)); [ "$i" -gt 600 ] && { kill -KILL "-$pid"; fail "demo ignored Ctrl-C"; }; sleep 0.05
done
wait "$pid" && fail "an interrupted demo exited 0"
i=0
while [ "$(demo_procs)" -ne 0 ]; do
  i=$((i + 1)); [ "$i" -gt 100 ] && fail "the interrupted demo left processes running"; sleep 0.05
done
[ "$(ls -d "$TMPDIR"/handover-demo.* 2>/dev/null | wc -l)" -eq "$before_dirs" ] ||
  fail "the interrupted demo left its directory"
echo "demo: ok"
