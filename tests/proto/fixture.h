/* The world the protocol tests run in: real sim enclaves on a platform
 * secret written by the test (so reports are reproducible), the old build
 * (sender) and the new build (receiver), a third build and the new build
 * on another platform, a deterministic random stream, fixed times, and
 * helpers that build messages flipping exactly one condition. */
#ifndef HANDOVER_TESTS_PROTO_FIXTURE_H
#define HANDOVER_TESTS_PROTO_FIXTURE_H

#include <limits.h>

#include "handover/proto.h"
#include "proto/exchange.h"

#define FX_T0 1800000000000ULL         /* 2027-01-15, ms */
#define FX_WINDOW 60000ULL             /* DESIGN: 60 s */
#define FX_LAG (7ULL * 24 * 3600 * 1000) /* DESIGN: 7 days */
#define FX_POLICY_VERSION 3

/* A deterministic byte stream: SHA-256(label || counter) blocks. */
typedef struct {
  char label[32];
  uint32_t counter;
} fx_rng;
int fx_random(void *ctx, uint8_t *out, size_t len);

/* A real enclave that may claim another kind or dev mode. */
typedef struct {
  hv_tee *tee;
  int kind;     /* 0: the enclave's own */
  int dev_mode; /* -1: the enclave's own, else 0 or 1 */
  /* Non-NULL: a production launch. Its reports have DEBUG clear and are
   * MACed again (fx_set_debug) for this enclave, the one they target. */
  hv_tee *production_for;
} fx_wrap;
extern const hv_proto_tee_ops fx_wrap_ops;

typedef struct {
  char dir[PATH_MAX];
  char secret_a[PATH_MAX + 32]; /* this machine */
  char secret_b[PATH_MAX + 32]; /* another machine */
  hv_tee *old_tee, *new_tee, *third_tee, *new_on_b, *old_on_b;
  hv_tee_measurement old_m, new_m, third_m;
  fx_wrap sender_wrap, receiver_wrap;
  fx_rng sender_rng, receiver_rng;
  hv_proto_runtime runtimes[3]; /* old (added 1), new (2), third (3) */
  hv_proto_params sender_params, receiver_params;
  uint8_t identity_secret[HV_PROTO_SECRET_LEN];
  uint8_t identity_pub[HV_PROTO_KEY_LEN];
  hv_proto_chain_head head; /* one hour before FX_T0 */
} fx_world;

/* 0 on success. */
int fx_open(fx_world *w);
void fx_close(fx_world *w);

void fx_sender_config(fx_world *w, hv_proto_config *cfg);
void fx_receiver_config(fx_world *w, hv_proto_config *cfg);

typedef struct {
  uint8_t b[HV_PROTO_MAX_MSG_LEN];
  size_t n;
} fx_msg;

/* One exchange in progress, driven message by message. */
typedef struct {
  hv_proto_sender *sender;
  hv_proto_receiver *receiver;
  fx_msg hello, challenge, response, key, done;
} fx_run;

/* New sender and receiver from the world's current configs. */
int fx_run_open(fx_world *w, fx_run *run);
void fx_run_close(fx_run *run);
/* HELLO -> CHALLENGE at now; returns the sender's error. */
hv_proto_error fx_to_challenge(fx_world *w, fx_run *run, uint64_t now);
/* CHALLENGE -> RESPONSE at the receiver; returns its error. */
hv_proto_error fx_to_response(fx_run *run, uint64_t now);
/* RESPONSE -> KEY at the sender at now, with the world's head. */
hv_proto_error fx_to_key(fx_world *w, fx_run *run, uint64_t now);
/* KEY at the receiver. */
hv_proto_error fx_accept_key(fx_run *run, uint64_t now);
/* KEY at the receiver at now, the secret taken, DONE (over FX_STORED)
 * into run->done. */
#define FX_STORED "sealed identity, as the store wrote it"
hv_proto_error fx_to_done(fx_run *run, uint64_t now);

/* A RESPONSE made by hand with the enclave tee: report data over
 * (challenge, pub, kind, dev) unless bind_pub is given, report targeted at
 * target_info. */
int fx_forge_response(hv_tee *tee, const fx_msg *challenge, uint16_t kind, bool dev,
                      const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                      const uint8_t *bind_pub, fx_msg *out);
/* What a forged RESPONSE's report data binds, where it differs from what
 * the message carries (NULL / 0 / -1: the value sent). */
typedef struct {
  const fx_msg *challenge;
  const uint8_t *pub;
  int kind; /* 0: the kind sent */
  int dev;  /* -1: the dev mode sent */
} fx_binding;
/* fx_forge_response with the receiver public key sent (NULL: a fresh one)
 * and the binding overrides (NULL: none). */
int fx_forge_response_ex(hv_tee *tee, const fx_msg *challenge, uint16_t kind, bool dev,
                         const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                         const uint8_t *send_pub, const fx_binding *bind, fx_msg *out);
/* Sets or clears the DEBUG attribute of report and MACs it again with the
 * report key of verifier (the enclave it is targeted at): what a debug or
 * production launch of the same build would have produced. 0 on success. */
int fx_set_debug(hv_tee *verifier, uint8_t report[HV_TEE_REPORT_LEN], bool debug);
/* The RESPONSE or KEY msg with its report replaced by fx_set_debug's. */
int fx_with_debug(hv_tee *verifier, const fx_msg *msg, bool debug, fx_msg *out);
/* Target info of the challenge's sender (for forged responses). */
void fx_challenge_target(const fx_msg *challenge, uint8_t out[HV_TEE_TARGET_INFO_LEN]);

/* A KEY made by the enclave tee for the run's RESPONSE, targeted at
 * target_info, announcing identity_pub and carrying secret. */
int fx_forge_key(hv_tee *tee, const fx_run *run,
                 const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                 const uint8_t identity_pub[HV_PROTO_KEY_LEN],
                 const uint8_t secret[HV_PROTO_SECRET_LEN], hv_proto_key *key);
int fx_encode_key(const hv_proto_key *key, fx_msg *out);
/* Transcript hash of the run with this KEY's public fields. */
int fx_transcript(const fx_run *run, const hv_proto_key *key, uint8_t th[HV_PROTO_HASH_LEN]);

/* Decodes an ERROR message: its code, or -1. */
int fx_error_code(const uint8_t *b, size_t n);

#endif
