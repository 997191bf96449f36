/* The worker's enclave: sgx (the CPU measures it), or sim (dev mode, the
 * measurement named in the configuration). */
#ifndef HANDOVER_WORKER_TEE_H
#define HANDOVER_WORKER_TEE_H

#include <stddef.h>

#include <handover/tee.h>

#include "config.h"

/* 0; -2 a configuration the TEE cannot take, -1 the TEE failed; the
 * reason in err. */
int hw_tee_open(const hw_config *c, hv_tee **out, char *err, size_t err_len);

#endif
