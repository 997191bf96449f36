/* Shared between the files of src/timesrc; not part of the public API. */
#ifndef HANDOVER_TIMESRC_INTERNAL_H
#define HANDOVER_TIMESRC_INTERNAL_H

#include "handover/timesrc.h"

/* The operator label a server votes under: an unlabeled server is its own
 * operator (its host name). */
const char *hv_timesrc_operator_of(const hv_timesrc_server *s);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t hv_timesrc_mono_ns(void);

/* Cookie persistence: one file per server in a 0700 directory, each 0600
 * and replaced atomically (temp, fsync, rename, fsync dir).
 * prepare creates the directory if missing and refuses one that others
 * can reach or that is not a directory. load returns a new jar, empty when
 * the file is missing or does not parse (the query then runs NTS-KE);
 * NULL only when out of memory. */
int hv_timesrc_state_prepare(const char *dir, char *err, size_t err_len);
hv_nts_jar *hv_timesrc_state_load(const char *dir, const hv_timesrc_server *s);
int hv_timesrc_state_save(const char *dir, const hv_timesrc_server *s, const hv_nts_jar *jar);

#endif
