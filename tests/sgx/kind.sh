# Gramine without remote attestation says attestation_type "none": the
# enclave is still an SGX enclave and local attestation works, so the
# backend opens as kind sgx-local, and two such enclaves hand over. The
# kind travels in the CHALLENGE and must be the sender's: a receiver
# configured for dcap is refused (attestation-kind-mismatch).
. "$(dirname "$0")/lib.sh"
# the old store goes on after its handover here: it must not retire
export HV_AFTER_HANDOVER=keep
sgx_env 3 60 old,new
HV_EMU_TYPE=none
export HV_EMU_TYPE

pub=$(init_store old "$W/old")
status_of old "$W/old" || { cat "$W/status.out" >&2; fail "status under attestation_type none"; }
expect_in status "tee             sgx-local$" "$W/status.out"
start_serve old "$W/old"
receive new "$W/new" || { cat "$W/receive.log" >&2; fail "receive with attestation_type none"; }
[ "$(identity new "$W/new")" = "$pub" ] || fail "the new store does not hold the identity"

HV_EMU_TYPE=dcap
receive new "$W/dcap" && fail "a dcap receiver took a key from a sgx-local sender"
expect_in "kind mismatch" "attestation-kind-mismatch" "$W/receive.log"
[ -z "$(identity new "$W/dcap")" ] || fail "the dcap receiver stored a key"
stop_serve
echo "sgx attestation kind: ok"
