/* Placeholder until the NTS client lands on main: the run refuses. */
#include <stdio.h>
#include <string.h>

#include "handover/timesrc.h"

const char *hv_timesrc_outcome_name(const hv_timesrc_evidence *e) {
  switch (e->outcome) {
  case HV_TIMESRC_OUT_AGREES: return "agrees";
  case HV_TIMESRC_OUT_FALSETICKER: return "falseticker";
  case HV_TIMESRC_OUT_TOO_VAGUE: return "too-vague";
  case HV_TIMESRC_OUT_FAILED: break;
  }
  return "failed";
}

hv_timesrc_verdict hv_timesrc_query(const hv_timesrc_config *cfg, hv_timesrc_report *out) {
  memset(out, 0, sizeof *out);
  out->n = cfg->n_servers;
  snprintf(out->error, sizeof out->error, "the NTS client is not in this build yet");
  return out->decision.verdict = HV_TIMESRC_INTERNAL;
}
