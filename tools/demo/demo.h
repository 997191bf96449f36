/* The demo's story (handover-demo). */
#ifndef HANDOVER_DEMO_H
#define HANDOVER_DEMO_H

#include <stdbool.h>

/* 0 when every step did what it should. handover: the binary every step
 * runs; keep: leave the directory. */
int demo_run(const char *handover, const char *chronyd, bool keep);

#endif
