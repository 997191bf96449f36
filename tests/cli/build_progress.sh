# scripts/demo.sh shows build progress: build.sh --progress says that it
# configures and shows each ninja step on stderr, keeps stdout for the
# build directory's name, and still fails when ninja fails. Run on a copy
# of the script with stand-ins for meson and ninja (no real build).
SRC=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/repo/scripts" "$t/bin" || fail mkdir
cp "$SRC/scripts/build.sh" "$t/repo/scripts/" || fail cp
grep -q "build.sh --progress" "$SRC/scripts/demo.sh" || fail "demo.sh does not ask for progress"
cat >"$t/bin/meson" <<'X'
#!/bin/sh
mkdir -p "$2" && touch "$2/build.ninja"
X
cat >"$t/bin/ninja" <<'X'
#!/bin/sh
echo "ninja: Entering directory '$2'"
echo "[1/2] Compiling C object a.o"
echo "[2/2] Linking target handover"
exit "${FAKE_NINJA_RC:-0}"
X
chmod +x "$t/bin/meson" "$t/bin/ninja"
out=$(PATH=$t/bin:$PATH sh "$t/repo/scripts/build.sh" --progress plain 2>"$t/err") ||
  fail "build.sh --progress failed: $(cat "$t/err")"
[ "$out" = build ] || fail "stdout is '$out', not the build directory"
grep -q "^build: configuring build" "$t/err" || fail "no configuring line: $(cat "$t/err")"
grep -q "^build: \[1/2\] Compiling C object a.o" "$t/err" || fail "no step lines"
grep -q "^build: \[2/2\] Linking target handover" "$t/err" || fail "no last step"
PATH=$t/bin:$PATH FAKE_NINJA_RC=1 sh "$t/repo/scripts/build.sh" --progress plain \
  >/dev/null 2>"$t/err" && fail "a failed ninja was reported as success"
out=$(PATH=$t/bin:$PATH sh "$t/repo/scripts/build.sh" plain 2>"$t/err") || fail "quiet build"
[ ! -s "$t/err" ] || fail "without --progress build.sh is not quiet"
echo "build progress: ok"
