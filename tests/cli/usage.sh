# Every command answers --help; a bad command line names what is wrong.
HANDOVER=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
for c in init serve receive status; do
  "$HANDOVER" "$c" --help >/tmp/hv-usage.$$ 2>&1 || fail "$c --help exited non-zero"
  grep -q "usage: handover $c" /tmp/hv-usage.$$ || fail "$c --help"
done
# The product binary holds no demo (tools/demo/ is handover-demo).
"$HANDOVER" demo 2>/tmp/hv-usage.$$; st=$?
[ "$st" -eq 2 ] && grep -q "unknown command 'demo'" /tmp/hv-usage.$$ ||
  fail "handover demo: exit $st, the demo is still in the product binary"
"$HANDOVER" serve --store /nonexistent 2>/tmp/hv-usage.$$; st=$?
[ "$st" -eq 2 ] || fail "serve with missing options exited $st"
grep -q -- "--socket" /tmp/hv-usage.$$ || fail "serve: the missing option is not named"
"$HANDOVER" init --store /x --bogus 2>/tmp/hv-usage.$$ && fail "an unknown option was accepted"
grep -q -- "--bogus" /tmp/hv-usage.$$ || fail "the unknown option is not named"
"$HANDOVER" init --store /x --tee sim --platform-secret /tmp/x --mr-enclave abc \
  2>/tmp/hv-usage.$$ && fail "a short --mr-enclave was accepted"
grep -q -- "--mr-enclave" /tmp/hv-usage.$$ || fail "--mr-enclave error"
"$HANDOVER" init --store /x --tee tdx 2>/tmp/hv-usage.$$ && fail "--tee tdx was accepted"
grep -q -- "--tee" /tmp/hv-usage.$$ || fail "--tee error"
d=$(mktemp -d)
"$HANDOVER" status --store "$d/none" --tee sim --platform-secret "$d/secret" \
  --build-name x 2>/tmp/hv-usage.$$ && fail "status of a missing store succeeded"
grep -q "does not exist" /tmp/hv-usage.$$ || fail "status: the missing store is not named"
"$HANDOVER" serve --store "$d" --socket "$d/s" --policy x --policy-sig y \
  --chain-head 12 2>/tmp/hv-usage.$$ && fail "a bad --chain-head was accepted"
grep -q "NUMBER:TIME_MS" /tmp/hv-usage.$$ || fail "--chain-head error"
"$HANDOVER" receive --from "$d/s" --store "$d/r" --policy x --policy-sig y \
  --expect-identity abc 2>/tmp/hv-usage.$$; st=$?
[ "$st" -eq 2 ] || fail "a short --expect-identity exited $st"
grep -q -- "--expect-identity" /tmp/hv-usage.$$ || fail "--expect-identity error"
rm -rf "$d" /tmp/hv-usage.$$
echo "usage: ok"
