#!/bin/sh
# Configures (once) and builds one build directory.
# usage: build.sh plain|asan|fuzz
set -eu
cd "$(dirname "$0")/.."
case "${1:-plain}" in
  plain) dir=build; opts="" ;;
  asan) dir=build-asan; opts="-Db_sanitize=address,undefined -Db_lundef=false" ;;
  fuzz) dir=build-fuzz
        opts="-Dfuzz=true -Dtests=false -Db_sanitize=address,undefined -Db_lundef=false"
        export CC=clang ;;
  *) echo "build.sh: unknown configuration '$1' (plain, asan or fuzz)" >&2; exit 2 ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$dir" $opts >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log" >&2; exit 1; }
fi
ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { tail -n 60 "$dir.ninja.log" >&2; exit 1; }
echo "$dir"
