/* See kill_at.c: kill -9 at the Nth disk-changing call of the store. */
#ifndef HANDOVER_TESTS_STORE_KILL_AT_H
#define HANDOVER_TESTS_STORE_KILL_AT_H

#include <stdbool.h>

/* Disk-changing calls made so far. */
long kill_at_calls(void);

#endif
