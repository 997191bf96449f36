#include "fixture.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tee/tee_int.h" /* EGETKEY, to MAC a report again (fx_set_debug) */

int fx_random(void *ctx, uint8_t *out, size_t len) {
  fx_rng *r = ctx;
  while (len > 0) {
    uint8_t ctr[4] = {(uint8_t)(r->counter >> 24), (uint8_t)(r->counter >> 16),
                      (uint8_t)(r->counter >> 8), (uint8_t)r->counter};
    hv_iov parts[] = {{(const uint8_t *)r->label, strlen(r->label)}, {ctr, 4}};
    uint8_t block[HV_SHA256_LEN];
    if (hv_sha256_parts(parts, 2, block) != 0) return -1;
    size_t n = len < sizeof block ? len : sizeof block;
    memcpy(out, block, n);
    out += n;
    len -= n;
    r->counter++;
  }
  return 0;
}

/* ---- the wrapper enclave ---- */
static hv_tee_kind w_kind(void *ctx) {
  fx_wrap *w = ctx;
  return w->kind ? (hv_tee_kind)w->kind : hv_tee_get_kind(w->tee);
}
static bool w_dev(void *ctx) {
  fx_wrap *w = ctx;
  return w->dev_mode >= 0 ? w->dev_mode == 1 : hv_tee_dev_mode(w->tee);
}
static void w_self(void *ctx, hv_tee_measurement *out) {
  hv_tee_self(((fx_wrap *)ctx)->tee, out);
}
static hv_tee_error w_ti(void *ctx, uint8_t out[HV_TEE_TARGET_INFO_LEN]) {
  return hv_tee_target_info(((fx_wrap *)ctx)->tee, out);
}
static hv_tee_error w_report(void *ctx, const uint8_t ti[HV_TEE_TARGET_INFO_LEN],
                             const uint8_t rd[HV_TEE_REPORT_DATA_LEN],
                             uint8_t out[HV_TEE_REPORT_LEN]) {
  fx_wrap *w = ctx;
  hv_tee_error err = hv_tee_report(w->tee, ti, rd, out);
  if (err == HV_TEE_OK && w->production_for && fx_set_debug(w->production_for, out, false))
    err = HV_TEE_ERR_CRYPTO;
  return err;
}
static hv_tee_error w_verify(void *ctx, const uint8_t report[HV_TEE_REPORT_LEN]) {
  return hv_tee_verify_report(((fx_wrap *)ctx)->tee, report);
}
const hv_proto_tee_ops fx_wrap_ops = {w_kind, w_dev, w_self, w_ti, w_report, w_verify};

/* ---- the world ---- */
static int write_secret(const char *path, uint8_t fill) {
  uint8_t secret[32];
  for (size_t i = 0; i < sizeof secret; i++) secret[i] = (uint8_t)(fill + i);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int ok = write(fd, secret, sizeof secret) == (ssize_t)sizeof secret;
  return close(fd) == 0 && ok ? 0 : -1;
}

static void measurement(hv_tee_measurement *m, uint8_t tag, uint16_t svn) {
  memset(m, 0, sizeof *m);
  memset(m->mr_enclave, tag, sizeof m->mr_enclave);
  memset(m->mr_signer, 0x5e, sizeof m->mr_signer);
  m->isv_prod_id = 1;
  m->isv_svn = svn;
}

static int open_tee(const char *secret, const hv_tee_measurement *m, hv_tee **out) {
  return hv_tee_open_sim(secret, m, out) == HV_TEE_OK ? 0 : -1;
}

int fx_open(fx_world *w) {
  memset(w, 0, sizeof *w);
  const char *tmp = getenv("TMPDIR");
  snprintf(w->dir, sizeof w->dir, "%s/hv-proto-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(w->dir)) return -1;
  snprintf(w->secret_a, sizeof w->secret_a, "%s/platform-a", w->dir);
  snprintf(w->secret_b, sizeof w->secret_b, "%s/platform-b", w->dir);
  if (write_secret(w->secret_a, 0x10) || write_secret(w->secret_b, 0x90)) return -1;
  measurement(&w->old_m, 0x01, 1);
  measurement(&w->new_m, 0x02, 2);
  measurement(&w->third_m, 0x03, 3);
  if (open_tee(w->secret_a, &w->old_m, &w->old_tee) ||
      open_tee(w->secret_a, &w->new_m, &w->new_tee) ||
      open_tee(w->secret_a, &w->third_m, &w->third_tee) ||
      open_tee(w->secret_b, &w->new_m, &w->new_on_b) ||
      open_tee(w->secret_b, &w->old_m, &w->old_on_b))
    return -1;
  w->sender_wrap = (fx_wrap){w->old_tee, 0, -1, NULL};
  w->receiver_wrap = (fx_wrap){w->new_tee, 0, -1, NULL};
  snprintf(w->sender_rng.label, sizeof w->sender_rng.label, "sender");
  snprintf(w->receiver_rng.label, sizeof w->receiver_rng.label, "receiver");
  w->runtimes[0] = (hv_proto_runtime){w->old_m, 1};
  w->runtimes[1] = (hv_proto_runtime){w->new_m, 2};
  w->runtimes[2] = (hv_proto_runtime){w->third_m, 3};
  w->sender_params = (hv_proto_params){.runtimes = w->runtimes, .n_runtimes = 3,
                                       .response_window_ms = FX_WINDOW,
                                       .max_chain_lag_ms = FX_LAG,
                                       .policy_version = FX_POLICY_VERSION};
  w->receiver_params = w->sender_params;
  for (size_t i = 0; i < sizeof w->identity_secret; i++) w->identity_secret[i] = (uint8_t)(0xc0 + i);
  if (hv_ed25519_public(w->identity_secret, w->identity_pub) != 0) return -1;
  w->head = (hv_proto_chain_head){4242, FX_T0 - 3600 * 1000};
  return 0;
}

void fx_close(fx_world *w) {
  hv_tee_free(w->old_tee);
  hv_tee_free(w->new_tee);
  hv_tee_free(w->third_tee);
  hv_tee_free(w->new_on_b);
  hv_tee_free(w->old_on_b);
  unlink(w->secret_a);
  unlink(w->secret_b);
  rmdir(w->dir);
}

void fx_sender_config(fx_world *w, hv_proto_config *cfg) {
  *cfg = (hv_proto_config){.tee_ops = &fx_wrap_ops, .tee_ctx = &w->sender_wrap,
                           .random = fx_random, .random_ctx = &w->sender_rng,
                           .params = w->sender_params};
}

void fx_receiver_config(fx_world *w, hv_proto_config *cfg) {
  *cfg = (hv_proto_config){.tee_ops = &fx_wrap_ops, .tee_ctx = &w->receiver_wrap,
                           .random = fx_random, .random_ctx = &w->receiver_rng,
                           .params = w->receiver_params};
}

int fx_run_open(fx_world *w, fx_run *run) {
  hv_proto_config sc, rc;
  memset(run, 0, sizeof *run);
  fx_sender_config(w, &sc);
  fx_receiver_config(w, &rc);
  if (hv_proto_sender_new(&sc, w->identity_secret, &run->sender) != HV_PROTO_OK) return -1;
  if (hv_proto_receiver_new(&rc, &run->receiver) != HV_PROTO_OK) return -1;
  return 0;
}

void fx_run_close(fx_run *run) {
  hv_proto_sender_free(run->sender);
  hv_proto_receiver_free(run->receiver);
  memset(run, 0, sizeof *run);
}

hv_proto_error fx_to_challenge(fx_world *w, fx_run *run, uint64_t now) {
  hv_proto_error err = hv_proto_receiver_hello(run->receiver, run->hello.b,
                                               sizeof run->hello.b, &run->hello.n);
  if (err) return err;
  return hv_proto_sender_handle(run->sender, now, &w->head, run->hello.b, run->hello.n,
                                run->challenge.b, sizeof run->challenge.b,
                                &run->challenge.n, NULL);
}

hv_proto_error fx_to_response(fx_run *run, uint64_t now) {
  return hv_proto_receiver_handle(run->receiver, now, run->challenge.b, run->challenge.n,
                                  run->response.b, sizeof run->response.b,
                                  &run->response.n, NULL);
}

hv_proto_error fx_to_key(fx_world *w, fx_run *run, uint64_t now) {
  return hv_proto_sender_handle(run->sender, now, &w->head, run->response.b,
                                run->response.n, run->key.b, sizeof run->key.b,
                                &run->key.n, NULL);
}

hv_proto_error fx_accept_key(fx_run *run, uint64_t now) {
  return hv_proto_receiver_handle(run->receiver, now, run->key.b, run->key.n,
                                  run->done.b, sizeof run->done.b, &run->done.n, NULL);
}

hv_proto_error fx_to_done(fx_run *run, uint64_t now) {
  uint8_t secret[HV_PROTO_SECRET_LEN], pub[HV_PROTO_KEY_LEN];
  hv_proto_error err = fx_accept_key(run, now);
  if (!err) err = hv_proto_receiver_take_secret(run->receiver, secret, pub);
  hv_wipe(secret, sizeof secret);
  if (!err)
    err = hv_proto_receiver_done(run->receiver, (const uint8_t *)FX_STORED,
                                 sizeof FX_STORED - 1, run->done.b, sizeof run->done.b,
                                 &run->done.n);
  return err;
}

void fx_challenge_target(const fx_msg *challenge, uint8_t out[HV_TEE_TARGET_INFO_LEN]) {
  hv_proto_msg m;
  memset(out, 0, HV_TEE_TARGET_INFO_LEN);
  if (hv_proto_decode(challenge->b, challenge->n, &m) == HV_PROTO_OK)
    memcpy(out, m.u.challenge.target_info, HV_TEE_TARGET_INFO_LEN);
}

int fx_forge_response_ex(hv_tee *tee, const fx_msg *challenge, uint16_t kind, bool dev,
                         const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                         const uint8_t *send_pub, const fx_binding *bind, fx_msg *out) {
  hv_proto_msg m;
  uint8_t priv[HV_X25519_LEN], rd[HV_TEE_REPORT_DATA_LEN];
  fx_rng rng = {"forged response", 0};
  fx_binding same = {NULL, NULL, 0, -1};
  if (!bind) bind = &same;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_RESPONSE;
  hv_proto_response *r = &m.u.response;
  r->challenge = challenge->b;
  r->challenge_len = challenge->n;
  r->kind = kind;
  r->dev_mode = dev;
  if (send_pub)
    memcpy(r->receiver_pub, send_pub, sizeof r->receiver_pub);
  else if (fx_random(&rng, priv, sizeof priv) || hv_x25519_public(priv, r->receiver_pub))
    return -1;
  const fx_msg *bc = bind->challenge ? bind->challenge : challenge;
  if (hv_proto_px_response_binding(bc->b, bc->n, bind->pub ? bind->pub : r->receiver_pub,
                             bind->kind ? (uint16_t)bind->kind : kind,
                             bind->dev >= 0 ? bind->dev == 1 : dev, rd) ||
      hv_tee_report(tee, target_info, rd, r->report) != HV_TEE_OK)
    return -1;
  return hv_proto_encode(&m, out->b, sizeof out->b, &out->n) == HV_PROTO_OK ? 0 : -1;
}

int fx_forge_response(hv_tee *tee, const fx_msg *challenge, uint16_t kind, bool dev,
                      const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                      const uint8_t *bind_pub, fx_msg *out) {
  fx_binding bind = {NULL, bind_pub, 0, -1};
  return fx_forge_response_ex(tee, challenge, kind, dev, target_info, NULL, &bind, out);
}

/* Offsets in sgx_report_t (src/tee/sgx_types.h asserts them). */
#define FX_REPORT_FLAGS_OFF 48
#define FX_REPORT_KEY_ID_OFF 384
#define FX_REPORT_MAC_OFF 416

int fx_set_debug(hv_tee *verifier, uint8_t report[HV_TEE_REPORT_LEN], bool debug) {
  sgx_key_request_t req;
  uint8_t key[SGX_KEY_SIZE];
  if (debug)
    report[FX_REPORT_FLAGS_OFF] |= (uint8_t)SGX_FLAGS_DEBUG;
  else
    report[FX_REPORT_FLAGS_OFF] &= (uint8_t)~SGX_FLAGS_DEBUG;
  memset(&req, 0, sizeof req);
  req.key_name = SGX_KEYSELECT_REPORT;
  memcpy(req.key_id, report + FX_REPORT_KEY_ID_OFF, SGX_KEYID_SIZE);
  if (verifier->ops->egetkey(verifier, &req, key) != HV_TEE_OK) return -1;
  int rc = hv_aes_cmac(key, sizeof key, report, HV_TEE_REPORT_BODY_LEN,
                       report + FX_REPORT_MAC_OFF);
  hv_wipe(key, sizeof key);
  return rc == 0 && hv_tee_report_debug(report) == debug ? 0 : -1;
}

int fx_with_debug(hv_tee *verifier, const fx_msg *msg, bool debug, fx_msg *out) {
  hv_proto_msg m;
  if (hv_proto_decode(msg->b, msg->n, &m) != HV_PROTO_OK) return -1;
  uint8_t *report = m.type == HV_PROTO_MSG_RESPONSE ? m.u.response.report
                    : m.type == HV_PROTO_MSG_KEY    ? m.u.key.report
                                                    : NULL;
  if (!report || fx_set_debug(verifier, report, debug)) return -1;
  return hv_proto_encode(&m, out->b, sizeof out->b, &out->n) == HV_PROTO_OK ? 0 : -1;
}

static int px_of(hv_tee *tee, hv_proto_px *px) {
  hv_proto_config cfg = {.tee = tee,
                         .params = {.response_window_ms = FX_WINDOW, .max_chain_lag_ms = FX_LAG}};
  return hv_proto_px_init(px, &cfg) == HV_PROTO_OK ? 0 : -1;
}

int fx_forge_key(hv_tee *tee, const fx_run *run,
                 const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                 const uint8_t identity_pub[HV_PROTO_KEY_LEN],
                 const uint8_t secret[HV_PROTO_SECRET_LEN], hv_proto_key *key) {
  hv_proto_msg resp;
  hv_proto_px px;
  uint8_t eph[HV_X25519_LEN];
  fx_rng rng = {"forged key", 0};
  if (hv_proto_decode(run->response.b, run->response.n, &resp) != HV_PROTO_OK ||
      fx_random(&rng, eph, sizeof eph) || px_of(tee, &px))
    return -1;
  hv_proto_px_key_input in = {resp.u.response.challenge, resp.u.response.challenge_len,
                        run->response.b, run->response.n, resp.u.response.receiver_pub,
                        target_info};
  hv_proto_error err = hv_proto_px_build_key(&px, &in, identity_pub, secret, eph, key, NULL);
  hv_proto_px_free(&px);
  return err == HV_PROTO_OK ? 0 : -1;
}

int fx_encode_key(const hv_proto_key *key, fx_msg *out) {
  hv_proto_msg m;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_KEY;
  m.u.key = *key;
  return hv_proto_encode(&m, out->b, sizeof out->b, &out->n) == HV_PROTO_OK ? 0 : -1;
}

int fx_transcript(const fx_run *run, const hv_proto_key *key, uint8_t th[HV_PROTO_HASH_LEN]) {
  hv_proto_msg resp;
  if (hv_proto_decode(run->response.b, run->response.n, &resp) != HV_PROTO_OK) return -1;
  return hv_proto_px_transcript(resp.u.response.challenge, resp.u.response.challenge_len,
                          run->response.b, run->response.n, key->identity_pub,
                          key->sender_pub, th) == HV_PROTO_OK
             ? 0
             : -1;
}

int fx_error_code(const uint8_t *b, size_t n) {
  hv_proto_msg m;
  if (hv_proto_decode(b, n, &m) != HV_PROTO_OK || m.type != HV_PROTO_MSG_ERROR) return -1;
  return m.u.error.code;
}
