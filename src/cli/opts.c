#include "cli/opts.h"

#include <string.h>

void cli_opts_usage(const cli_cmd_spec *spec, FILE *out) {
  fprintf(out, "usage: handover %s\n", spec->synopsis);
  if (spec->about) fprintf(out, "\n%s\n", spec->about);
  fprintf(out, "\noptions:\n");
  for (size_t t = 0; t < 4 && spec->tables[t]; t++)
    for (const cli_opt *o = spec->tables[t]; o->name; o++) {
      char left[64];
      snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
               o->metavar ? o->metavar : "");
      fprintf(out, "  %-26s %s\n", left, o->help);
    }
  fprintf(out, "  %-26s %s\n", "--help", "show this help");
}

static const cli_opt *find(const cli_cmd_spec *spec, const char *name, size_t len) {
  for (size_t t = 0; t < 4 && spec->tables[t]; t++)
    for (const cli_opt *o = spec->tables[t]; o->name; o++)
      if (strlen(o->name) == len && !strncmp(o->name, name, len)) return o;
  return NULL;
}

cli_opts_result cli_opts_parse(const cli_cmd_spec *spec, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      cli_opts_usage(spec, stdout);
      return CLI_OPTS_HELP;
    }
    if (strncmp(arg, "--", 2) != 0) {
      fprintf(stderr, "handover %s: unexpected argument '%s' (see --help)\n",
              spec->command, arg);
      return CLI_OPTS_ERROR;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const cli_opt *o = find(spec, name, len);
    if (!o) {
      fprintf(stderr, "handover %s: unknown option '--%.*s' (see --help)\n",
              spec->command, (int)len, name);
      return CLI_OPTS_ERROR;
    }
    if (!o->metavar) {
      if (eq) {
        fprintf(stderr, "handover %s: option '--%s' takes no value\n",
                spec->command, o->name);
        return CLI_OPTS_ERROR;
      }
      *o->flag = true;
      continue;
    }
    const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!value) {
      fprintf(stderr, "handover %s: option '--%s' needs a value (%s)\n",
              spec->command, o->name, o->metavar);
      return CLI_OPTS_ERROR;
    }
    *o->value = value;
  }
  return CLI_OPTS_OK;
}

bool cli_opts_require(const cli_cmd_spec *spec, const char *value, const char *name) {
  if (value) return true;
  fprintf(stderr, "handover %s: missing required option --%s (see --help)\n",
          spec->command, name);
  return false;
}

int cli_opts_exit_status(cli_opts_result r) {
  switch (r) {
    case CLI_OPTS_OK: return -1;
    case CLI_OPTS_HELP: return CLI_EXIT_OK;
    case CLI_OPTS_ERROR: return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_USAGE;
}
