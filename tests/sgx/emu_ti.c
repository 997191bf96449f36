/* Writes the emulated enclave's TARGETINFO (from the HV_EMU_* environment,
 * see enclu_emu.c) to the file named by argv[1]: what Gramine puts in
 * /dev/attestation/my_target_info. */
#include <stdio.h>

#include "enclu_emu.h"

int main(int argc, char **argv) {
  uint8_t ti[512];
  if (argc != 2) {
    fprintf(stderr, "usage: emu_ti OUT\n");
    return 2;
  }
  if (!enclu_emu_ready()) {
    fprintf(stderr, "emu_ti: the HV_EMU_* environment is incomplete\n");
    return 1;
  }
  enclu_emu_target_info(ti);
  FILE *f = fopen(argv[1], "wb");
  if (!f || fwrite(ti, 1, sizeof ti, f) != sizeof ti || fclose(f) != 0) {
    perror(argv[1]);
    return 1;
  }
  return 0;
}
