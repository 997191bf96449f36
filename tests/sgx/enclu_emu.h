/* The test-only ENCLU emulator's few entry points for tests that link it
 * (see enclu_emu.c; a preloaded copy needs none of them). */
#ifndef HANDOVER_TESTS_ENCLU_EMU_H
#define HANDOVER_TESTS_ENCLU_EMU_H

#include <stdint.h>

/* Re-reads the HV_EMU_* environment: 0, or -1 when it is incomplete (then
 * every ENCLU exits the process with a message). */
int enclu_emu_reload(void);
/* Whether the configuration loaded. */
int enclu_emu_ready(void);
/* The emulated enclave's TARGETINFO, as Gramine's my_target_info holds it. */
void enclu_emu_target_info(uint8_t out[512]);

#endif
