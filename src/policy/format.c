/* The canonical text of a policy: every setting explicit, in a fixed
 * order; parsing it gives the same policy back. */
#include <stdarg.h>
#include <stdio.h>

#include "policy/lex.h"
#include "policy/policy_int.h"
#include "sys/sys.h"

/* The worst case must still be a valid policy file: a server line is at
 * most ~430 bytes and a runtime line ~220, so the limits fit the file. */
_Static_assert(HV_POLICY_MAX_SERVERS * 452 + HV_POLICY_MAX_RUNTIMES * 230 + 512 <=
                   HV_POLICY_MAX_FILE,
               "the canonical form of a full policy must fit in a policy file");

typedef struct {
  char *buf;
  size_t cap, len;
  bool failed;
} appender;

static void put(appender *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(appender *a, const char *fmt, ...) {
  if (a->failed) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(a->buf + a->len, a->cap - a->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= a->cap - a->len) {
    a->failed = true;
    return;
  }
  a->len += (size_t)n;
}

static void put_runtime(appender *a, const hv_policy_runtime *r) {
  char enclave[2 * HV_TEE_MR_LEN + 1], signer[2 * HV_TEE_MR_LEN + 1];
  hv_sys_hex(r->m.mr_enclave, HV_TEE_MR_LEN, enclave);
  hv_sys_hex(r->m.mr_signer, HV_TEE_MR_LEN, signer);
  put(a, "runtime seq=%llu mr_enclave=%s mr_signer=%s isv_prod_id=%u isv_svn=%u\n",
      (unsigned long long)r->seq, enclave, signer, (unsigned)r->m.isv_prod_id,
      (unsigned)r->m.isv_svn);
}

hv_policy_error hv_policy_format(const hv_policy *p, char *buf, size_t cap,
                                 size_t *out_len) {
  if (!p || !buf || !out_len || cap == 0) return HV_POLICY_ERR_ARGS;
  appender a = {buf, cap, 0, false};
  put(&a, "version %llu\n", (unsigned long long)p->version);
  put(&a, "min_responses %u\n", (unsigned)p->time.min_responses);
  put(&a, "max_spread_s %u\n", (unsigned)p->time.max_spread_s);
  put(&a, "timeout_ms %u\n", (unsigned)p->time.timeout_ms);
  put(&a, "min_distinct_operators %u\n", (unsigned)p->time.min_distinct_operators);
  put(&a, "quorum %s\n", hv_policy_quorum_name(p->time.quorum));
  put(&a, "response_window_s %u\n", (unsigned)p->response_window_s);
  put(&a, "max_chain_lag_s %llu\n", (unsigned long long)p->max_chain_lag_s);
  put(&a, "after_handover %s\n",
      p->after_handover == HV_POLICY_AFTER_HANDOVER_KEEP ? "keep" : "retire");
  char expires[HV_POLICY_TIME_TEXT_LEN];
  hv_policy_time_format(p->expires_unix, expires);
  put(&a, "expires %s\n", expires);
  put(&a, "min_block_interval_ms %u\n", (unsigned)p->min_block_interval_ms);
  if (p->has_timestamp_key) {
    char key[2 * HV_ED25519_PUB_LEN + 1];
    hv_sys_hex(p->timestamp_key, HV_ED25519_PUB_LEN, key);
    put(&a, "timestamp_key %s\n", key);
    put(&a, "max_timestamp_age_s %u\n", (unsigned)p->max_timestamp_age_s);
  }
  for (size_t i = 0; i < p->n_servers; i++) {
    const hv_policy_server *s = &p->servers[i];
    put(&a, "server kind=%s host=%s port=%u operator=%s region=%s\n",
        hv_policy_server_kind_name(s->kind), s->host, (unsigned)s->ke_port, s->operator_name,
        s->region);
  }
  for (size_t i = 0; i < p->n_runtimes; i++) put_runtime(&a, &p->runtimes[i]);
  if (a.failed) return HV_POLICY_ERR_TOO_LARGE;
  *out_len = a.len;
  return HV_POLICY_OK;
}
