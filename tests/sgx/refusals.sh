# The refusals of a production sgx handover, each flipping one condition
# against the working setup of happy.sh: another platform (another
# emulated CPU: the report MAC fails), a build the policy does not list, a
# debug receiver (the attested DEBUG bit), a debug sender, and a
# production build's store opened by a debug launch of that build (the
# DEBUG attribute changes the seal key). After each the receiver's store
# holds nothing and the sender still holds its key.
. "$(dirname "$0")/lib.sh"
sgx_env 3 60 old,new

pub=$(init_store old "$W/old")
start_serve old "$W/old"

# refused RECEIVE_BUILD NAME STORE [SENDER_LOG]: receive fails naming
# NAME, and the sender's log says SENDER_LOG (default: it refused NAME)
refused() {
  build=$1 name=$2 store=$3 said=${4:-refused.*$2}
  receive "$build" "$store" && fail "$name: receive succeeded"
  expect_in "$name (receiver)" "$name" "$W/receive.log"
  expect_in "$name (sender log)" "$said" "$W/serve.log"
  [ -z "$(identity "$build" "$store")" ] || fail "$name: the receiver stored a key"
  echo "refused as $name: ok"
}

# 1. Another platform: an allowed build on another CPU (base key).
HOME_CPU=$CPU
CPU=$W/other-cpu
head -c 16 /dev/urandom >"$CPU"
refused new report-mac "$W/other"
CPU=$HOME_CPU

# 2. A build the policy does not list.
refused rogue receiver-not-in-policy "$W/rogue"

# 3. A debug receiver: the listed build, launched with DEBUG set. Its own
# DEBUG bit makes it dev mode, which the production CHALLENGE does not
# match: it gives up and tells the sender (error 28).
HV_EMU_DEBUG=1
export HV_EMU_DEBUG
refused new dev-mode-mismatch "$W/debug" "receiver gave up: error 28: dev-mode-mismatch"
unset HV_EMU_DEBUG

# The working receiver, unchanged: the refusals were each one condition.
receive new "$W/new" || { cat "$W/receive.log" >&2; fail "receive failed"; }
[ "$(identity new "$W/new")" = "$pub" ] || fail "the new store does not hold the identity"
[ "$(identity old "$W/old")" = "$pub" ] || fail "the sender lost its key"
stop_serve

# 4. A debug launch of the production build that sealed the store: EGETKEY
# mixes DEBUG into the seal key, and the refusal says so.
HV_EMU_DEBUG=1
export HV_EMU_DEBUG
status_of old "$W/old" && fail "a debug launch unsealed the production store"
expect_in "debug launch" "sealed by this build under the other DEBUG attribute" "$W/status.out"
unset HV_EMU_DEBUG
status_of old "$W/old" || { cat "$W/status.out" >&2; fail "the production launch lost its store"; }
echo "refused as other DEBUG attribute: ok"

# 5. A debug sender: a debug launch of the listed build, with its own
# (debug-sealed) store, meets a production receiver, which refuses its
# CHALLENGE (dev-mode-mismatch) and stores nothing.
HV_EMU_DEBUG=1
export HV_EMU_DEBUG
init_store old "$W/debug-old" >/dev/null
start_serve old "$W/debug-old"
unset HV_EMU_DEBUG
receive new "$W/from-debug" && fail "a production receiver took a key from a debug sender"
expect_in "debug sender" "dev-mode-mismatch" "$W/receive.log"
[ -z "$(identity new "$W/from-debug")" ] || fail "debug sender: the receiver stored a key"
stop_serve
echo "refused a debug sender: ok"
