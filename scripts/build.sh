#!/bin/sh
# Configures (once) and builds one build directory; prints its name.
# usage: build.sh [--progress] plain|asan|fuzz
#   --progress: say what it does on stderr (configuring, each ninja step)
#   instead of staying silent until it is done.
set -eu
cd "$(dirname "$0")/.."
progress=false
if [ "${1:-}" = "--progress" ]; then
  progress=true
  shift
fi
case "${1:-plain}" in
  plain) dir=build; opts="" ;;
  asan) dir=build-asan; opts="-Db_sanitize=address,undefined -Db_lundef=false" ;;
  fuzz) dir=build-fuzz
        opts="-Dfuzz=true -Dtests=false -Db_sanitize=address,undefined -Db_lundef=false"
        export CC=clang ;;
  *) echo "build.sh: unknown configuration '$1' (plain, asan or fuzz)" >&2; exit 2 ;;
esac
say() { if $progress; then echo "build: $*" >&2; fi; }
if [ ! -f "$dir/build.ninja" ]; then
  say "configuring $dir (meson setup; log in $dir.setup.log)"
  # shellcheck disable=SC2086
  meson setup "$dir" $opts >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log" >&2; exit 1; }
fi
if $progress; then
  say "compiling in $dir (ninja; log in $dir.ninja.log)"
  # Each "[N/M] ..." line as it comes; the status survives the pipe in a file.
  { ninja -C "$dir" 2>&1; echo $? >"$dir.ninja.rc"; } | tee "$dir.ninja.log" |
    sed -n 's/^\(\[[0-9]*\/[0-9]*\]\) \(.*\)$/build: \1 \2/p' >&2
  rc=$(cat "$dir.ninja.rc")
  rm -f "$dir.ninja.rc"
  [ "$rc" -eq 0 ] || { tail -n 60 "$dir.ninja.log" >&2; exit 1; }
  say "done"
else
  ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { tail -n 60 "$dir.ninja.log" >&2; exit 1; }
fi
echo "$dir"
