/* Shared between the files of src/timesrc; not part of the public API. */
#ifndef HANDOVER_TIMESRC_INTERNAL_H
#define HANDOVER_TIMESRC_INTERNAL_H

#include "handover/timesrc.h"

/* The operator label a server votes under: an unlabeled server is its own
 * operator (its host name). */
const char *hv_timesrc_operator_of(const hv_timesrc_server *s);

#endif
