#!/bin/sh
# Checks the spin model docs/model/handover.pml exhaustively (within its
# bounds) and prints the number of states it explored.
#   run.sh MODEL holds [MACRO...]      every property must hold
#   run.sh MODEL PROPERTY [MACRO...]   PROPERTY (e.g. P3) must be violated:
#                                      a mutant, the check behind it removed
# MACROs are passed to spin as -DMACRO. A violation prints its
# counterexample, replayed by spin.
set -eu
model=$1 expect=$2
shift 2
defs=""
for m in "$@"; do defs="$defs -D$m"; done

command -v spin >/dev/null 2>&1 || { echo "spin not found (scripts/deps.sh installs it)"; exit 1; }
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || cc=gcc

dir=$(mktemp -d "${TMPDIR:-/tmp}/hv-model.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
cp "$model" "$dir/model.pml"
cd "$dir"

# shellcheck disable=SC2086
spin $defs -a model.pml >spin.out 2>&1 || { cat spin.out; exit 1; }
# pan's generated C is not warning-clean; it is not our code. Depth-first
# (a breadth-first search, for shortest counterexamples, stores many times
# the states).
"$cc" -O1 -w -DSAFETY -DMEMLIM=1024 -o pan pan.c || exit 1
# -m: the depth bound must never cut the search short (checked below).
./pan -m1000000 >pan.out 2>&1 || true
grep -E 'states, stored|errors:' pan.out | sed 's/^ */model: /'

if grep -q 'max search depth too small' pan.out; then
  echo "model: search cut short by the depth bound: not exhaustive"; exit 1
fi
if grep -q 'out of memory\|memory limit' pan.out; then
  echo "model: out of memory: not exhaustive"; exit 1
fi

if [ "$expect" = holds ]; then
  if grep -q 'errors: 0' pan.out && ! grep -q 'assertion violated' pan.out; then
    echo "model: every property holds${defs:+ (with$defs)}"; exit 0
  fi
  cat pan.out
  [ -f model.pml.trail ] && spin $defs -t model.pml
  echo "model: a property is violated${defs:+ (with$defs)}"; exit 1
fi

violated=$(sed -n 's/.*assertion violated \([A-Za-z0-9_]*\).*/\1/p' pan.out | head -n 1)
case "$violated" in
  "$expect"_*)
    echo "model: counterexample to $violated (with$defs), as it must be:"
    echo "  (receivers: 0 newer, 1 older, 2 unlisted, 3 dev; keys: a response's number,"
    echo "   255 the host's; store: 0 key, 1 tombstone and key, 2 retired)"
    # shellcheck disable=SC2086
    spin $defs -t model.pml |
      sed -n -e 's/^ *\(sender\|receiver\|host\)/  \1/p' \
             -e 's/^spin: text of failed assertion: /  violated: /p'
    exit 0 ;;
  "")
    cat pan.out
    echo "model: no counterexample to $expect (with$defs): the property cannot fail"; exit 1 ;;
  *)
    echo "model: $violated violated instead of $expect (with$defs)"; exit 1 ;;
esac
