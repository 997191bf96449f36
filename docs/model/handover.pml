/* A model of the handover exchange (docs/PROTOCOL.md, with the
 * authenticated DONE and the retiring sender of issue 11), for spin.
 * README.md beside this file says what it covers and what it abstracts;
 * tests/model/run.sh checks it and its mutants.
 *
 * One sender, four receivers of different builds (five with TWO_NEWER:
 * two enclaves of the newer build, each with its own store), and a host that is the
 * network and the scheduler: every message ever sent stays in its hands,
 * and each step below is one thing the host chooses to do next. It can
 * therefore drop (never deliver), duplicate and replay (deliver again),
 * reorder (deliver in any order), connect any receiver to any challenge,
 * forge whatever it can build from what it has seen, restart either side
 * at any step (also half-way through a retirement), and roll the sender's
 * store back to a state it had before.
 *
 * Cryptography is perfect and the TEE is trusted: a report can only be
 * made by the enclave it names, verifies only at the build it targets,
 * and binds exactly the data its maker put in it; a ciphertext opens only
 * with the private half of the ephemeral key it was sealed to; an
 * authenticated DONE can only be made by the enclave that opened the KEY.
 *
 * Mutants: each -D macro below removes one check, so that the property it
 * guards must fail (tests/model/run.sh insists on the counterexample).
 *   NO_POLICY_CHECK   sender: receiver's build listed and newer   -> P1
 *   NO_DEBUG_CHECK    sender: receiver's report DEBUG bit         -> P1
 *   NO_RESP_BINDING   sender: RESPONSE report binds challenge, R  -> P1
 *   NO_USED           sender: challenge used once                 -> P2
 *   NO_RETIRED_CHECK  sender: no KEY once retiring (same run; both
 *                     the retired flag and the claim kept for good)  -> P3
 *   NO_TOMB_CHECK     sender: a store with a tombstone never serves -> P3
 *   NO_KEY_BINDING    receiver: KEY report binds its transcript   -> P4
 *   NO_DONE_AUTH      sender: DONE authenticated                  -> P5
 * and two limits, whose counterexamples the suite insists on:
 *   TWO_NEWER           a second enclave of the newer build: P6 fails (a
 *                       dropped DONE leaves a copy: README); SKIP_P6 then
 *                       checks that P1-P5 still hold with it;
 *   ROLLBACK_WHOLE_DIR  the host restores a copy of the whole store from
 *                       before the retirement (undetectable by the store
 *                       today, README "Rollback"): P3 fails; SKIP_P3 then
 *                       checks that P1, P2, P4 and P5 still hold. */

#define NEWER    0   /* listed, added to the policy after the sender's build */
#define OLDER    1   /* listed, added before the sender's build */
#define UNLISTED 2   /* not in the policy */
#define DEV      3   /* NEWER's measurement, launched as a debug enclave */
#ifdef TWO_NEWER
#define NRECV    5   /* and a second enclave of the newer build, with its own store */
#define BUILD(i) ((i) == 4 -> NEWER : (i))
#else
#define NRECV    4
#define BUILD(i) (i)
#endif
#define HOST   255   /* an ephemeral key the host made (it holds the private half) */

/* The bounds (each can be raised with -D, at the cost of states). */
#ifndef MAXCH
#define MAXCH    3   /* challenges the sender issues in all (fresh nonces) */
#endif
#ifndef MAXRS
#define MAXRS    3   /* RESPONSE messages in all, the receivers' and the host's */
#endif
#define MAXFRS   1   /* of which the host forged */
#define MAXFKEY  1   /* KEY messages the host forges */
/* KEY messages in all: one per challenge at most (P2) and the forged ones,
   so the sender never finds this table full in a model where P2 holds. */
#define MAXKEY   (MAXCH + MAXFKEY)

/* The sender's store: what survives a restart, and what the host can roll
 * back. Its states, in the order a retirement writes them. */
#define ST_KEY   0   /* sealed secret, no tombstone: serving */
#define ST_TOMB  1   /* tombstone written, secret not yet wiped */
#define ST_GONE  2   /* tombstone, secret wiped: retired */
byte st = ST_KEY;
bool had[3];         /* the states the store has had (a rollback goes to one) */

/* The sender in memory: lost on a restart. */
bool s_key = 1;      /* holds the secret and serves */
bool s_retired;      /* its retirement began in this run */
byte nch;            /* challenges issued so far; nonces are never reused */
bool ch_open[MAXCH]; /* in this run's table of open challenges */
bool ch_used[MAXCH];
bool key_for[MAXRS]; /* this run sent a KEY for that RESPONSE (its connection) */
/* One KEY awaits its DONE at a time (issue 11's sender: a RESPONSE claims
   the right to the KEY, handover-in-progress otherwise): the RESPONSE whose
   connection holds the claim, until that connection ends (the host's
   choice) or for good once retired. */
#define NOCLAIM 255
byte claim = NOCLAIM;

/* RESPONSE messages. A receiver's response r introduces the ephemeral key
 * named r; its report binds the challenge and that key. */
byte nrs;
byte nfrs;
byte rs_ch[MAXRS];   /* the challenge it echoes */
byte rs_R[MAXRS];    /* the ephemeral key it carries: a response's, or HOST */
byte rs_rep[MAXRS];  /* the receiver whose report it carries */
byte rs_bind[MAXRS]; /* the response whose challenge and key that report binds */

/* KEY messages. */
byte nkey;
byte nfkey;
bool k_gen[MAXKEY];  /* made by the sender (else forged by the host) */
byte k_resp[MAXKEY]; /* the RESPONSE whose transcript its report binds */
byte k_tgt[MAXKEY];  /* the build its report is targeted at */
byte k_ct[MAXKEY];   /* the ephemeral key its ciphertext is sealed to */
bool k_real[MAXKEY]; /* the ciphertext holds the identity secret, else a
                        key the host made (and the identity it announces) */

bool done_auth[MAXRS]; /* the receiver of that response sent its authenticated DONE */

/* Receivers. Receiver i is of build BUILD(i). */
bool r_wait[NRECV];    /* sent a RESPONSE, awaits the KEY */
byte r_resp[NRECV];    /* the response of the exchange it is in */
byte r_stored[NRECV];  /* 0 nothing, 1 the identity secret, 2 a host key */

/* Ghosts: what the properties speak of. */
byte ch_keys[MAXCH];   /* KEYs the sender sent under each challenge */
bool tomb_ever;        /* a tombstone was ever written */

/* Scratch for one step; every step sets them back to 0, so they add no
   states (not "hidden": a breadth-first search refuses hidden variables). */
byte r, c, k, j, i;
bool ok, auth;

/* A property is asserted through a variable named after it, so that a
   violation names the property (spin prints the asserted expression);
   0 between steps. */
bool P1_secret_only_to_a_listed_newer_production_build;
bool P2_every_challenge_answered_at_most_once;
bool P3_no_key_after_retirement;
bool P4_stored_key_bound_to_own_response;
bool P5_retires_only_once_a_newer_build_holds_the_key;
bool P6_key_stored_by_one_receiver_at_most;
#define PROPERTY(name, e) name = (e); assert(name); name = 0

/* Printed only when spin replays a counterexample (spin -t), never while
   it verifies. */
#define STEP(...) printf(__VA_ARGS__)

/* The owner of an ephemeral key: the receiver that made it, or the host. */
#define OWNER(R) ((R) == HOST -> HOST : rs_rep[R])
#define OWNER_BUILD(R) ((R) == HOST -> HOST : BUILD(rs_rep[R]))

inline sender_restart() {
  for (j : 0 .. MAXCH - 1) { ch_open[j] = 0; ch_used[j] = 0 }
  for (j : 0 .. MAXRS - 1) { key_for[j] = 0 }
  s_retired = 0;
  claim = NOCLAIM;
#ifdef NO_TOMB_CHECK
  s_key = (st != ST_GONE);
#else
  s_key = (st == ST_KEY);
#endif
  j = 0
}

inline sender_key(r) {
  STEP("sender: KEY %d for RESPONSE %d (challenge %d), sealed to key %d\n",
       nkey, r, rs_ch[r], rs_R[r]);
  /* P1: the identity secret only ever goes to a production enclave of a
     build the policy lists as newer than the sender's (sealed to an
     ephemeral key whose private half only such an enclave holds). */
  PROPERTY(P1_secret_only_to_a_listed_newer_production_build,
           OWNER_BUILD(rs_R[r]) == NEWER);
  /* P2: every challenge is answered (with a KEY) at most once. */
  ch_keys[rs_ch[r]]++;
  PROPERTY(P2_every_challenge_answered_at_most_once, ch_keys[rs_ch[r]] <= 1);
#ifndef SKIP_P3
  /* P3: once a tombstone was written (the retirement after an
     authenticated DONE began) the sender never sends a KEY again. */
  PROPERTY(P3_no_key_after_retirement, !tomb_ever);
#endif
  k_gen[nkey] = 1;
  k_resp[nkey] = r;
  k_tgt[nkey] = BUILD(rs_rep[r]);   /* targeted at the build that reported */
  k_ct[nkey] = rs_R[r];
  k_real[nkey] = 1;
  nkey++;
  key_for[r] = 1;
  claim = r
}

inline sender_response(r) {
  c = rs_ch[r];
  ok = s_key;
#ifndef NO_RETIRED_CHECK
  ok = ok && !s_retired;
#endif
  ok = ok && claim == NOCLAIM;           /* handover-in-progress */
  ok = ok && ch_open[c];                 /* challenge-unknown */
#ifndef NO_USED
  ok = ok && !ch_used[c];                /* challenge-replayed */
#endif
  if
  :: ok -> ch_used[c] = 1                /* used, whatever follows */
  :: else -> skip
  fi;
#ifndef NO_RESP_BINDING
  ok = ok && rs_bind[r] == r;            /* report-data-binding */
#endif
#ifndef NO_DEBUG_CHECK
  ok = ok && BUILD(rs_rep[r]) != DEV;    /* dev-mode-mismatch */
#endif
#ifndef NO_POLICY_CHECK
  /* receiver-not-in-policy, receiver-not-newer: on the measurement,
     which DEV shares with NEWER */
  ok = ok && (BUILD(rs_rep[r]) == NEWER || BUILD(rs_rep[r]) == DEV);
#endif
  if
  :: ok && nkey < MAXKEY -> sender_key(r)
  :: else -> STEP("sender: RESPONSE %d refused\n", r)
  fi;
  c = 0; ok = 0
}

inline sender_done(r, auth) {
  ok = s_key && !s_retired && key_for[r];  /* unexpected-message */
#ifndef NO_DONE_AUTH
  ok = ok && auth;                         /* DONE not authenticated */
#endif
  if
  :: ok ->
     /* P5: a retirement begins only when a production enclave of a newer
        build holds the identity secret: the key moved, it was not lost. */
     PROPERTY(P5_retires_only_once_a_newer_build_holds_the_key,
              r_stored[NEWER] == 1 || r_stored[NRECV - 1] == 1 && BUILD(NRECV - 1) == NEWER);
     STEP("sender: DONE for RESPONSE %d (authenticated %d): tombstone\n", r, auth);
     st = ST_TOMB; had[ST_TOMB] = 1; tomb_ever = 1; s_retired = 1
  :: else -> STEP("sender: DONE for RESPONSE %d refused\n", r)
  fi;
  ok = 0
}

inline receiver_challenge(i, c) {
  /* The CHALLENGE's kind and dev mode are claims the host can change, so
     every receiver answers. */
  STEP("receiver %d: RESPONSE %d to challenge %d\n", i, nrs, c);
  rs_ch[nrs] = c;
  rs_R[nrs] = nrs;
  rs_rep[nrs] = i;
  rs_bind[nrs] = nrs;
  r_resp[i] = nrs;
  r_wait[i] = 1;
  nrs++
}

inline receiver_key(i, k) {
  ok = (k_tgt[k] == BUILD(i));               /* report-mac */
#ifndef NO_KEY_BINDING
  ok = ok && k_gen[k] && k_resp[k] == r_resp[i];  /* report-data-binding */
#endif
  ok = ok && BUILD(i) != DEV;                /* dev-mode-mismatch (sender is production) */
  ok = ok && k_ct[k] == r_resp[i];           /* decryption-failed */
  if
  :: ok ->
     /* P4: a receiver stores only a key whose KEY message was bound (by
        the sender's report, through the transcript) to its own RESPONSE. */
     PROPERTY(P4_stored_key_bound_to_own_response,
              k_gen[k] && k_resp[k] == r_resp[i]);
     STEP("receiver %d: stores the key of KEY %d (identity secret %d), DONE\n",
          i, k, k_real[k]);
#if defined(TWO_NEWER) && !defined(SKIP_P6)
     /* P6: the identity secret is stored by one receiver at most: the key
        moves, it is not copied. Expected to FAIL, one KEY at a time or
        not: a host that drops the DONE of the first receiver (which stored
        the key) and ends its connection leaves the sender unretired, and
        it serves the second (README). */
     PROPERTY(P6_key_stored_by_one_receiver_at_most,
              !k_real[k] || r_stored[NEWER] != 1 || i == NEWER);
#endif
     r_stored[i] = (k_real[k] -> 1 : 2);
     done_auth[r_resp[i]] = 1;
     r_wait[i] = 0; r_resp[i] = 0
  :: else -> STEP("receiver %d: KEY %d refused\n", i, k)
  fi;
  ok = 0
}

active proctype host() {
  had[ST_KEY] = 1;
  do
  /* a HELLO reaches the sender */
  :: atomic { s_key && !s_retired && nch < MAXCH ->
       STEP("sender: CHALLENGE %d\n", nch); ch_open[nch] = 1; nch++ }
  /* any challenge reaches any idle receiver, which answers it */
  :: atomic { nch > 0 && nrs < MAXRS ->
       select(i : 0 .. NRECV - 1); select(c : 0 .. MAXCH - 1);
       if
       :: !r_wait[i] && c < nch -> receiver_challenge(i, c)
       :: else -> skip
       fi;
       i = 0; c = 0 }
  /* the host forges a RESPONSE: a receiver's report, its own key in it */
  :: atomic { nrs > 0 && nrs < MAXRS && nfrs < MAXFRS ->
       select(r : 0 .. MAXRS - 1);
       if
       :: r < nrs && rs_bind[r] == r ->
          STEP("host: forges RESPONSE %d from %d with its own key\n", nrs, r);
          rs_ch[nrs] = rs_ch[r]; rs_R[nrs] = HOST; rs_rep[nrs] = rs_rep[r];
          rs_bind[nrs] = r; nrs++; nfrs++
       :: else -> skip
       fi;
       r = 0 }
  /* any RESPONSE reaches the sender, again and again */
  :: atomic { nrs > 0 ->
       select(r : 0 .. MAXRS - 1);
       if
       :: r < nrs -> sender_response(r)
       :: else -> skip
       fi;
       r = 0 }
  /* any KEY reaches any receiver awaiting one */
  :: atomic { nkey > 0 ->
       select(i : 0 .. NRECV - 1); select(k : 0 .. MAXKEY - 1);
       if
       :: r_wait[i] && k < nkey -> receiver_key(i, k)
       :: else -> skip
       fi;
       i = 0; k = 0 }
  /* the host forges a KEY: a report from a sender's KEY, a ciphertext of a
     key it made, sealed to a receiver's ephemeral key */
  :: atomic { nkey > 0 && nkey < MAXKEY && nfkey < MAXFKEY ->
       select(k : 0 .. MAXKEY - 1); select(r : 0 .. MAXRS - 1);
       if
       :: k < nkey && k_gen[k] && r < nrs && rs_bind[r] == r ->
          STEP("host: forges KEY %d: report of KEY %d, a host key sealed to %d\n",
               nkey, k, r);
          k_gen[nkey] = 0; k_resp[nkey] = k_resp[k]; k_tgt[nkey] = k_tgt[k];
          k_ct[nkey] = r; k_real[nkey] = 0; nkey++; nfkey++
       :: else -> skip
       fi;
       k = 0; r = 0 }
  /* a DONE reaches the sender: a receiver's, or one the host made up */
  :: atomic { nrs > 0 ->
       select(r : 0 .. MAXRS - 1);
       if
       :: r < nrs && done_auth[r] -> auth = 1
       :: r < nrs -> auth = 0
       :: else -> r = MAXRS
       fi;
       if
       :: r < MAXRS -> sender_done(r, auth)
       :: else -> skip
       fi;
       r = 0; auth = 0 }
  /* the host ends the connection that holds the claim (before its DONE) */
#ifdef NO_RETIRED_CHECK
  :: atomic { claim != NOCLAIM ->        /* even once retiring */
#else
  :: atomic { claim != NOCLAIM && !s_retired ->
#endif
       STEP("host: closes the connection of RESPONSE %d\n", claim);
       key_for[claim] = 0; claim = NOCLAIM }
  /* the second step of the retirement: the secret is wiped */
  :: atomic { s_retired && st == ST_TOMB ->
       STEP("sender: secret wiped, retired\n");
       st = ST_GONE; had[ST_GONE] = 1; s_key = 0 }
  /* the host restarts the sender (kill -9, power loss): it reloads its store */
  :: atomic { sender_restart(); STEP("host: restarts the sender (store %d)\n", st) }
  /* the host restarts a receiver: its ephemeral key is gone */
  :: atomic { select(i : 0 .. NRECV - 1); STEP("host: restarts receiver %d\n", i);
       r_wait[i] = 0; r_resp[i] = 0; i = 0 }
  /* the host rolls the sender's store back to a state it had. The store
     refuses to cross its tombstone (assumption of the default model: see
     README), unless ROLLBACK_WHOLE_DIR. Taken in at the next restart. */
  :: atomic { select(j : 0 .. 2);
       if
#ifdef ROLLBACK_WHOLE_DIR
       :: had[j] -> st = j; STEP("host: rolls the store back to %d\n", j)
#else
       :: had[j] && (j != ST_KEY || !tomb_ever) ->
          st = j; STEP("host: rolls the store back to %d\n", j)
#endif
       :: else -> skip
       fi;
       j = 0 }
  od
}
