# Under Gramine, setrlimit(RLIMIT_CORE) and prctl(PR_SET_DUMPABLE) answer
# ENOSYS: handover starts without the "cannot disable core dumps" warning
# there, and still warns when the calls are refused (EPERM).
#   sh enosys.sh HANDOVER LIBSHIM
set -u
handover=$1 shim=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
printf 'version 1\n' >"$t/p.txt"
for e in ENOSYS EPERM; do
  HV_SHIM_ERRNO=$e ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD=$shim "$handover" policy show "$t/p.txt" >/dev/null 2>"$t/$e.err"
done
if grep -q "cannot disable core dumps" "$t/ENOSYS.err"; then
  cat "$t/ENOSYS.err" >&2
  echo "FAIL: warned about ENOSYS" >&2
  exit 1
fi
grep -q "cannot disable core dumps" "$t/EPERM.err" || { echo "FAIL: no warning on EPERM" >&2; exit 1; }
echo "core dump warning: ok"
