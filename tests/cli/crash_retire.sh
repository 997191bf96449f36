# Crash safety of the move, from the outside: the sender is killed with
# SIGKILL at many points of a handover (after_handover retire). After
# every kill its store is either still serving with its key (status ok,
# and it serves again) or retired with its tombstone (and refuses to
# serve), never neither. The kill inside each write of the retirement is
# tests/store/test_store_crash.c's (deterministic, write by write).
. "$(dirname "$0")/lib.sh"
TRIALS=${CRASH_TRIALS:-16}
[ "$TRIALS" -ge 2 ] || TRIALS=2
cli_env 3 60 old,new

# How long one whole handover takes here (the sender retires at its end):
# the kill points spread over 0..1.5x it.
pub=$(init_store old "$W/probe-old")
start_serve old "$W/probe-old"
t0=$(now_ms)
receive new "$W/probe-new" || { cat "$W/receive.log" >&2; fail "probe handover"; }
span=$(( ($(now_ms) - t0) * 3 / 2 ))
wait "$SERVE_PID"
SERVE_PID=""
[ "$span" -gt 0 ] || span=1
echo "one handover takes about $(( span * 2 / 3 )) ms; killing the sender within 0..$span ms"

# (not $i: start_serve and nts-env.sh's functions use it)
serving=0 retired=0 trial=0
while [ "$trial" -lt "$TRIALS" ]; do
  trial=$((trial + 1))
  old=$W/old$trial
  pub=$(init_store old "$old")
  start_serve old "$old"
  # Spread evenly over 0..span; the first kill comes before the receiver
  # connects, the last after it has finished (so both sides of the move
  # are hit whatever the load).
  delay=$(( (trial - 1) * span / (TRIALS - 1) ))
  # shellcheck disable=SC2046
  "$HANDOVER" receive --from "$SOCK" --store "$W/new$trial" $(gov_args) $(tee_args new) \
    >"$W/recv$trial.log" 2>&1 &
  rpid=$!
  if [ "$trial" -eq "$TRIALS" ]; then
    wait "$rpid" 2>/dev/null || { cat "$W/recv$trial.log" >&2; fail "trial $trial: the handover failed"; }
  else
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  fi
  kill -9 "$SERVE_PID" 2>/dev/null
  wait "$SERVE_PID" 2>/dev/null
  SERVE_PID=""
  wait "$rpid" 2>/dev/null
  # shellcheck disable=SC2046
  "$HANDOVER" status --store "$old" $(tee_args old) >"$W/st$trial.out" 2>&1 ||
    { cat "$W/st$trial.out" >&2; ls -la "$old" >&2; fail "trial $trial: status of the old store failed"; }
  grep -q "^identity        $pub$" "$W/st$trial.out" || { cat "$W/st$trial.out" >&2; fail "trial $trial: another identity ($pub)"; }
  if grep -q "^state           serving" "$W/st$trial.out"; then
    grep -q "^identity check  ok" "$W/st$trial.out" || fail "trial $trial: serving without its key"
    serving=$((serving + 1))
  elif grep -q "^state           retired" "$W/st$trial.out"; then
    grep -q "^transcript      [0-9a-f]\{64\}$" "$W/st$trial.out" || fail "trial $trial: no tombstone"
    [ -e "$old/identity" ] && fail "trial $trial: retired but its sealed secret is still there"
    retired=$((retired + 1))
  else
    cat "$W/st$trial.out" >&2
    fail "trial $trial (sender killed after $delay ms): neither serving nor retired"
  fi
done
echo "$TRIALS kills of the sender: $serving still serve with their key, $retired retired"
[ "$serving" -gt 0 ] && [ "$retired" -gt 0 ] || fail "the kills did not spread over the move"

# A store still serving serves again; a retired one refuses by name.
for j in $(seq 1 "$TRIALS"); do
  if grep -q "^state           serving" "$W/st$j.out"; then
    start_serve old "$W/old$j"
    receive new "$W/again$j" || { cat "$W/receive.log" >&2; fail "trial $j: no handover after the kill"; }
    wait "$SERVE_PID" || fail "trial $j: the sender did not retire after the handover"
    SERVE_PID=""
    break
  fi
done
echo "crash safety of the move: ok"
