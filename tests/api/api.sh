#!/bin/sh
# The public API, checked from the outside:
#  1. every public header compiles alone with `-std=c17` (no _GNU_SOURCE or
#     other feature macro), warnings as errors, and as C++ when g++ is here;
#  2. libhandover.so exports exactly the functions the public headers
#     declare (nm -D --defined-only against gcc -aux-info of the headers);
#  3. it has a soname;
#  4. nothing in include/ names a file that is not in the repository.
# usage: api.sh LIBHANDOVER_SO SRC_INCLUDE_DIR BUILD_INCLUDE_DIR REPO_ROOT
set -eu
lib=$1 inc=$2 binc=$3 root=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

headers=$( (cd "$inc" && ls handover/*.h; cd "$binc" && ls handover/*.h 2>/dev/null) | sort -u)
[ -n "$headers" ] || { echo "FAIL: no headers under $inc"; exit 1; }
gxx=$(command -v g++ || true)
for h in $headers; do
  # The extra declaration keeps a header without declarations (api.h) from
  # being an empty translation unit under -pedantic.
  printf '#include "%s"\nint hv_api_test_anchor;\n' "$h" >"$tmp/one.c"
  gcc -std=c17 -Wall -Wextra -Werror -pedantic -I"$inc" -I"$binc" -c "$tmp/one.c" -o "$tmp/one.o" \
    || bad "$h does not compile alone as C17"
  if [ -n "$gxx" ]; then
    cp "$tmp/one.c" "$tmp/one.cc"
    g++ -std=c++17 -Wall -Wextra -Werror -I"$inc" -I"$binc" -c "$tmp/one.cc" -o "$tmp/one.o" \
      || bad "$h does not compile alone as C++"
  fi
  echo "$h compiles alone"
done
[ -n "$gxx" ] || echo "note: no g++ here, the C++ check did not run"

# A C++ caller must see C linkage: the names stay unmangled.
if [ -n "$gxx" ]; then
  printf '#include "handover/buf.h"\nsize_t f(const hv_buf_reader *r) { return hv_buf_remaining(r); }\n' >"$tmp/link.cc"
  g++ -std=c++17 -I"$inc" -I"$binc" -c "$tmp/link.cc" -o "$tmp/link.o"
  nm "$tmp/link.o" | grep -q ' U hv_buf_remaining$' || bad "extern \"C\" guards missing (hv_buf_remaining mangled)"
fi

# The functions the public headers declare, by the compiler's own reading.
for h in $headers; do printf '#include "%s"\n' "$h"; done >"$tmp/all.c"
gcc -std=c17 -I"$inc" -I"$binc" -aux-info "$tmp/all.aux" -fsyntax-only "$tmp/all.c"
grep '/handover/[a-z_]*\.h:' "$tmp/all.aux" \
  | sed -n 's/.*[ *]\([A-Za-z_][A-Za-z0-9_]*\) (.*/\1/p' | sort -u >"$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TWiV]$/ { print $3 }' \
  | grep -v '^_\(init\|fini\)$' | sed 's/@.*//' | sort -u >"$tmp/exported"
n_decl=$(wc -l <"$tmp/declared")
n_exp=$(wc -l <"$tmp/exported")
echo "public headers declare $n_decl functions; $lib exports $n_exp"
[ "$n_decl" -gt 100 ] || bad "only $n_decl declarations found: the header reading is broken"
comm -13 "$tmp/declared" "$tmp/exported" >"$tmp/extra"
comm -23 "$tmp/declared" "$tmp/exported" >"$tmp/missing"
if [ -s "$tmp/extra" ]; then
  bad "exported but declared in no public header (make them static, or hide them):"
  sed 's/^/  /' "$tmp/extra"
fi
if [ -s "$tmp/missing" ]; then
  bad "declared in a public header but not exported (mark them HV_API, or define them):"
  sed 's/^/  /' "$tmp/missing"
fi
# Exported data would be ABI too: there is none.
nm -D --defined-only "$lib" | awk '$2 ~ /^[BDGRS]$/ && $3 !~ /^_/ { print "  " $3 }' >"$tmp/data"
[ ! -s "$tmp/data" ] || { bad "exported data symbols:"; cat "$tmp/data"; }

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
case $soname in
  libhandover.so.[0-9]*) echo "soname $soname" ;;
  *) bad "no soname of the form libhandover.so.N (got '$soname')" ;;
esac

# Files the headers name (docs/X.md, src/x/y.c...) exist in the repository.
grep -hv '^#include' "$inc"/handover/*.h* \
  | grep -o '[A-Za-z0-9_./-]*[A-Za-z0-9_]\.\(md\|c\|h\|txt\|in\)\b' | sort -u \
  | while read -r f; do
      case $f in handover/*|*/*) ;; *.h|*.c) continue ;; esac
      [ -e "$root/$f" ] || [ -e "$inc/$f" ] || echo "$f"
    done >"$tmp/outside"
grep -ohw 'DESIGN\(\.md\)\?' "$inc"/handover/*.h* >>"$tmp/outside" || true
if [ -s "$tmp/outside" ]; then
  bad "include/ names files that are not in the repository:"
  sort -u "$tmp/outside" | sed 's/^/  /'
fi

[ "$fail" -eq 0 ] && echo "api: all checks passed"
exit "$fail"
