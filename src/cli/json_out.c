#include "cli/json_out.h"

#include <inttypes.h>
#include <stdlib.h>

int cli_json_write(FILE *out, json_t *obj) {
  if (!obj) {
    fprintf(stderr, "handover: out of memory (JSON)\n");
    return -1;
  }
  char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
  json_decref(obj);
  if (!text) return -1;
  int rc = fprintf(out, "%s\n", text) < 0 || fflush(out) != 0 ? -1 : 0;
  free(text);
  return rc;
}

int cli_json_print(json_t *obj) { return cli_json_write(stdout, obj); }

json_t *cli_json_i64_string(int64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%" PRId64, v);
  return json_string(buf);
}
