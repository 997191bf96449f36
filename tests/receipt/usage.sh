# The receipt and log commands answer --help and name what is wrong with a
# command line (exit 2) or a file (exit 1).
HANDOVER=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
out=$d/out
# expect STATUS TEXT COMMAND...: the command exits STATUS and says TEXT
expect() {
  want=$1 text=$2
  shift 2
  "$HANDOVER" "$@" >"$out" 2>&1
  st=$?
  [ "$st" -eq "$want" ] || { cat "$out" >&2; fail "'$*' exited $st, not $want"; }
  grep -q -- "$text" "$out" || { cat "$out" >&2; fail "'$*' does not say '$text'"; }
}
expect 0 "usage: handover receipt show FILE" receipt --help
expect 0 "usage: handover receipt verify FILE --identity HEX" receipt verify --help
expect 0 "usage: handover log show --store DIR" log show --help
expect 0 "usage: handover log export --store DIR --entry N --out FILE" log export --help
expect 2 "unknown subcommand 'check'" receipt check
expect 2 "unknown subcommand 'edit'" log edit
expect 2 "missing FILE" receipt verify --identity 00
expect 2 "missing required option --identity" receipt verify "$d/none"
expect 2 "not 64 hex digits" receipt verify "$d/none" --identity abc
key=$(printf '%064d' 0)
expect 1 "cannot read it" receipt verify "$d/none" --identity "$key"
printf 'HVRC\000\001' >"$d/short"
expect 1 "receipt-truncated" receipt verify "$d/short" --identity "$key"
expect 1 "receipt-truncated" receipt show "$d/short"
printf 'not a receipt' >"$d/junk"
expect 1 "not-a-receipt" receipt show "$d/junk"
expect 2 "missing required option --store" log verify
expect 2 "missing required option --entry" log export --store "$d" --out "$d/x"
expect 2 "not an entry number" log export --store "$d" --entry 0 --out "$d/x"
expect 1 "does not exist" log verify --store "$d/none" --tee sim \
  --platform-secret "$d/secret" --build-name x
echo "receipt and log usage: ok"
