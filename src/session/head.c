/* The sender's chain head: parsed from the caller, re-read from a file,
 * admitted into the store. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "session/sender_int.h"
#include "sys/sys.h"

/* The longest chain head file: two 20-digit numbers, a colon, a newline. */
#define CHAIN_HEAD_FILE_MAX 64

bool hv_session_parse_chain_head(const char *s, hv_proto_chain_head *out) {
  const char *colon = strchr(s, ':');
  char number[24];
  if (!colon || (size_t)(colon - s) >= sizeof number) return false;
  memcpy(number, s, (size_t)(colon - s));
  number[colon - s] = '\0';
  return hv_sys_parse_u64(number, UINT64_MAX, &out->number) &&
         hv_sys_parse_u64(colon + 1, UINT64_MAX, &out->time_ms);
}

int hv_session_read_chain_head_file(const char *path, hv_proto_chain_head *out) {
  char buf[CHAIN_HEAD_FILE_MAX + 1];
  size_t len;
  if (hv_sys_read_file(path, HV_SYS_READ_REGULAR, (uint8_t *)buf, CHAIN_HEAD_FILE_MAX, &len) != 0)
    return -1;
  buf[len] = '\0';
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = '\0';
  if (!hv_session_parse_chain_head(buf, out)) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/* A head from the future (a typo in the time, or a host's invention) must
 * neither be recorded (the store would then refuse the true time of that
 * block) nor raise the certificates' lower time bound. Judged against the
 * local clock, the only one we have before trusted time: a host that lies
 * about both only denies service. The protocol re-checks it against
 * trusted time (chain-head-in-future). */
static bool head_from_future(const hv_proto_chain_head *h) {
  int64_t wall = hv_sys_realtime_ms();
  return wall > 0 && h->time_ms > (uint64_t)wall + HV_PROTO_CHAIN_HEAD_AHEAD_MS;
}

hv_proto_error hv_session_admit_head(hv_session_sender *s, const hv_proto_chain_head *h, bool force,
                                     char *detail, size_t detail_len) {
  if (head_from_future(h)) {
    snprintf(detail, detail_len, "chain head %llu: its time is in the future",
             (unsigned long long)h->number);
    return HV_PROTO_ERR_CHAIN_FUTURE;
  }
  if (force || h->number != s->recorded.number || h->time_ms != s->recorded.time_ms) {
    hv_store_chain_head sh = {.number = h->number, .time_ms = h->time_ms};
    hv_store_error se = hv_store_set_chain_head(s->worker->store, &sh);
    if (se != HV_STORE_OK) {
      snprintf(detail, detail_len, "recording chain head %llu: %s", (unsigned long long)h->number,
               hv_store_error_text(se));
      /* A head the store refuses is named (lower or retimed: stale;
       * implausible: back in time, or a jump); a store that fails is
       * an internal failure, not a stale head (docs/CONVENTIONS.md). */
      return se == HV_STORE_ERR_HEAD_TIME_BACK ? HV_PROTO_ERR_CHAIN_TIME_BACK
             : se == HV_STORE_ERR_HEAD_JUMP    ? HV_PROTO_ERR_CHAIN_JUMP
             : se == HV_STORE_ERR_ROLLBACK     ? HV_PROTO_ERR_CHAIN_STALE
                                               : HV_PROTO_ERR_INTERNAL;
    }
    s->recorded = *h;
  }
  s->head = *h;
  return HV_PROTO_OK;
}
