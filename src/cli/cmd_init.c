/* Placeholder until its issue lands: the command exists and says so. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_init(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "handover init: not in this build yet\n");
  return 2;
}
