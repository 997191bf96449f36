# The library example (examples/handover_example.c, only <handover/...>,
# linked with the shared libhandover): one handover from "old" to "new".
# run as: sh example.sh HANDOVER MAKE_GOV RAW_CLIENT NTS_ENV_SH EXAMPLE
EXAMPLE=$5
. "$(dirname "$0")/lib.sh"
cli_env 3 60 old,new
pub=$(init_store old "$W/old")
args() {
  echo "$W/ex.sock $1 $W/gov/policy.txt $W/gov/policy.sig $W/gov/council.txt" \
       "$NTSENV_DIR/ca.pem $SECRET $2"
}
# shellcheck disable=SC2046
"$EXAMPLE" serve $(args "$W/old" old) >"$W/ex-serve.log" 2>&1 &
SERVE_PID=$!
i=0
until [ -S "$W/ex.sock" ]; do
  i=$((i + 1))
  [ "$i" -gt "$SERVE_START_TENTHS" ] && { cat "$W/ex-serve.log" >&2; fail "example serve"; }
  sleep 0.1
done
# shellcheck disable=SC2046
got=$("$EXAMPLE" receive $(args "$W/new" new)) || { cat "$W/ex-serve.log" >&2; fail "example receive"; }
[ "$got" = "$pub" ] || fail "the example received '$got', not $pub"
wait "$SERVE_PID" || fail "example serve failed"
SERVE_PID=""
[ "$(identity new "$W/new")" = "$pub" ] || fail "the new store does not hold the key"
echo "library example: ok"
