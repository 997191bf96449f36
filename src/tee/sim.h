/* The sim backend (dev mode): EREPORT and EGETKEY computed in software from
 * a per-platform secret. See include/handover/tee.h for what it does and
 * does not guarantee. */
#ifndef HANDOVER_TEE_SIM_H
#define HANDOVER_TEE_SIM_H

#include "handover/api.h"
#include "tee/tee_int.h"

#define SIM_SECRET_LEN 32

/* Reads the platform secret, creating it (0600) if it does not exist. */
HV_MUST_CHECK hv_tee_error hv_tee_sim_secret_load(const char *path, uint8_t out[SIM_SECRET_LEN]);

#endif
