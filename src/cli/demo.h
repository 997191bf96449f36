/* The demo's story (handover demo). */
#ifndef HANDOVER_CLI_DEMO_H
#define HANDOVER_CLI_DEMO_H

#include <stdbool.h>

/* 0 when every step did what it should. keep: leave the directory. */
int demo_run(const char *chronyd, bool keep);

#endif
