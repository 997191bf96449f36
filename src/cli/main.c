/* handover: move a TEE worker's key to its upgraded enclave build. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "handover/crypto.h"
#include "handover/session.h"
#include "handover/version.h"

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
  fprintf(out, "\n'handover COMMAND --help' describes each command; man handover(1)\n"
               "all of them. 'handover --version' prints the version.\n");
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

/* Output that was lost (a full disk, a closed pipe) fails the command even
 * when its work succeeded: whoever reads stdout did not get the answer. */
static int delivered(int rc) {
  int flushed = fflush(stdout), why = errno;
  if (flushed == 0 && !ferror(stdout)) return rc;
  /* A write that failed earlier left only the error flag: its errno is gone. */
  fprintf(stderr, "handover: cannot write standard output: %s\n",
          flushed != 0 ? strerror(why) : "an earlier write failed");
  return rc == CLI_EXIT_OK ? CLI_EXIT_FAIL : rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return delivered(0);
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V") || !strcmp(argv[1], "version")) {
    /* The command's own version, then the library and OpenSSL it runs on. */
    printf("handover %s\nlibhandover %s\n%s\n", HV_VERSION_STRING, hv_version(),
           OpenSSL_version(OPENSSL_VERSION));
    return delivered(0);
  }
  /* Before any command, so that no timed step pays for OpenSSL's
   * start-up; a failure here shows again, named, where it matters. */
  keep_memory_private();
  if (hv_crypto_init() != 0) {
    /* not fatal yet: the command that needs crypto fails, named, there */
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return delivered(commands[i].run(argc - 1, argv + 1));
  fprintf(stderr, "handover: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
