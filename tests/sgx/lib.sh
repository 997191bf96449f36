# Shared by the sgx shell tests: tests/cli/lib.sh's helpers, with every
# handover run as a production build (DEBUG clear unless HV_EMU_DEBUG=1)
# inside an emulated enclave, and a policy signed by the test council
# built into it. Run as
#   sh TEST.sh HANDOVER_PROD MAKE_GOV RAW_CLIENT NTS_ENV_SH LIBENCLU_EMU EMU_TI \
#      ENCLAVE_SH RUN_HANDOVER COUNCIL_SECRET
SGX_REAL=$1 SGX_LIB=$5 SGX_TI=$6 SGX_ENCLAVE=$7 SGX_COUNCIL=$9
export SGX_REAL SGX_LIB SGX_TI SGX_ENCLAVE
sgx_make_gov=$2 sgx_raw=$3 sgx_nts_env=$4
set -- "$8" "$sgx_make_gov" "$sgx_raw" "$sgx_nts_env"
# shellcheck disable=SC1091
. "$(dirname "$0")/../cli/lib.sh"

# A production worker trusts the council built into it: no --council.
gov_args() {
  echo "--policy $W/gov/policy.txt --policy-sig $W/gov/policy.sig --ca $NTSENV_DIR/ca.pem"
}
# BUILD [CPU_SECRET]: the enclave of that build on that platform.
tee_args() { echo "--tee sgx --emu-build $1 --emu-cpu ${2:-$CPU}"; }

# sgx_env N_SERVERS WINDOW_S BUILDS: cli_env, one emulated CPU, and the
# policy signed again by the built-in test council.
sgx_env() {
  cli_env "$@"
  CPU=$W/cpu-secret
  head -c 16 /dev/urandom >"$CPU" || fail "cpu secret"
  cp "$SGX_COUNCIL" "$W/council.secret" && chmod 600 "$W/council.secret" || fail "council key"
  rm -f "$W/gov/policy.sig"
  "$SGX_REAL" policy sign --key "$W/council.secret" --sig "$W/gov/policy.sig" \
    "$W/gov/policy.txt" >/dev/null || fail "signing the policy with the test council"
}

# status_of BUILD STORE [CPU]: status output in $W/status.out, exit status returned
status_of() {
  # shellcheck disable=SC2046
  "$HANDOVER" status --store "$2" $(tee_args "$1" "${3:-}") >"$W/status.out" 2>&1
}
