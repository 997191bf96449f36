#include "cli/opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* Long options of one command: its tables, its aliases, --help. */
#define OPTS_MAX 64
/* getopt_long's val for the n-th option (above every short option). */
#define VAL_BASE 256

typedef struct {
  const cli_opt *opt[OPTS_MAX];       /* NULL for a repeatable option */
  const cli_list_opt *list[OPTS_MAX]; /* the repeatable one */
  const char *alias_of[OPTS_MAX]; /* the current name when an old one */
  struct option lo[OPTS_MAX + 2];
  int n;
} opt_index;

static const cli_opt *find(const cli_cmd_spec *spec, const char *name) {
  for (size_t t = 0; t < CLI_OPTS_MAX_TABLES && spec->tables[t]; t++)
    for (const cli_opt *o = spec->tables[t]; o->name; o++)
      if (!strcmp(o->name, name)) return o;
  return NULL;
}

static void add(opt_index *x, const cli_opt *o, const char *name, const char *alias_of) {
  if (x->n >= OPTS_MAX) return;
  x->opt[x->n] = o;
  x->alias_of[x->n] = alias_of;
  x->lo[x->n] = (struct option){name, o->metavar ? required_argument : no_argument, NULL,
                                VAL_BASE + x->n};
  x->n++;
}

static void add_list(opt_index *x, const cli_list_opt *l) {
  if (x->n >= OPTS_MAX) return;
  x->list[x->n] = l;
  x->lo[x->n] = (struct option){l->name, required_argument, NULL, VAL_BASE + x->n};
  x->n++;
}

static void build_index(const cli_cmd_spec *spec, opt_index *x) {
  memset(x, 0, sizeof *x);
  for (const cli_list_opt *l = spec->lists; l && l->name; l++) add_list(x, l);
  for (size_t t = 0; t < CLI_OPTS_MAX_TABLES && spec->tables[t]; t++)
    for (const cli_opt *o = spec->tables[t]; o->name; o++) add(x, o, o->name, NULL);
  for (const cli_alias *a = spec->aliases; a && a->old; a++) {
    const cli_opt *o = find(spec, a->current);
    if (o) add(x, o, a->old, a->current);
  }
  x->lo[x->n] = (struct option){"help", no_argument, NULL, 'h'};
}

void cli_opts_usage(const cli_cmd_spec *spec, FILE *out) {
  fprintf(out, "usage: handover %s\n", spec->synopsis);
  if (spec->about) fprintf(out, "\n%s\n", spec->about);
  fprintf(out, "\noptions:\n");
  for (const cli_list_opt *l = spec->lists; l && l->name; l++) {
    char left[64];
    snprintf(left, sizeof left, "--%s %s", l->name, l->metavar);
    fprintf(out, "  %-26s %s (repeatable)\n", left, l->help);
  }
  for (size_t t = 0; t < CLI_OPTS_MAX_TABLES && spec->tables[t]; t++)
    for (const cli_opt *o = spec->tables[t]; o->name; o++) {
      char left[64];
      snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
               o->metavar ? o->metavar : "");
      fprintf(out, "  %-26s %s\n", left, o->help);
    }
  fprintf(out, "  %-26s %s\n", "--help", "show this help");
  if (spec->aliases && spec->aliases->old) {
    fprintf(out, "\ndeprecated (they still work, with a warning, for one release):\n");
    for (const cli_alias *a = spec->aliases; a->old; a++)
      fprintf(out, "  --%-24s use --%s\n", a->old, a->current);
  }
}

/* getopt_long takes any unique prefix of a name; we take whole names
 * only, so that a later option cannot change what an old command means. */
static bool whole_name(const opt_index *x, const cli_cmd_spec *spec, const char *arg) {
  if (strncmp(arg, "--", 2) || !arg[2]) return true;
  const char *name = arg + 2;
  size_t len = strcspn(name, "=");
  if (len == 4 && !strncmp(name, "help", 4)) return true;
  for (int i = 0; i < x->n; i++)
    if (strlen(x->lo[i].name) == len && !strncmp(x->lo[i].name, name, len)) return true;
  fprintf(stderr, "handover %s: unknown option '--%.*s' (options are not abbreviated; "
          "see --help)\n", spec->command, (int)len, name);
  return false;
}

static bool positional(const cli_cmd_spec *spec, const char *arg) {
  if (!spec->positional) {
    fprintf(stderr, "handover %s: unexpected argument '%s' (see --help)\n", spec->command,
            arg);
    return false;
  }
  if (*spec->positional) {
    fprintf(stderr, "handover %s: only one %s may be given, not also '%s'\n", spec->command,
            spec->positional_name, arg);
    return false;
  }
  *spec->positional = arg;
  return true;
}

static bool take_list(const cli_list_opt *l, const cli_cmd_spec *spec, const char *arg) {
  if (!*arg || *l->n >= l->cap) {
    fprintf(stderr, "handover %s: option '--%s': %s\n", spec->command, l->name,
            *arg ? "given too many times" : "needs a value, not an empty one");
    return false;
  }
  l->items[(*l->n)++] = arg;
  return true;
}

static bool take(const opt_index *x, const cli_cmd_spec *spec, int i, const char *arg) {
  if (x->list[i]) return take_list(x->list[i], spec, arg);
  const cli_opt *o = x->opt[i];
  if (x->alias_of[i])
    fprintf(stderr, "handover %s: warning: --%s is deprecated; use --%s\n", spec->command,
            x->lo[i].name, x->alias_of[i]);
  if (o->metavar && !*arg) {
    fprintf(stderr, "handover %s: option '--%s' needs a value (%s), not an empty one\n",
            spec->command, x->lo[i].name, o->metavar);
    return false;
  }
  if (o->metavar && *o->value) {
    fprintf(stderr, "handover %s: option '--%s' given twice\n", spec->command,
            x->alias_of[i] ? x->alias_of[i] : x->lo[i].name);
    return false;
  }
  if (o->metavar)
    *o->value = arg;
  else
    *o->flag = true;
  return true;
}

static cli_opts_result bad_option(const opt_index *x, const cli_cmd_spec *spec, int c,
                                  const char *arg) {
  int i = optopt - VAL_BASE;
  if (c == ':' && i >= 0 && i < x->n)
    fprintf(stderr, "handover %s: option '--%s' needs a value (%s)\n", spec->command,
            x->lo[i].name, x->opt[i] ? x->opt[i]->metavar : x->list[i]->metavar);
  else if (i >= 0 && i < x->n)
    fprintf(stderr, "handover %s: option '--%s' takes no value\n", spec->command,
            x->lo[i].name);
  else
    fprintf(stderr, "handover %s: unknown option '%s' (see --help)\n", spec->command, arg);
  return CLI_OPTS_ERROR;
}

cli_opts_result cli_opts_parse(const cli_cmd_spec *spec, int argc, char **argv) {
  opt_index *x = malloc(sizeof *x);
  if (!x) {
    fprintf(stderr, "handover %s: out of memory\n", spec->command);
    return CLI_OPTS_ERROR;
  }
  build_index(spec, x);
  cli_opts_result r = CLI_OPTS_OK;
  optind = 0; /* GNU: start afresh (tests parse several command lines) */
  opterr = 0;
  for (;;) {
    int next = optind ? optind : 1; /* 0 until getopt_long starts */
    if (next < argc && !whole_name(x, spec, argv[next])) {
      r = CLI_OPTS_ERROR;
      break;
    }
    const char *here = next < argc ? argv[next] : "";
    /* "-": options and arguments in order; ":": we say what is wrong. */
    int c = getopt_long(argc, argv, "-:h", x->lo, NULL);
    if (c == -1) break;
    if (c == 'h') {
      cli_opts_usage(spec, stdout);
      r = CLI_OPTS_HELP;
      break;
    }
    if (c == 1) {
      if (!positional(spec, optarg)) r = CLI_OPTS_ERROR;
    } else if (c >= VAL_BASE && c < VAL_BASE + x->n) {
      if (!take(x, spec, c - VAL_BASE, optarg)) r = CLI_OPTS_ERROR;
    } else {
      r = bad_option(x, spec, c, here);
    }
    if (r != CLI_OPTS_OK) break;
  }
  /* After "--": every remaining word is an argument, even "--x". */
  for (int i = optind; r == CLI_OPTS_OK && i < argc; i++)
    if (!positional(spec, argv[i])) r = CLI_OPTS_ERROR;
  free(x);
  return r;
}

bool cli_opts_require(const cli_cmd_spec *spec, const char *value, const char *name) {
  if (value) return true;
  fprintf(stderr, "handover %s: missing required option --%s (see --help)\n",
          spec->command, name);
  return false;
}

bool cli_opts_require_positional(const cli_cmd_spec *spec) {
  if (spec->positional && *spec->positional) return true;
  fprintf(stderr, "handover %s: %s is required (see --help)\n", spec->command,
          spec->positional_name);
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
