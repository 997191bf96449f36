# Every command answers --help; a bad command line names what is wrong
# and exits 2 (README: exit status), before the command does anything.
HANDOVER=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
for c in init serve receive status time policy; do
  "$HANDOVER" "$c" --help >/tmp/hv-usage.$$ 2>&1 || fail "$c --help exited non-zero"
  grep -q "usage: handover $c" /tmp/hv-usage.$$ || fail "$c --help"
done
# The product binary holds no demo (tools/demo/ is handover-demo).
"$HANDOVER" demo 2>/tmp/hv-usage.$$; st=$?
[ "$st" -eq 2 ] && grep -q "unknown command 'demo'" /tmp/hv-usage.$$ ||
  fail "handover demo: exit $st, the demo is still in the product binary"
d=$(mktemp -d)
trap 'rm -rf "$d" /tmp/hv-usage.$$' EXIT
touch "$d/secret" && chmod 600 "$d/secret"
SIM="--tee sim --platform-secret $d/secret"
SERVE="serve --store $d/store --socket $d/s --policy $d/p --policy-sig $d/ps --chain-head 1:1"
RECV="receive --from $d/s --store $d/store --policy $d/p --policy-sig $d/ps"
POL="$d/policy.txt"
# usage_case OPTION-NAMED-IN-MESSAGE ARGS...: exit 2, the option named.
usage_case() {
  want=$1
  shift
  "$HANDOVER" "$@" >/dev/null 2>/tmp/hv-usage.$$
  st=$?
  [ "$st" -eq 2 ] || fail "'$*' exited $st, not 2: $(cat /tmp/hv-usage.$$)"
  grep -q -F -- "$want" /tmp/hv-usage.$$ || fail "'$*' does not name $want: $(cat /tmp/hv-usage.$$)"
  [ ! -e "$d/store" ] || fail "'$*' made the store before refusing its command line"
  n=$((n + 1))
}
n=0
# shellcheck disable=SC2086
{
# Every TEE option, malformed or out of range, on every command that takes them.
for c in "init --store $d/store" "status --store $d/store" "$SERVE" "$RECV"; do
  usage_case --tee $c --tee tdx
  usage_case --platform-secret $c --tee sim
  usage_case --mr-enclave $c $SIM --mr-enclave zz
  usage_case --mr-enclave $c $SIM --mr-enclave abc
  usage_case --mr-signer $c $SIM --mr-signer 00
  usage_case --isv-svn $c $SIM --isv-svn 70000
  usage_case --isv-svn $c $SIM --isv-svn -1
  usage_case --isv-prod-id $c $SIM --isv-prod-id x
  usage_case --build-name $c $SIM --mr-enclave "$(printf '%064d' 0)" --build-name a
  usage_case --platform-secret $c --tee sgx --platform-secret "$d/secret"
  usage_case --platform-secret $c --tee sim --platform-secret "$d/typo" --build-name a
  usage_case --bogus $c --bogus
  usage_case --tee $c --tee
done
# Missing required options.
usage_case --store init
usage_case --store status
usage_case --store serve --socket x --policy p --policy-sig s --chain-head 1:1
usage_case --socket serve --store x --policy p --policy-sig s --chain-head 1:1
usage_case --policy serve --store x --socket s --policy-sig s --chain-head 1:1
usage_case --policy-sig serve --store x --socket s --policy p --chain-head 1:1
usage_case --chain-head serve --store x --socket s --policy p --policy-sig s
usage_case --chain-head $SERVE --chain-head-file "$d/head"
usage_case --chain-head $SERVE --chain-head 12
usage_case --from receive --store x --policy p --policy-sig s
usage_case --store receive --from x --policy p --policy-sig s
usage_case --policy receive --from x --store s --policy-sig s
usage_case --policy-sig receive --from x --store s --policy p
usage_case --timeout $RECV --timeout 0
usage_case --expect-identity $RECV --expect-identity abc
usage_case --timeout $RECV --timeout 5s
usage_case --log-format $RECV --log-format xml
usage_case --log-format $SERVE --log-format xml
usage_case --once $SERVE --once=yes
# time
usage_case --timeout time --timeout 0
usage_case --timeout time --timeout x
usage_case --min-responses time --min-responses 0
usage_case --min-operators time --min-operators x
usage_case --max-spread time --max-spread -1
usage_case --not-before time --not-before x
usage_case --server time --server "bad host name"
usage_case --bogus time --bogus
usage_case --policy-sig time --policy "$POL"
usage_case --policy time --policy "$POL" --policy-sig x --server 127.0.0.1
usage_case --policy-sig time --policy-sig x
# policy
usage_case --secret policy keygen --public "$d/pub"
usage_case --secret policy sign "$POL"
usage_case --newest-seen policy verify --newest-seen x "$POL"
usage_case POLICY policy show
usage_case --bogus policy show --bogus "$POL"
usage_case frobnicate policy frobnicate
# getopt_long: whole names only, --opt=value, an option once, "--" ends them
usage_case --sto init --sto "$d/store"
usage_case --plat init --tee sim --plat "$d/secret" --store "$d/store"
usage_case --store init --store=
usage_case --store init --store="$d/store" --store "$d/store"
usage_case --policy-sig policy verify --sig a --policy-sig b "$POL"
usage_case "'--weird'" init --store "$d/store" -- --weird
# the command itself (the demo is handover-demo, tests/cli/demo.sh)
usage_case frobnicate frobnicate
}
echo "usage: $n bad command lines exit 2 naming the option"
# --opt=value and "--": the word after "--" is the POLICY, even if it looks
# like an option; an old name works and warns.
"$HANDOVER" policy show -- --no-such-file 2>/tmp/hv-usage.$$
[ $? -eq 1 ] || fail "policy show -- --x did not take --x as the file"
grep -q -- "--no-such-file: No such file" /tmp/hv-usage.$$ || fail "policy show -- : $(cat /tmp/hv-usage.$$)"
printf 'version 1\n' >"$POL"
"$HANDOVER" policy sign --key="$d/none.key" "$POL" 2>/tmp/hv-usage.$$
grep -q -- "warning: --key is deprecated; use --secret" /tmp/hv-usage.$$ ||
  fail "a deprecated name did not warn: $(cat /tmp/hv-usage.$$)"
grep -q -- "$d/none.key" /tmp/hv-usage.$$ || fail "--key=FILE was not taken as --secret"

# Not usage errors: a store that does not exist is a failure (1), named.
"$HANDOVER" status --store "$d/none" --tee sim --platform-secret "$d/real" \
  --create-platform-secret --build-name x 2>/tmp/hv-usage.$$
st=$?
[ "$st" -eq 1 ] || fail "status of a missing store exited $st, not 1"
grep -q "$d/none.*does not exist" /tmp/hv-usage.$$ || fail "status: the missing store is not named"
# The default --tee sgx outside an enclave: a failure with a hint about sim.
"$HANDOVER" init --store "$d/sgx" 2>/tmp/hv-usage.$$
st=$?
[ "$st" -eq 1 ] || fail "init --tee sgx outside an enclave exited $st, not 1"
grep -q -- "hint:.*--tee sim" /tmp/hv-usage.$$ || fail "no hint about --tee sim: $(cat /tmp/hv-usage.$$)"
[ ! -e "$d/sgx" ] || fail "a failed init --tee sgx left a store"
# --create-platform-secret makes the secret (0600); without it nothing is made.
"$HANDOVER" init --store "$d/new" --tee sim --platform-secret "$d/made" --build-name a \
  >/dev/null 2>&1 && fail "a missing platform secret was accepted"
[ ! -e "$d/made" ] || fail "a platform secret was made without --create-platform-secret"
"$HANDOVER" init --store "$d/new" --tee sim --platform-secret "$d/made" \
  --create-platform-secret --build-name a >/dev/null || fail "--create-platform-secret"
[ "$(stat -c %a "$d/made")" = 600 ] || fail "the new platform secret is not 0600"
# Output that cannot be written fails the command (1), named; the same
# command with a working stdout succeeds.
STATUS="status --store $d/new --tee sim --platform-secret $d/made --build-name a"
for fmt in --json ""; do
  # shellcheck disable=SC2086
  "$HANDOVER" $STATUS $fmt >/dev/null || fail "status $fmt failed with a working stdout"
  # shellcheck disable=SC2086
  "$HANDOVER" $STATUS $fmt >/dev/full 2>/tmp/hv-usage.$$
  st=$?
  [ "$st" -eq 1 ] || fail "status $fmt into a full disk exited $st, not 1"
  grep -q "cannot write standard output" /tmp/hv-usage.$$ ||
    fail "status $fmt: the lost output is not named: $(cat /tmp/hv-usage.$$)"
done
"$HANDOVER" --version >/dev/full 2>/dev/null && fail "--version into a full disk exited 0"
echo "usage: ok"
