# A flood of HELLOs from many connections: the sender's memory (RSS from
# /proc) stays bounded, and a legitimate handover at the same time works.
. "$(dirname "$0")/lib.sh"
FLOOD_SECONDS=6
# Growth allowed over the warmed-up RSS. Connections are bounded
# (HV_SESSION_MAX_CONNECTIONS threads with two 16 KiB buffers each), so
# anything near this means something is not bounded.
MAX_GROWTH_KB=32768
# ASan keeps freed memory in quarantine (256 MiB by default); bound it so
# the test measures the sender, not the sanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
# several handovers from one sender: it must not retire after the first
export HV_AFTER_HANDOVER=keep
cli_env 3 60 old,new

pub=$(init_store old "$W/old")
start_serve old "$W/old"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVE_PID/status"; }

receive new "$W/warm" || { cat "$W/receive.log" >&2; fail "warm-up handover"; }
base=$(rss)

for n in 1 2 3; do
  # shellcheck disable=SC2046
  "$RAW_CLIENT" flood "$FLOOD_SECONDS" --from "$SOCK" --store "$W/flood$n" $(gov_args) \
    $(tee_args new) >"$W/flood$n.out" 2>&1 &
  eval "flood_pid$n=\$!"
done
sleep 1
receive new "$W/legit" || { cat "$W/receive.log" >&2; fail "the handover during the flood"; }
[ "$(identity new "$W/legit")" = "$pub" ] || fail "the handover during the flood"
echo "a handover during the flood: ok"

peak=$base
i=0
while kill -0 "$flood_pid1" 2>/dev/null || kill -0 "$flood_pid2" 2>/dev/null ||
      kill -0 "$flood_pid3" 2>/dev/null; do
  r=$(rss)
  [ "$r" -gt "$peak" ] && peak=$r
  i=$((i + 1))
  [ "$i" -gt 300 ] && fail "the flood clients did not stop"
  sleep 0.1
done
# shellcheck disable=SC2154
for p in "$flood_pid1" "$flood_pid2" "$flood_pid3"; do wait "$p" || fail "a flood client failed"; done
cat "$W"/flood?.out
echo "RSS: $base kB before, $peak kB at most during the flood"
[ $((peak - base)) -le "$MAX_GROWTH_KB" ] || fail "RSS grew by $((peak - base)) kB"
kill -0 "$SERVE_PID" || fail "the sender died"
receive new "$W/after" || { cat "$W/receive.log" >&2; fail "a handover after the flood"; }
echo "flood: ok"
