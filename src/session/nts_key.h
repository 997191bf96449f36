/* The key that encrypts a worker's --nts-state directory: random, made
 * on first use, kept in the directory sealed to this build (MRENCLAVE),
 * so the host, which owns the disk, never reads the NTS keys in it. */
#ifndef HANDOVER_SESSION_NTS_KEY_H
#define HANDOVER_SESSION_NTS_KEY_H

#include <stdint.h>

#include "handover/session.h"
#include "handover/tee.h"
#include "handover/timesrc.h"

#define HV_SESSION_NTS_KEY_FILE "state-key.sealed"

/* Opens DIR/state-key.sealed, or makes it (never half-written: temp
 * file, fsync, link, fsync of the directory). -1 with the reason printed
 * (ERROR), e.g. a file sealed by another build. */
HV_MUST_CHECK int hv_session_nts_key_load(const hv_session_log *log, const char *dir,
                                          const hv_tee *tee, uint8_t key[HV_TIMESRC_STATE_KEY_LEN]);

#endif
