#include "handover/version.h"

const char *hv_version(void) { return HV_VERSION_STRING; }

unsigned hv_version_number(void) { return HV_VERSION_NUMBER; }
