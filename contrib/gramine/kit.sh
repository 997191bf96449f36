#!/bin/sh
# Builds one release of the handover worker as a Gramine SGX enclave:
# renders handover-worker.manifest.template, signs it and prints the
# policy `runtime` line of the release (see README.md).
#
#   sh kit.sh test-key KEY.pem     make a signing key (tests and trials only)
#   sh kit.sh build [options]      render, sign, print the runtime line
#
# build options (all paths absolute; they are part of the measurement):
#   --worker FILE       the handover-worker binary of this release
#   --conf-dir DIR      the release's configuration (trusted: every file in
#                       it is measured); DIR/worker.conf is the worker's
#                       configuration, which the manifest's loader.argv names
#   --policy-dir DIR    where policy.txt and policy.sig live (untrusted)
#   --state-dir DIR     the store, NTS state and chain head (untrusted)
#   --key FILE          the enclave signing key (RSA-3072, exponent 3)
#   --out DIR           where the manifest, .manifest.sgx and .sig go
#   --seq N             the runtime's sequence number in the policy
#   --isv-prod-id N     SGX ISVPRODID (default 1)
#   --isv-svn N         SGX ISVSVN (default 1; raise it with every release)
#   --ca FILE           the CA bundle for the NTS servers
#                       (default /etc/ssl/certs/ca-certificates.crt)
#   --log-level L       Gramine's log level (default error; others leak)
#   --direct-sim FILE   tests only: also write handover-worker.direct.manifest
#                       for gramine-direct (no SGX): the same manifest, with
#                       a copy of the configuration (OUT/direct-conf/) whose
#                       worker.conf adds tee = sim, platform secret FILE (a
#                       path inside the enclave) and the signed measurement
set -eu
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
NAME=handover-worker

die() { echo "kit.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found (install Gramine >= 1.8 and put its bin/ on PATH)"; }
abs() { case $2 in /*) ;; *) die "$1 must be an absolute path, not '$2'" ;; esac; }
num() { case $2 in ''|*[!0-9]*) die "$1 must be a number in 0..65535, not '$2'" ;; esac
        [ "$2" -le 65535 ] || die "$1 must be a number in 0..65535, not '$2'"; }

# The libraries the worker loads, split into the ones Gramine's own glibc
# provides (taken from its runtime directory, never from the host) and the
# rest (OpenSSL, libhandover, ...), which come from the host, measured.
split_libs() {
  runtime_libs='' host_libs=''
  for lib in $(ldd "$worker" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
    base=${lib##*/}
    if [ -e "$runtime/$base" ]; then
      runtime_libs="$runtime_libs $base"
    else
      # NAME=REALPATH: mounted under the name the loader asks for
      # (the soname), measured at the file it resolves to.
      host_libs="$host_libs $base=$(readlink -f "$lib")"
    fi
  done
  # The dynamic loader (PT_INTERP) and libc always come from the runtime.
  for base in ld-linux-x86-64.so.2 libc.so.6; do
    case " $runtime_libs " in *" $base "*) ;; *) runtime_libs="$runtime_libs $base" ;; esac
  done
}

# render OUT CONF_DIR: the manifest with the given configuration directory
render() {
  out_manifest=$1
  gramine-manifest \
    -Dworker="$worker" -Dconf_dir="$2" -Dpolicy_dir="$policy_dir" \
    -Dstate_dir="$state_dir" -Dca_bundle="$ca" -Dlog_level="$log_level" \
    -Disv_prod_id="$isv_prod_id" -Disv_svn="$isv_svn" \
    -Druntime_libs="$runtime_libs" -Dhost_libs="$host_libs" \
    "$HERE/$NAME.manifest.template" "$out_manifest" ||
    die "gramine-manifest failed on $HERE/$NAME.manifest.template"
  gramine-manifest-check "$out_manifest" >/dev/null || die "gramine-manifest-check refused $out_manifest"
}

build() {
  worker='' conf_dir='' policy_dir='' state_dir='' key='' out='' seq=''
  isv_prod_id=1 isv_svn=1 ca=/etc/ssl/certs/ca-certificates.crt log_level=error direct=''
  while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "$1 needs a value"
    case $1 in
      --worker) worker=$2 ;; --conf-dir) conf_dir=$2 ;; --policy-dir) policy_dir=$2 ;;
      --state-dir) state_dir=$2 ;; --key) key=$2 ;; --out) out=$2 ;; --seq) seq=$2 ;;
      --isv-prod-id) isv_prod_id=$2 ;; --isv-svn) isv_svn=$2 ;; --ca) ca=$2 ;;
      --log-level) log_level=$2 ;; --direct-sim) direct=$2 ;;
      *) die "unknown option '$1' (see the comment at the top of kit.sh)" ;;
    esac
    shift 2
  done
  for v in worker conf_dir policy_dir state_dir key out seq; do
    eval "[ -n \"\$$v\" ]" || die "--$(echo "$v" | tr _ -) is required"
  done
  for v in worker conf_dir policy_dir state_dir key out ca; do
    eval "abs --$(echo "$v" | tr _ -) \"\$$v\""
  done
  num --isv-prod-id "$isv_prod_id"
  num --isv-svn "$isv_svn"
  case $seq in ''|0|0*|*[!0-9]*) die "--seq must be a number from 1, not '$seq'" ;; esac
  [ -x "$worker" ] || die "--worker $worker is not an executable"
  [ -f "$conf_dir/worker.conf" ] || die "$conf_dir/worker.conf is missing"
  # A release runs the sgx backend; sim settings are for --direct-sim.
  if grep -Eq '^[[:space:]]*(tee|platform_secret|mr_enclave|build_name|mr_signer|isv_prod_id|isv_svn)[[:space:]]*=' \
       "$conf_dir/worker.conf"; then
    die "$conf_dir/worker.conf sets the TEE: a release runs the sgx backend (--direct-sim is for tests)"
  fi
  [ -d "$policy_dir" ] || die "--policy-dir $policy_dir is not a directory"
  [ -d "$state_dir" ] || die "--state-dir $state_dir is not a directory"
  [ -f "$ca" ] || die "--ca $ca is not a file"
  [ -f "$key" ] || die "--key $key is missing (sh kit.sh test-key FILE makes one for tests)"
  need gramine-manifest
  need gramine-sgx-sign
  need gramine-sgx-sigstruct-view
  # Gramine's glibc, as gramine-manifest itself resolves it.
  runtime=$(printf 'r = "{{ gramine.runtimedir() }}"\n' | gramine-manifest --no-check - - |
            sed -n 's/^r = "\(.*\)"$/\1/p')
  [ -d "$runtime" ] || die "cannot find Gramine's runtime directory"
  split_libs
  mkdir -p "$out"

  render "$out/$NAME.manifest" "$conf_dir"
  # A fixed date: the signature then depends on the inputs alone.
  gramine-sgx-sign --quiet --key "$key" --manifest "$out/$NAME.manifest" \
    --output "$out/$NAME.manifest.sgx" --sigfile "$out/$NAME.sig" --date 0000-00-00 >/dev/null ||
    die "gramine-sgx-sign failed"
  view=$(gramine-sgx-sigstruct-view --output-format json "$out/$NAME.sig") ||
    die "gramine-sgx-sigstruct-view failed"
  field() { printf '%s\n' "$view" | sed -n "s/^ *\"$1\": \"*\([0-9a-f]*\)\"*,*$/\1/p"; }
  mr_enclave=$(field mr_enclave) mr_signer=$(field mr_signer)
  [ ${#mr_enclave} -eq 64 ] && [ ${#mr_signer} -eq 64 ] || die "cannot read the measurement of $out/$NAME.sig"
  echo "runtime seq=$seq mr_enclave=$mr_enclave mr_signer=$mr_signer" \
       "isv_prod_id=$(field isv_prod_id) isv_svn=$(field isv_svn)"

  if [ -n "$direct" ]; then
    rm -rf "$out/direct-conf"
    cp -R "$conf_dir" "$out/direct-conf" || die "copying $conf_dir failed"
    printf '%s\n' "# gramine-direct has no SGX: the sim TEE with the signed measurement" \
      "tee = sim" "platform_secret = $direct" "mr_enclave = $mr_enclave" \
      "mr_signer = $mr_signer" "isv_prod_id = $isv_prod_id" "isv_svn = $isv_svn" \
      >>"$out/direct-conf/worker.conf"
    render "$out/$NAME.direct.manifest" "$out/direct-conf"
  fi
}

case ${1:-} in
  test-key)
    [ $# -eq 2 ] || die "usage: kit.sh test-key KEY.pem"
    need gramine-sgx-gen-private-key
    gramine-sgx-gen-private-key --quiet "$2" || die "gramine-sgx-gen-private-key failed"
    ;;
  build) shift; build "$@" ;;
  *) die "usage: kit.sh test-key KEY.pem | kit.sh build OPTIONS (see the top of kit.sh)" ;;
esac
