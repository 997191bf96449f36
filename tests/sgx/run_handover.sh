#!/bin/sh
# handover as the sgx tests run it: `run_handover.sh [--emu-build NAME]
# [--emu-cpu FILE] ARGS...` runs the production test build
# ($SGX_REAL) with ARGS inside an emulated enclave (enclave.sh) whose
# MRENCLAVE is the one make_gov lists for build NAME and whose CPU base key
# is FILE; the rest of the enclave (DEBUG, CPUSVN, ...) is the caller's
# HV_EMU_* environment, attestation_type is $HV_EMU_TYPE (default dcap).
# Without --emu-build it runs outside any enclave (policy commands).
set -eu
build="" cpu=""
n=$#
while [ "$n" -gt 0 ]; do
  a=$1
  shift
  n=$((n - 1))
  case $a in
    --emu-build|--emu-cpu)
      [ "$n" -gt 0 ] || { echo "run_handover.sh: $a needs a value" >&2; exit 2; }
      if [ "$a" = --emu-build ]; then build=$1; else cpu=$1; fi
      shift
      n=$((n - 1)) ;;
    *) set -- "$@" "$a" ;;
  esac
done
[ -n "$build" ] || exec "$SGX_REAL" "$@"
HV_EMU_MRENCLAVE=$(printf 'handover-sim-build:%s' "$build" | sha256sum | cut -c1-64)
HV_EMU_SECRET=$cpu
export HV_EMU_MRENCLAVE HV_EMU_SECRET
exec sh "$SGX_ENCLAVE" "$SGX_LIB" "$SGX_TI" "${HV_EMU_TYPE:-dcap}" "$SGX_REAL" "$@"
