# Crash safety: the receiver is killed with SIGKILL at many points of the
# handover. Afterwards its store holds the whole key or nothing usable
# (never a partial file: status must say the identity is ok, or that
# there is none), and the sender still holds its key and still serves.
. "$(dirname "$0")/lib.sh"
TRIALS=${CRASH_TRIALS:-60}
# several handovers from one sender: it must not retire after the first
export HV_AFTER_HANDOVER=keep
cli_env 3 60 old,new

pub=$(init_store old "$W/old")
start_serve old "$W/old"

# How long one handover takes here: the kill points spread over 0..1.5x it.
t0=$(now_ms)
receive new "$W/probe" || { cat "$W/receive.log" >&2; fail "probe handover"; }
span=$(( ($(now_ms) - t0) * 3 / 2 ))
[ "$span" -gt 0 ] || span=1
echo "one handover takes about $(( span * 2 / 3 )) ms; killing within 0..$span ms"

whole=0 empty=0 i=0
while [ "$i" -lt "$TRIALS" ]; do
  i=$((i + 1))
  store=$W/crash$i
  delay=$(( $(od -An -N2 -tu2 /dev/urandom) % (span + 1) ))
  # shellcheck disable=SC2046
  "$HANDOVER" receive --from "$SOCK" --store "$store" $(gov_args) $(tee_args new) \
    >"$W/crash$i.log" 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # shellcheck disable=SC2046
  "$HANDOVER" status --store "$store" $(tee_args new) >"$W/st$i.out" 2>&1
  st=$?
  if [ "$st" -eq 0 ]; then
    grep -q "identity        $pub" "$W/st$i.out" || fail "trial $i: a different key"
    whole=$((whole + 1))
  elif grep -Eq 'no identity stored|does not exist' "$W/st$i.out"; then
    empty=$((empty + 1))
  else
    cat "$W/st$i.out" >&2
    ls -la "$store" >&2
    fail "trial $i (killed after $delay ms): the store is neither whole nor empty"
  fi
done
echo "$TRIALS kills: $whole stores hold the whole key, $empty hold none"
[ "$((whole + empty))" -eq "$TRIALS" ] || fail "count"
# Kills spread over the whole exchange: some before the store was written,
# some after. Otherwise this run tested one side only.
[ "$whole" -gt 0 ] && [ "$empty" -gt 0 ] || fail "the kills did not spread over the exchange"

[ "$(identity old "$W/old")" = "$pub" ] || fail "the sender lost its key"
kill -0 "$SERVE_PID" || fail "the sender died"
receive new "$W/after" || { cat "$W/receive.log" >&2; fail "a handover after the kills"; }
[ "$(identity new "$W/after")" = "$pub" ] || fail "the handover after the kills"
echo "crash safety: ok"
