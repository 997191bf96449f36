# contrib/systemd's unit: systemd-analyze verify accepts it without a
# word, its ExecStart is the handover `meson install` puts in BINDIR,
# Type=notify, ExecReload sends SIGHUP, and nothing Gramine cannot start
# under (MemoryDenyWriteExecute).
UNIT=$1 HANDOVER=$2 MAN=$3 BINDIR=$4
fail() { echo "FAIL: $*" >&2; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
[ "$exec_start" = "$BINDIR/handover" ] ||
  fail "ExecStart is '$exec_start', meson installs handover as $BINDIR/handover"
grep -qx "Type=notify" "$UNIT" || fail "not Type=notify"
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$UNIT" || fail "no ExecReload sending SIGHUP"
grep -q "^MemoryDenyWriteExecute" "$UNIT" && fail "MemoryDenyWriteExecute: Gramine cannot start under it"
# verify checks that ExecStart exists and that man:handover(1) does: the
# installed files, relocated under $t.
mkdir -p "$t/bin" "$t/man/man1" || fail mkdir
cp "$HANDOVER" "$t/bin/handover" && cp "$MAN" "$t/man/man1/handover.1" || fail cp
sed "s|^ExecStart=$BINDIR/handover|ExecStart=$t/bin/handover|" "$UNIT" >"$t/handover-serve.service"
MANPATH=$t/man systemd-analyze verify "$t/handover-serve.service" >"$t/out" 2>&1 ||
  fail "systemd-analyze verify: $(cat "$t/out")"
[ ! -s "$t/out" ] || fail "systemd-analyze verify warns: $(cat "$t/out")"
# The check can fail: a misspelt setting is a warning it reports.
sed 's/^Type=notify/Type=notifyy/' "$t/handover-serve.service" >"$t/bad.service"
MANPATH=$t/man systemd-analyze verify "$t/bad.service" >"$t/out" 2>&1
[ -s "$t/out" ] || fail "systemd-analyze verify did not notice a bad Type="
echo "systemd unit: ok"
