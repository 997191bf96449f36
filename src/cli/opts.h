/* Long-option parsing shared by the commands (getopt_long), so every
 * command takes "--name VALUE" or "--name=VALUE", refuses abbreviations,
 * ends its options at "--", warns about deprecated names and answers
 * --help the same way. */
#ifndef HANDOVER_CLI_OPTS_H
#define HANDOVER_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "handover/api.h"

/* Exit statuses of every command. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1  /* a check refused, or an operation failed */
#define CLI_EXIT_USAGE 2 /* the command line is wrong */

/* Option tables per command (tables[] below), the TEE table shared. */
#define CLI_OPTS_MAX_TABLES 4

typedef struct {
  const char *name;    /* without the leading "--"; NULL ends a table */
  const char *metavar; /* NULL: a flag without a value */
  const char *help;
  const char **value;  /* set for options with a value */
  bool *flag;          /* set for flags */
} cli_opt;

/* An option that may be given several times (time --server). */
typedef struct {
  const char *name, *metavar, *help; /* NULL name ends the list */
  const char **items;                /* the values, in order */
  size_t *n;                         /* how many so far */
  size_t cap;                        /* at most this many (a usage error beyond) */
} cli_list_opt;

/* An old name kept for one release: it works as `current` and warns. */
typedef struct {
  const char *old, *current; /* without "--"; NULL old ends the list */
} cli_alias;

typedef struct {
  const char *command;  /* e.g. "serve", "policy sign" */
  const char *synopsis; /* one line after "usage: handover " */
  const char *about;    /* a paragraph; may be NULL */
  const cli_opt *tables[CLI_OPTS_MAX_TABLES]; /* NULL-terminated list */
  const cli_alias *aliases;                   /* may be NULL */
  const cli_list_opt *lists;                  /* repeatable options; may be NULL */
  /* The one positional argument (e.g. POLICY), NULL if none is taken. */
  const char **positional;
  const char *positional_name;
} cli_cmd_spec;

typedef enum { CLI_OPTS_OK, CLI_OPTS_HELP, CLI_OPTS_ERROR } cli_opts_result;

/* Parses argv (argv[0] is the command). On CLI_OPTS_HELP the usage went
 * to stdout; on CLI_OPTS_ERROR an error naming the option went to stderr. */
HV_MUST_CHECK cli_opts_result cli_opts_parse(const cli_cmd_spec *spec, int argc, char **argv);
void cli_opts_usage(const cli_cmd_spec *spec, FILE *out);

/* Reports a missing required option; returns false. */
HV_MUST_CHECK bool cli_opts_require(const cli_cmd_spec *spec, const char *value, const char *name);
/* The same for the spec's positional argument. */
HV_MUST_CHECK bool cli_opts_require_positional(const cli_cmd_spec *spec);

/* The status to return after parsing: -1 means go on. */
int cli_opts_exit_status(cli_opts_result r);

#endif
