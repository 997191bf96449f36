# Runs a command as if inside an SGX enclave under Gramine, for tests:
#   sh enclave.sh LIBENCLU_EMU EMU_TI ATTESTATION_TYPE CMD [ARGS...]
# The enclave and CPU are the HV_EMU_* environment (tests/sgx/enclu_emu.c).
# CMD runs in a private mount namespace whose /dev is a fresh tmpfs with
# the few device nodes a process needs bound back from the real /dev, and
# Gramine's /dev/attestation (attestation_type = ATTESTATION_TYPE,
# my_target_info = the emulated enclave's), with the emulator preloaded.
# The real /dev is a devtmpfs shared with the host even in a private
# namespace: nothing is ever created in it (the tmpfs is checked first).
set -eu
lib=$1 emu_ti=$2 type=$3
shift 3
t=$(mktemp -d "${TMPDIR:-/tmp}/hv-enclave.XXXXXX")
"$emu_ti" "$t/my_target_info"
printf '%s' "$type" >"$t/attestation_type"
# The ASan runtime wants to come first; a preloaded emulator comes before it.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
# Root gets a mount namespace; anyone else a user namespace as well, where
# they are root (their files show as root's inside, as ours do outside).
userns=""
[ "$(id -u)" -eq 0 ] || userns="--user --map-root-user"
# shellcheck disable=SC2086
exec unshare $userns --mount --propagation private sh -euc '
  t=$1 lib=$2
  shift 2
  mkdir "$t/dev"
  mount --rbind /dev "$t/dev"
  mount -t tmpfs -o mode=0755,size=1m hv-enclave-dev /dev
  [ "$(stat -f -c %T /dev)" = tmpfs ] || { echo "enclave.sh: /dev is not our tmpfs" >&2; exit 1; }
  for n in null zero full random urandom tty; do
    [ -e "$t/dev/$n" ] || continue
    : >"/dev/$n"
    mount --bind "$t/dev/$n" "/dev/$n"
  done
  ln -s /proc/self/fd /dev/fd
  ln -s /proc/self/fd/0 /dev/stdin
  ln -s /proc/self/fd/1 /dev/stdout
  ln -s /proc/self/fd/2 /dev/stderr
  mkdir /dev/attestation
  cp "$t/attestation_type" "$t/my_target_info" /dev/attestation/
  umount -l "$t/dev"
  rm -rf "$t"
  exec env LD_PRELOAD="$lib" "$@"
' enclave "$t" "$lib" "$@"
