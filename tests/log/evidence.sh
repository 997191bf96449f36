# Receipts and the log at the end of real handovers: two refusals by the
# sender and one by a receiver, each after the peer's report verified, and
# one completed handover leave three receipts in the sender's log and one
# in each receiver's; the completed ones verify offline
# with the identity alone, tampered ones are refused by name, and a
# tampered, truncated or deleted log is found and named.
#   sh evidence.sh HANDOVER MAKE_GOV RAW_CLIENT NTS_ENV_SH
. "$(dirname "$0")/../cli/lib.sh"
cli_env 3 60 older,old,new

pub=$(init_store old "$W/old")
start_serve old "$W/old"

receive rogue "$W/rogue" && fail "an unlisted build received the key"
receive older "$W/older" && fail "an older build received the key"
# A receiver whose own policy does not list the sender's build refuses the
# KEY after the sender's report verified: its unsigned receipt.
mkdir "$W/gov2" && "$MAKE_GOV" "$W/gov2" 1 60 "$ports" older,new || fail "make_gov 2"
# shellcheck disable=SC2046
"$HANDOVER" receive --from "$SOCK" --store "$W/new2" --policy "$W/gov2/policy.txt" \
  --policy-sig "$W/gov2/policy.sig" --council "$W/gov2/council.txt" \
  --ca "$NTSENV_DIR/ca.pem" $(tee_args new) >"$W/r2.log" 2>&1 &&
  fail "a receiver whose policy lacks the sender took the key"
expect_in "receiver refusal" "sender-not-in-policy" "$W/r2.log"
receive new "$W/new" || { cat "$W/receive.log" >&2; fail "receive failed"; }
stop_serve

# log_of BUILD STORE SUBCOMMAND [options]
log_of() {
  build=$1 store=$2 sub=$3
  shift 3
  # shellcheck disable=SC2046
  "$HANDOVER" log "$sub" --store "$store" $(tee_args "$build") "$@"
}

log_of old "$W/old" verify >"$W/v.out" 2>&1 || { cat "$W/v.out" >&2; fail "sender log verify"; }
expect_in "sender log" "log: 3 entries, chain and sealed head verified" "$W/v.out"
log_of old "$W/old" show >"$W/show.out" 2>&1 || fail "sender log show"
expect_in "log show" "refused by the sender: receiver-not-in-policy" "$W/show.out"
expect_in "log show" "refused by the sender: receiver-not-newer" "$W/show.out"
expect_in "log show" "completed (sender)" "$W/show.out"
expect_in "log show" "agreed by 127.0.0.1:" "$W/show.out"
# A refusal names the sender's identity too (it holds it).
[ "$(grep -c "identity         $pub" "$W/show.out")" -eq 3 ] || fail "the identity is not in every receipt"
log_of new "$W/new" verify >"$W/v2.out" 2>&1 || { cat "$W/v2.out" >&2; fail "receiver log verify"; }
expect_in "receiver log" "log: 1 entry," "$W/v2.out"
# shellcheck disable=SC2046
"$HANDOVER" log show --store "$W/new2" $(tee_args new) >"$W/show2.out" 2>&1 ||
  { cat "$W/show2.out" >&2; fail "refusing receiver's log"; }
expect_in "refusing receiver's log" "refused by the receiver: sender-not-in-policy" "$W/show2.out"
expect_in "refusing receiver's log" "signature        none (refusal)" "$W/show2.out"
expect_in "refusing receiver's log" "identity         $pub" "$W/show2.out"
# The receiver's own build owns its log: another build's seal key cannot open its head.
log_of old "$W/new" verify >"$W/cross.out" 2>&1 && fail "the old build verified the new build's log"
expect_in "cross-build log" "log-seal" "$W/cross.out"
echo "logs: ok"

log_of old "$W/old" export --entry 3 --out "$W/sender.receipt" >/dev/null || fail "export 3"
log_of old "$W/old" export --entry 1 --out "$W/refusal.receipt" >/dev/null || fail "export 1"
log_of new "$W/new" export --entry 1 --out "$W/receiver.receipt" >/dev/null || fail "export r1"
for r in sender receiver; do
  "$HANDOVER" receipt verify "$W/$r.receipt" --identity "$pub" >"$W/$r.out" 2>&1 ||
    { cat "$W/$r.out" >&2; fail "$r receipt does not verify"; }
  expect_in "$r receipt" "signature        ok" "$W/$r.out"
done
# Both sides saw the same exchange.
th_s=$(awk '/^transcript hash/ {print $3}' "$W/sender.out")
th_r=$(awk '/^transcript hash/ {print $3}' "$W/receiver.out")
[ -n "$th_s" ] && [ "$th_s" = "$th_r" ] || fail "transcript hashes differ: '$th_s' '$th_r'"

# refuse FILE NAME [identity]: receipt verify fails naming NAME
refuse() {
  "$HANDOVER" receipt verify "$1" --identity "${3:-$pub}" >"$W/r.out" 2>&1 &&
    fail "$1 verified"
  expect_in "$1" "$2" "$W/r.out"
}
# another key: the first hex digit changed
case $pub in 0*) other=1${pub#?} ;; *) other=0${pub#?} ;; esac
refuse "$W/sender.receipt" receipt-identity-mismatch "$other"
refuse "$W/refusal.receipt" receipt-unsigned

# flip FILE OFFSET: changes one byte in place
flip() {
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  # shellcheck disable=SC2059
  printf "\\$(printf %o $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp "$W/sender.receipt" "$W/t.receipt"
flip "$W/t.receipt" 200        # inside the transcript hash
refuse "$W/t.receipt" receipt-signature
head -c 100 "$W/sender.receipt" >"$W/t.receipt"
refuse "$W/t.receipt" receipt-truncated
echo "receipts: ok"

# The host edits the log: the first entry's receipt, one byte.
cp "$W/old/log" "$W/log.orig"
flip "$W/old/log" 100
log_of old "$W/old" verify >"$W/t.out" 2>&1 && fail "an edited log verified"
expect_in "edited log" "entry 2 does not carry the hash of entry 1" "$W/t.out"
cp "$W/log.orig" "$W/old/log"
head -c 300 "$W/log.orig" >"$W/old/log"
log_of old "$W/old" verify >"$W/t.out" 2>&1 && fail "a truncated log verified"
expect_in "truncated log" "log-truncated" "$W/t.out"
rm "$W/old/log"
log_of old "$W/old" verify >"$W/t.out" 2>&1 && fail "a deleted log verified"
expect_in "deleted log" "log-missing" "$W/t.out"
echo "tampered logs: ok"
