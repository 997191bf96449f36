/* `handover time`: the printing half (table and JSON). */
#ifndef HANDOVER_CLI_CMD_TIME_H
#define HANDOVER_CLI_CMD_TIME_H

#include <stdio.h>

#include "handover/timesrc.h"

/* One line per server, then the trusted time or why there is none. */
void cmd_time_print_table(FILE *out, const hv_timesrc_config *cfg,
                          const hv_timesrc_report *rep);
/* The same as one JSON object; 0, or -1 if it could not be written. */
HV_MUST_CHECK int cmd_time_print_json(FILE *out, const hv_timesrc_config *cfg,
                                      const hv_timesrc_report *rep);
/* Why the verdict was refused, in words (for the table and JSON). */
void cmd_time_explain(const hv_timesrc_config *cfg, const hv_timesrc_report *rep,
                      char *buf, size_t cap);

#endif
