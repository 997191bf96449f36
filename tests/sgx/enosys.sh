# Under Gramine, setrlimit(RLIMIT_CORE), prctl(PR_SET_DUMPABLE), link and
# flock answer ENOSYS: handover starts without the "cannot disable core
# dumps" warning there, and still warns when the calls are refused (EPERM);
# init makes the sim platform secret and the store without link and flock
# (and a link refused otherwise is still an error).
#   sh enosys.sh HANDOVER LIBSHIM
set -u
handover=$1 shim=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
printf 'version 1\n' >"$t/p.txt"
for e in ENOSYS EPERM; do
  HV_SHIM_ERRNO=$e ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD=$shim "$handover" policy show "$t/p.txt" >/dev/null 2>"$t/$e.err"
  HV_SHIM_ERRNO=$e ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD=$shim "$handover" init --store "$t/store-$e" --tee sim \
    --platform-secret "$t/secret-$e" --create-platform-secret >"$t/init-$e.out" 2>&1
  echo $? >"$t/init-$e.rc"
done
[ "$(cat "$t/init-ENOSYS.rc")" = 0 ] || { cat "$t/init-ENOSYS.out" >&2; echo "FAIL: init without link/flock" >&2; exit 1; }
[ "$(stat -c %a:%s "$t/secret-ENOSYS")" = 600:32 ] || { echo "FAIL: the secret is not 0600, 32 bytes" >&2; exit 1; }
[ -f "$t/store-ENOSYS/identity" ] || { echo "FAIL: no identity stored" >&2; exit 1; }
[ "$(cat "$t/init-EPERM.rc")" != 0 ] || { echo "FAIL: init succeeded although link was refused" >&2; exit 1; }
grep -q "platform secret" "$t/init-EPERM.out" || { cat "$t/init-EPERM.out" >&2; echo "FAIL: EPERM not named" >&2; exit 1; }
if grep -q "cannot disable core dumps" "$t/ENOSYS.err"; then
  cat "$t/ENOSYS.err" >&2
  echo "FAIL: warned about ENOSYS" >&2
  exit 1
fi
grep -q "cannot disable core dumps" "$t/EPERM.err" || { echo "FAIL: no warning on EPERM" >&2; exit 1; }
echo "core dump warning: ok"
