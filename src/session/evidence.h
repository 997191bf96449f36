/* Receipts and the store's log at the end of an exchange (issue 15). */
#ifndef HANDOVER_SESSION_EVIDENCE_H
#define HANDOVER_SESSION_EVIDENCE_H

#include "handover/receipt.h"
#include "session/worker_int.h"

/* Completes r with this side's own measurement and policy (version and
 * hash), encodes it (signed with secret when completed; secret NULL for a
 * refusal) and appends it to the store's log at time_ms. Never fails the
 * exchange: a problem is logged (WARN) with tag. Not thread-safe for one
 * store: a sender calls it under its lock. */
void hv_session_record_receipt(hv_session_worker *w, hv_receipt *r, const uint8_t *secret,
                         uint64_t time_ms, const char *tag);

/* The refusals of a RESPONSE (sender) or a KEY (receiver) that come
 * after the peer's report verified: the ones a receipt is written for. */
bool hv_session_refusal_after_report(hv_proto_error err);

#endif
