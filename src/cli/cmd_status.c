/* handover status: what a store holds, never the secret. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/json_out.h"
#include "cli/opts.h"
#include "cli/tee_opts.h"
#include "handover/policy.h"
#include "handover/store.h"
#include "sys/sys.h"

typedef struct {
  char pub[2 * HV_ED25519_PUB_LEN + 1];
  char mr_enclave[2 * HV_TEE_MR_LEN + 1], mr_signer[2 * HV_TEE_MR_LEN + 1];
  hv_tee_measurement m;
  const char *kind;
  bool dev_mode;
  uint64_t policy_version;
  hv_store_chain_head head;
  uint64_t time_floor_ms; /* never below the build's; only rises */
  hv_store_error identity_check; /* unsealing proves the key is ours */
  bool retired;                  /* the key moved: the tombstone below */
  hv_store_tombstone tomb;
  char to_enclave[2 * HV_TEE_MR_LEN + 1], to_signer[2 * HV_TEE_MR_LEN + 1];
  char transcript[2 * HV_SHA256_LEN + 1];
  unsigned resealed;              /* HV_STORE_RESEALED_* at this open */
} status_view;

/* TCB recovery at this open: the files sealed again, or "" if none. */
static const char *resealed_names(unsigned r) {
  static const char *names[] = {"",          "identity",           "state",
                                "identity state", "tombstone", "identity tombstone",
                                "state tombstone", "identity state tombstone"};
  return names[r & (HV_STORE_RESEALED_IDENTITY | HV_STORE_RESEALED_STATE |
                    HV_STORE_RESEALED_TOMBSTONE)];
}

static void print_tombstone_text(const status_view *v) {
  printf("state           retired (the key moved; the sealed secret is wiped)\n");
  printf("moved to        mr_enclave %s\n", v->to_enclave);
  printf("                mr_signer %s isv_prod_id %u isv_svn %u\n", v->to_signer,
         v->tomb.receiver.isv_prod_id, v->tomb.receiver.isv_svn);
  printf("moved at        %llu (trusted time, Unix ms)\n",
         (unsigned long long)v->tomb.time_ms);
  printf("transcript      %s\n", v->transcript);
}

static void print_text(const status_view *v) {
  printf("identity        %s\n", v->pub);
  if (v->retired) print_tombstone_text(v);
  else printf("state           serving\n");
  if (!v->retired)
    printf("identity check  %s\n", v->identity_check == HV_STORE_OK
                                       ? "ok (the sealed secret unseals and matches)"
                                       : hv_store_error_text(v->identity_check));
  if (v->resealed)
    printf("sealing         re-sealed under this CPU SVN and ISV SVN (TCB recovery): %s\n",
           resealed_names(v->resealed));
  else
    printf("sealing         current (this CPU SVN and ISV SVN)\n");
  printf("tee             %s%s\n", v->kind, v->dev_mode ? " (dev mode)" : "");
  printf("mr_enclave      %s\n", v->mr_enclave);
  printf("mr_signer       %s\n", v->mr_signer);
  printf("isv_prod_id     %u\n", v->m.isv_prod_id);
  printf("isv_svn         %u\n", v->m.isv_svn);
  printf("policy version  %llu\n", (unsigned long long)v->policy_version);
  printf("chain head      %llu:%llu\n", (unsigned long long)v->head.number,
         (unsigned long long)v->head.time_ms);
  char floor[HV_POLICY_TIME_TEXT_LEN];
  hv_policy_time_format(v->time_floor_ms / 1000, floor);
  printf("time floor      %llu (%s)\n", (unsigned long long)v->time_floor_ms, floor);
}

/* state first, then the tombstone of a retired store, then the rest. */
/* 0, or -1 if the object could not be made or written. */
static int print_json(const status_view *v) {
  json_t *o = json_pack("{s:s}", "state", v->retired ? "retired" : "serving");
  if (o && v->retired)
    json_object_set_new(o, "tombstone",
                        json_pack("{s:s, s:s, s:i, s:i, s:I, s:s}", "mr_enclave", v->to_enclave,
                                  "mr_signer", v->to_signer, "isv_prod_id",
                                  v->tomb.receiver.isv_prod_id, "isv_svn",
                                  v->tomb.receiver.isv_svn, "time_ms",
                                  (json_int_t)v->tomb.time_ms, "transcript_hash",
                                  v->transcript));
  json_t *rest = json_pack(
      "{s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:i, s:I, s:{s:I, s:I}, s:s, s:I}", "identity",
      v->pub,
      "identity_check",
      v->retired                         ? "retired"
      : v->identity_check == HV_STORE_OK ? "ok"
                                         : hv_store_error_name(v->identity_check),
      "tee", v->kind, "dev_mode", v->dev_mode, "mr_enclave", v->mr_enclave, "mr_signer",
      v->mr_signer, "isv_prod_id", v->m.isv_prod_id, "isv_svn", v->m.isv_svn,
      "policy_version", (json_int_t)v->policy_version, "chain_head", "number",
      (json_int_t)v->head.number, "time_ms", (json_int_t)v->head.time_ms, "resealed",
      resealed_names(v->resealed), "time_floor_ms", (json_int_t)v->time_floor_ms);
  if (o && rest && json_object_update(o, rest) == 0) {
    json_decref(rest);
    return cli_json_print(o);
  }
  json_decref(o);
  json_decref(rest);
  return cli_json_print(NULL);
}

static hv_store_error read_identity(hv_store *store, status_view *v) {
  uint8_t pub[HV_ED25519_PUB_LEN], secret[HV_ED25519_PRIV_LEN];
  hv_store_error se = hv_store_get_tombstone(store, &v->retired, &v->tomb);
  if (se != HV_STORE_OK) return se;
  if (v->retired) {
    hv_sys_hex(v->tomb.identity_pub, HV_ED25519_PUB_LEN, v->pub);
    hv_sys_hex(v->tomb.receiver.mr_enclave, HV_TEE_MR_LEN, v->to_enclave);
    hv_sys_hex(v->tomb.receiver.mr_signer, HV_TEE_MR_LEN, v->to_signer);
    hv_sys_hex(v->tomb.transcript_hash, HV_SHA256_LEN, v->transcript);
    return HV_STORE_OK;
  }
  se = hv_store_public(store, pub);
  if (se != HV_STORE_OK) return se;
  hv_sys_hex(pub, sizeof pub, v->pub);
  v->identity_check = hv_store_get_identity(store, secret, pub);
  hv_wipe(secret, sizeof secret);
  return HV_STORE_OK;
}

static hv_store_error read_status(hv_store *store, hv_tee *t, status_view *v) {
  hv_store_error se = read_identity(store, v);
  if (se != HV_STORE_OK) return se;
  hv_tee_self(t, &v->m);
  hv_sys_hex(v->m.mr_enclave, HV_TEE_MR_LEN, v->mr_enclave);
  hv_sys_hex(v->m.mr_signer, HV_TEE_MR_LEN, v->mr_signer);
  v->kind = hv_tee_kind_name(hv_tee_get_kind(t));
  v->dev_mode = hv_tee_dev_mode(t);
  se = hv_store_get_policy_version(store, &v->policy_version);
  if (se == HV_STORE_OK) se = hv_store_get_chain_head(store, &v->head);
  if (se == HV_STORE_OK) se = hv_store_get_time_floor(store, &v->time_floor_ms);
  return se;
}

int cmd_status(int argc, char **argv) {
  const char *store_dir = NULL;
  bool json = false;
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  const cli_opt opts[] = {
      {"store", "DIR", "the key store", &store_dir, NULL},
      {"json", NULL, "one JSON object instead of text", NULL, &json},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {
      .command = "status",
      .synopsis = "status --store DIR [--json] [--tee sim|sgx] [sim options]",
      .about = "Shows the identity public key, whether the store serves or is retired\n"
               "(then where the key moved, when, and the exchange's transcript hash),\n"
               "this build's measurement, the newest\n"
               "policy version and the chain head the store has seen. The TEE options\n"
               "name the build that owns the store (its sealed state is unsealed to\n"
               "check it). Never shows the secret.",
      .tables = {opts, tee.table, NULL},
  };
  int st = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (st >= 0) return st;
  if (!cli_opts_require(&spec, store_dir, "store") || !cli_tee_opts_check(&tee, "status"))
    return CLI_EXIT_USAGE;
  hv_tee *t;
  if (cli_tee_open(&tee, "status", &t) != 0) return CLI_EXIT_FAIL;
  hv_store *store = NULL;
  status_view v;
  memset(&v, 0, sizeof v);
  hv_store_error se = hv_store_open(store_dir, t, false, &store);
  if (se == HV_STORE_OK) {
    v.resealed = hv_store_resealed(store);
    se = read_status(store, t, &v);
  }
  if (store) hv_store_free(store);
  hv_tee_free(t);
  if (se != HV_STORE_OK) {
    fprintf(stderr, "handover status: %s: %s\n", store_dir, hv_store_error_text(se));
    return CLI_EXIT_FAIL;
  }
  if (json && print_json(&v) != 0) return CLI_EXIT_FAIL;
  if (!json) print_text(&v);
  return v.retired || v.identity_check == HV_STORE_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
