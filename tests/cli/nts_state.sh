# --nts-state: the cookies survive between runs, encrypted under a key
# sealed to the build, so the host reads no NTS key and another build
# cannot use the directory; a damaged jar file costs one NTS-KE, a
# damaged key file is refused by name.
. "$(dirname "$0")/lib.sh"
# several handovers from one sender: it must not retire after the first
export HV_AFTER_HANDOVER=keep
cli_env 3 60 old,new
N=$W/nts-new

flip_byte() { # FILE OFFSET: inverts one byte in place
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

init_store old "$W/old" >/dev/null
start_serve old "$W/old"

receive new "$W/new1" --nts-state "$N" --timing || { cat "$W/receive.log" >&2; fail "receive 1"; }
expect_in "first run" "(1 queries, 3 NTS-KE handshakes)" "$W/receive.log"
[ "$(stat -c %a "$N/state-key.sealed")" = 600 ] || fail "state-key.sealed is not 0600"
[ "$(stat -c %a "$N/jars")" = 600 ] || fail "jars is not 0600"
[ "$(head -c 4 "$N/jars")" = HVTE ] || fail "jars is not the encrypted format"
grep -q "127.0.0.1" "$N/jars" && fail "the server names show in the encrypted jars"

receive new "$W/new2" --nts-state "$N" --timing || { cat "$W/receive.log" >&2; fail "receive 2"; }
# At most one handshake: a server still in NTS-KE when the first two
# agreed was abandoned (the verdict was settled) before it got cookies.
expect_in "second run uses the saved cookies" "(1 queries, [01] NTS-KE handshakes)" "$W/receive.log"

# Another build cannot open the key: it is refused before anything runs.
# shellcheck disable=SC2046
if "$HANDOVER" receive --from "$SOCK" --store "$W/other" $(gov_args) $(tee_args old) \
     --nts-state "$N" >"$W/other.log" 2>&1; then
  fail "the old build used the new build's --nts-state"
fi
expect_in "other build" "state-key.sealed does not open for this build" "$W/other.log"

# The directory and the key file must be ours alone: a link (it could be
# swapped) or a key file others may write are refused by name.
ln -s "$N" "$W/nts-link"
if receive new "$W/via-link" --nts-state "$W/nts-link"; then fail "a linked --nts-state was used"; fi
expect_in "linked dir" "is a symbolic link" "$W/receive.log"
chmod 644 "$N/state-key.sealed"
if receive new "$W/open-key" --nts-state "$N"; then fail "a 0644 key file was used"; fi
expect_in "open key file" "state-key.sealed is not a private file of ours" "$W/receive.log"
chmod 600 "$N/state-key.sealed"

# A damaged jar file is only a cache: one more NTS-KE, then all is well.
flip_byte "$N/jars" 40
receive new "$W/new3" --nts-state "$N" --timing || { cat "$W/receive.log" >&2; fail "receive 3"; }
expect_in "damaged jars" "(1 queries, 3 NTS-KE handshakes)" "$W/receive.log"

# A damaged key file is named, and nothing is replaced behind our back.
before=$(sha256sum <"$N/state-key.sealed")
flip_byte "$N/state-key.sealed" 60
damaged=$(sha256sum <"$N/state-key.sealed")
if receive new "$W/new4" --nts-state "$N"; then fail "a damaged state key was accepted"; fi
expect_in "damaged key" "state-key.sealed does not open for this build" "$W/receive.log"
[ "$(sha256sum <"$N/state-key.sealed")" = "$damaged" ] || fail "the damaged key file was replaced"
[ "$before" != "$damaged" ] || fail "the test did not change the key file"
[ ! -e "$W/new4" ] || [ -z "$(identity new "$W/new4")" ] || fail "a store was made without trusted time"
echo "nts-state: ok"
