# Bad frames: an oversized length, a truncated frame, garbage, an empty
# frame, a RESPONSE nobody asked for. Each connection is closed with an
# error, none costs a trusted-time query, and the sender's state is
# untouched: a following handover works.
. "$(dirname "$0")/lib.sh"
cli_env 3 60 old,new

pub=$(init_store old "$W/old")
start_serve old "$W/old"
for kind in oversized truncated garbage empty unasked-response; do
  # shellcheck disable=SC2046
  "$RAW_CLIENT" frame "$kind" --from "$SOCK" --store "$W/raw" $(gov_args) $(tee_args new) \
    >"$W/$kind.out" 2>&1 || { cat "$W/$kind.out" >&2; fail "$kind: the connection was not closed"; }
  expect_in "$kind" "connection closed" "$W/$kind.out"
done
expect_in oversized "refused frame: frame-oversized" "$W/serve.log"
expect_in truncated "refused frame: frame-truncated" "$W/serve.log"
expect_in empty "refused frame: frame-empty" "$W/serve.log"
expect_in garbage "refused message: " "$W/serve.log"
expect_in "oversized answer" "ERROR" "$W/oversized.out"
expect_in unasked-response "refused message: message-truncated" "$W/serve.log"
kill -0 "$SERVE_PID" || fail "the sender died"
# Junk buys no NTS query (the queries are shared, under one lock): the
# one query is serve's own start-up check.
stop_serve
expect_in "no query for junk" "stopped (1 trusted-time queries" "$W/serve.log"
start_serve old "$W/old"
receive new "$W/new" || { cat "$W/receive.log" >&2; fail "a handover after the bad frames"; }
[ "$(identity new "$W/new")" = "$pub" ] || fail "the handover after the bad frames"
[ "$(identity old "$W/old")" = "$pub" ] || fail "the sender lost its key"
echo "bad frames: ok"
