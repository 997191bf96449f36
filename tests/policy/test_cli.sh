#!/bin/sh
# `handover policy` through the real binary: keygen, sign, verify, show,
# and each refusal's exit status and message.
# usage: test_cli.sh PATH/TO/handover
set -u
H=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
fails=0

# expect STATUS PATTERN CMD...: runs CMD, wants exit STATUS and PATTERN
# (grep -E) in its output (stdout and stderr together).
expect() {
  want=$1 pattern=$2
  shift 2
  "$@" >out 2>&1
  got=$?
  if [ "$got" -ne "$want" ] || ! grep -Eq -- "$pattern" out; then
    echo "FAIL: $* -> exit $got (want $want), output:"
    sed 's/^/    /' out
    fails=$((fails + 1))
  else
    echo "ok   $*"
  fi
  cat out >>all-output
}

for sub in "" keygen sign verify show timestamp; do
  # shellcheck disable=SC2086
  expect 0 '^usage: handover policy' "$H" policy $sub --help
done
expect 2 'unknown subcommand' "$H" policy frobnicate
expect 2 'unknown option' "$H" policy show --council x pol
expect 2 'required' "$H" policy keygen --secret only.key

for m in a b c outsider; do
  expect 0 '^member [0-9a-f]{64}$' "$H" policy keygen --secret $m.key --public $m.pub
done
[ "$(stat -c %a a.key)" = 600 ] || { echo "FAIL: a.key mode $(stat -c %a a.key)"; fails=$((fails + 1)); }
expect 1 'a.key: exists already' "$H" policy keygen --secret a.key --public new.pub
[ -e new.pub ] && { echo "FAIL: keygen wrote new.pub though it refused"; fails=$((fails + 1)); }
expect 1 'a.pub: exists already' "$H" policy keygen --secret new.key --public a.pub
[ -e new.key ] && { echo "FAIL: keygen left new.key behind"; fails=$((fails + 1)); }
cat a.pub b.pub c.pub >council
echo 'threshold 2' >>council

enclave=0101010101010101010101010101010101010101010101010101010101010101
signer=0202020202020202020202020202020202020202020202020202020202020202
cat >pol <<EOT
# test policy
version 3
server host=127.0.0.1 operator=a region=x
server host=127.0.0.2 port=4461 operator=b region=x
runtime seq=1 mr_enclave=$enclave mr_signer=$signer isv_prod_id=0 isv_svn=1
expires 2099-12-31T23:59:59Z
EOT

expect 0 '^signed pol' "$H" policy sign --key a.key pol
expect 1 'REFUSED: pol.sig: below-threshold: 1 distinct' "$H" policy verify --council council pol
cp pol.sig one.sig
cat one.sig one.sig >dup.sig
expect 1 'below-threshold' "$H" policy verify --council council --sig dup.sig pol
expect 0 '^signed pol' "$H" policy sign --key b.key pol
expect 0 '^verified: pol version 3, threshold 2 of 3 .*; expires 2099-12-31T23:59:59Z$' \
  "$H" policy verify --council council pol
expect 0 '^verified' "$H" policy verify --council council --newest-seen 3 pol
expect 1 'REFUSED: pol: rollback: version 3 is older than version 4' \
  "$H" policy verify --council council --newest-seen 4 pol
expect 1 'no-council' "$H" policy verify pol
expect 2 'not a decimal' "$H" policy verify --council council --newest-seen -1 pol

cp pol.sig two.sig
expect 0 '^signed pol' "$H" policy sign --key outsider.key --sig outsider.sig pol
cat two.sig outsider.sig >unknown.sig
expect 1 'REFUSED: unknown.sig:3: unknown-signer' \
  "$H" policy verify --council council --sig unknown.sig pol
sed 's/# test policy/# test Policy/' pol >changed
expect 1 'REFUSED: two.sig:1: bad-signature' \
  "$H" policy verify --council council --sig two.sig changed
cp two.sig changed.sig
expect 1 'REFUSED: changed.sig:1: bad-signature' "$H" policy verify --council council changed
# signing a changed policy on top of stale signatures is refused
expect 1 'bad-signature' "$H" policy sign --key c.key changed

chmod 644 c.key
expect 1 'c.key: secret key file is accessible by others' "$H" policy sign --key c.key pol
chmod 600 c.key

expect 0 'port=4461 operator=b' "$H" policy show pol
expect 0 'max_chain_lag_s 604800' "$H" policy show pol
sed 's/^version 3$/version 3\ncolour blue/' pol >bad
expect 1 '^handover policy show: bad:3: unknown-key: unknown key .colour.' "$H" policy show bad
sed 's/isv_svn=1/isv_svn=65536/' pol >bad
expect 1 'bad:5: out-of-range' "$H" policy show bad
sed 's/^version 3$//' pol >bad
expect 1 'bad: missing-field' "$H" policy show bad
expect 1 'missing-field' "$H" policy sign --key a.key bad
expect 1 'a.key:1: unknown-key: unknown key .secret_key.' "$H" policy show a.key
sed -n 's/^secret_key //p' a.key >raw.key
expect 1 'raw.key:1: unknown-key: unknown key$' "$H" policy show raw.key

# expires: shown in RFC 3339 UTC, required
expect 0 '^expires 2099-12-31T23:59:59Z$' "$H" policy show pol
sed 's/^expires .*$/expires 4102444799/' pol >unix
expect 0 '^expires 2099-12-31T23:59:59Z$' "$H" policy show unix
sed '/^expires /d' pol >bad
expect 1 "bad: missing-field: no 'expires'" "$H" policy show bad
sed 's/^expires .*$/expires 2099-12-31/' pol >bad
expect 1 'bad:6: bad-time' "$H" policy show bad

# the online timestamp: signed by the policy's timestamp_key only
expect 0 '^member' "$H" policy keygen --secret ts.key --public ts.pub
{ cat pol; echo "timestamp_key $(sed -n 's/^member //p' ts.pub)"; echo "max_timestamp_age_s 3600"; } >tspol
expect 0 'timestamp_key [0-9a-f]{64}' "$H" policy show tspol
expect 0 '^timestamp for tspol at 2027-01-01T00:00:00Z written to tspol.ts' \
  "$H" policy timestamp --key ts.key --time 2027-01-01T00:00:00Z tspol
expect 0 '^version 3$' cat tspol.ts
expect 0 "^policy_sha256 $(sha256sum tspol | cut -c1-64)$" cat tspol.ts
expect 0 '^time 1798761600$' cat tspol.ts
expect 1 'unknown-signer' "$H" policy timestamp --key a.key tspol
expect 1 'timestamp-mismatch' "$H" policy timestamp --key ts.key pol
expect 2 'want RFC 3339' "$H" policy timestamp --key ts.key --time yesterday tspol

# a council override: signed like a policy, shown in canonical form
cat >ovr <<EOT
override 1
identity $(sed -n 's/^member //p' c.pub)
from mr_enclave=$enclave mr_signer=$signer isv_prod_id=0 isv_svn=1
to mr_enclave=$enclave mr_signer=$signer isv_prod_id=0 isv_svn=2
waive chain-head-stale
expires 1798761600
EOT
expect 0 '^signed ovr' "$H" policy sign --key a.key ovr
expect 1 'REFUSED: ovr.sig: below-threshold' "$H" policy verify --council council ovr
expect 0 '^signed ovr' "$H" policy sign --key b.key ovr
expect 0 '^verified: ovr, a council override waiving chain-head-stale, threshold 2 of 3 council members; expires 2027-01-01T00:00:00Z$' \
  "$H" policy verify --council council ovr
expect 0 '^waive chain-head-stale$' "$H" policy show ovr
expect 0 '^expires 2027-01-01T00:00:00Z$' "$H" policy show ovr
sed 's/^waive .*/waive report-mac/' ovr >ovr-bad
expect 1 'ovr-bad:5: not-waivable' "$H" policy sign --key a.key ovr-bad

# no secret ever reaches the output
for k in a b c outsider ts; do
  secret=$(sed -n 's/^secret_key //p' $k.key)
  [ ${#secret} -eq 64 ] || { echo "FAIL: $k.key has no secret_key line"; fails=$((fails + 1)); }
  if grep -q "$secret" all-output; then echo "FAIL: $k's secret printed"; fails=$((fails + 1)); fi
done

echo "cli: $fails failed"
[ "$fails" -eq 0 ]
