/* handover: move a TEE worker's key to its upgraded enclave build. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "handover/crypto.h"
#include "handover/session.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"init", cmd_init, "create a new sealed worker identity"},
    {"serve", cmd_serve, "serve the key to an upgraded build (sender)"},
    {"receive", cmd_receive, "fetch the key from the running build (receiver)"},
    {"status", cmd_status, "show a store's identity, policy version and chain head"},
    {"time", cmd_time, "trusted time from a quorum of NTS servers"},
    {"policy", cmd_policy, "keygen, sign, verify and show governance policies"},
    {"receipt", cmd_receipt, "show or verify a signed handover receipt"},
    {"log", cmd_log, "show or verify a store's append-only handover log"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: handover COMMAND [OPTIONS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'handover COMMAND --help' describes each command.\n");
}

/* Core files and other processes must not see the keys in this
 * process's memory (the session module says when a runtime cannot). */
static void log_start(void *ctx, hv_session_level level, const char *line) {
  (void)ctx;
  fprintf(stderr, "handover: %s%s\n", level == HV_SESSION_LOG_WARN ? "warning: " : "", line);
}

static void keep_memory_private(void) {
  hv_session_log log = {.fn = log_start, .ctx = NULL};
  (void)hv_session_keep_memory_private(&log);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  /* Before any command, so that no timed step pays for OpenSSL's
   * start-up; a failure here shows again, named, where it matters. */
  keep_memory_private();
  (void)!hv_crypto_init();
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "handover: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
