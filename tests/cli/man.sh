# handover(1) renders without warnings, names every option that any
# command's --help names, and --version prints meson's project version.
HANDOVER=$1 MAN=$2 VERSION=$3 OPERATIONS=$4
fail() { echo "FAIL: $*" >&2; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
MANWIDTH=200 man --warnings -E ascii --nh --nj -l "$MAN" >"$t/man.txt" 2>"$t/warn" ||
  fail "man could not render $MAN"
[ ! -s "$t/warn" ] || fail "man warns: $(cat "$t/warn")"
for s in NAME SYNOPSIS COMMANDS "EXIT STATUS" FILES ENVIRONMENT; do
  grep -q "^$s" "$t/man.txt" || fail "the man page has no $s section"
done
n=0
# Every command the top-level usage lists has a section.
for c in $("$HANDOVER" 2>&1 | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
  grep -q "^$(echo "$c" | tr a-z A-Z)\$" "$t/man.txt" || fail "the man page has no section for $c"
done
for c in init serve receive status time "policy keygen" "policy sign" \
         "policy verify" "policy show" "policy timestamp" "receipt show" "receipt verify" "log show" \
         "log verify" "log export"; do
  # shellcheck disable=SC2086
  "$HANDOVER" $c --help >"$t/help" || fail "$c --help"
  grep -q "^$(echo "$c" | cut -d' ' -f1 | tr a-z A-Z)" "$t/man.txt" ||
    fail "the man page has no section for $c"
  for o in $(grep -o -- '--[a-z][a-z-]*' "$t/help" | sort -u); do
    grep -q -F -- "$o" "$t/man.txt" || fail "the man page does not name $c $o"
    n=$((n + 1))
  done
done
# The runbook uses only options that exist (and so are in the man page).
for o in $(grep -o -- '--[a-z][a-z-]*' "$OPERATIONS" | sort -u); do
  grep -q -F -- "$o" "$t/man.txt" || fail "docs/OPERATIONS.md uses $o, which handover(1) does not name"
done
"$HANDOVER" --version >"$t/v" || fail "--version exited non-zero"
head -n 1 "$t/v" | grep -qx "handover $VERSION" || fail "--version: $(head -n 1 "$t/v")"
grep -qx "libhandover $VERSION" "$t/v" || fail "--version: no library version"
echo "man: ok ($n options of --help found in handover(1))"
