/* handover receipt show|verify: a handover receipt, checked offline with
 * nothing but the worker's public identity. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/receipt_print.h"
#include "handover/proto.h"
#include "handover/receipt.h"
#include "sys/sys.h"

#define N_OPTS(a) (sizeof(a) / sizeof((a)[0]))

static const char *role_name(uint8_t role) {
  return role == HV_RECEIPT_ROLE_SENDER ? "sender" : "receiver";
}

static const char *time_kind_name(uint8_t kind) {
  switch (kind) {
    case HV_RECEIPT_TIME_CHALLENGE: return "challenge (T0)";
    case HV_RECEIPT_TIME_RESPONSE: return "response";
    case HV_RECEIPT_TIME_KEY: return "key";
    case HV_RECEIPT_TIME_DONE: return "done";
  }
  return "?";
}

static void print_measurement(FILE *out, const char *indent, const char *who,
                              const hv_tee_measurement *m) {
  char enc[2 * HV_TEE_MR_LEN + 1], sig[2 * HV_TEE_MR_LEN + 1];
  hv_sys_hex(m->mr_enclave, HV_TEE_MR_LEN, enc);
  hv_sys_hex(m->mr_signer, HV_TEE_MR_LEN, sig);
  fprintf(out, "%s%-16s mr_enclave %s\n", indent, who, enc);
  fprintf(out, "%s%-16s mr_signer %s isv_prod_id %u isv_svn %u\n", indent, "", sig,
          m->isv_prod_id, m->isv_svn);
}

void cli_print_receipt(FILE *out, const hv_receipt *r, const char *indent) {
  char hex[2 * HV_SHA256_LEN + 1];
  if (r->outcome == HV_RECEIPT_COMPLETED)
    fprintf(out, "%soutcome          completed (%s)\n", indent, role_name(r->role));
  else
    fprintf(out, "%soutcome          refused by the %s: %s (%u)\n", indent, role_name(r->role),
            r->error_code < HV_PROTO_ERR__COUNT
                ? hv_proto_error_name((hv_proto_error)r->error_code)
                : "unknown-code",
            r->error_code);
  fprintf(out, "%sprotocol         %u\n", indent, r->protocol_version);
  print_measurement(out, indent, "sender", &r->sender);
  print_measurement(out, indent, "receiver", &r->receiver);
  hv_sys_hex(r->identity, sizeof r->identity, hex);
  fprintf(out, "%sidentity         %s\n", indent, hex);
  hv_sys_hex(r->transcript_hash, sizeof r->transcript_hash, hex);
  fprintf(out, "%stranscript hash  %s\n", indent, hex);
  hv_sys_hex(r->policy_hash, sizeof r->policy_hash, hex);
  fprintf(out, "%spolicy           version %llu sha256 %s\n", indent,
          (unsigned long long)r->policy_version, hex);
  fprintf(out, "%schain head       %llu:%llu\n", indent,
          (unsigned long long)r->chain_head_number, (unsigned long long)r->chain_head_time_ms);
  for (size_t i = 0; i < r->n_times; i++) {
    const hv_receipt_time *t = &r->times[i];
    fprintf(out, "%strusted time     %s %llu ms, agreed by", indent, time_kind_name(t->kind),
            (unsigned long long)t->time_ms);
    for (size_t s = 0; s < t->n_servers; s++) fprintf(out, " %s", t->servers[s]);
    fprintf(out, "%s\n", t->n_servers ? "" : " (servers not known to this side)");
  }
}

static int read_receipt(const char *cmd, const char *path, uint8_t *buf, size_t *len) {
  if (hv_sys_read_file(path, HV_SYS_READ_ANY, buf, HV_RECEIPT_MAX_LEN, len) == 0) return 0;
  fprintf(stderr, "handover receipt %s: %s: cannot read it (%s)\n", cmd, path,
          strerror(errno));
  return -1;
}

/* "SUB FILE [options]": the exit status, or -1 to go on with *path set. */
static int file_then_options(const cli_cmd_spec *spec, int argc, char **argv,
                             const char **path) {
  *path = argc >= 2 && strncmp(argv[1], "--", 2) != 0 ? argv[1] : NULL;
  int st = cli_opts_exit_status(cli_opts_parse(spec, *path ? argc - 1 : argc,
                                               *path ? argv + 1 : argv));
  if (st >= 0) return st;
  if (*path) return -1;
  fprintf(stderr, "handover %s: missing FILE (see --help)\n", spec->command);
  return CLI_EXIT_USAGE;
}

static int receipt_show(int argc, char **argv) {
  const cli_opt opts[] = {{NULL, NULL, NULL, NULL, NULL}};
  cli_cmd_spec spec = {
      .command = "receipt show",
      .synopsis = "receipt show FILE",
      .about = "Prints a receipt's fields, without verifying its signature\n"
               "(use 'receipt verify' for that).",
      .tables = {opts, NULL},
  };
  const char *path = NULL;
  static uint8_t buf[HV_RECEIPT_MAX_LEN];
  static hv_receipt r;
  size_t len = 0;
  bool is_signed = false;
  int st = file_then_options(&spec, argc, argv, &path);
  if (st >= 0) return st;
  if (read_receipt("show", path, buf, &len) != 0) return CLI_EXIT_FAIL;
  hv_receipt_error err = hv_receipt_decode(buf, len, &r, &is_signed);
  if (err != HV_RECEIPT_OK) {
    fprintf(stderr, "handover receipt show: %s: %s\n", path, hv_receipt_error_name(err));
    return CLI_EXIT_FAIL;
  }
  cli_print_receipt(stdout, &r, "");
  printf("signature        %s\n", is_signed ? "Ed25519 by the identity (not checked)"
                                            : "none (a refusal's receipt is not signed)");
  return CLI_EXIT_OK;
}

static int receipt_verify(int argc, char **argv) {
  const char *identity_hex = NULL;
  bool quiet = false;
  const cli_opt opts[] = {
      {"identity", "HEX", "the worker's identity public key (Ed25519, 64 hex digits)",
       &identity_hex, NULL},
      {"quiet", NULL, "print nothing but errors", NULL, &quiet},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {
      .command = "receipt verify",
      .synopsis = "receipt verify FILE --identity HEX [--quiet]",
      .about = "Verifies a completed handover's receipt offline: its structure, that it\n"
               "names this identity, and its Ed25519 signature by that identity. Exit 0\n"
               "only then; 1 names what failed (receipt-signature, receipt-unsigned,\n"
               "receipt-identity-mismatch, receipt-truncated, ...).",
      .tables = {opts, NULL},
  };
  const char *path = NULL;
  int st = file_then_options(&spec, argc, argv, &path);
  if (st >= 0) return st;
  if (!cli_opts_require(&spec, identity_hex, "identity")) return CLI_EXIT_USAGE;
  uint8_t identity[HV_ED25519_PUB_LEN];
  if (!hv_sys_unhex(identity_hex, strlen(identity_hex), identity, sizeof identity)) {
    fprintf(stderr, "handover receipt verify: --identity: not 64 hex digits\n");
    return CLI_EXIT_USAGE;
  }
  static uint8_t buf[HV_RECEIPT_MAX_LEN];
  static hv_receipt r;
  size_t len = 0;
  if (read_receipt("verify", path, buf, &len) != 0) return CLI_EXIT_FAIL;
  hv_receipt_error err = hv_receipt_verify(buf, len, identity, &r);
  if (err != HV_RECEIPT_OK) {
    fprintf(stderr, "handover receipt verify: %s: refused: %s\n", path,
            hv_receipt_error_name(err));
    return CLI_EXIT_FAIL;
  }
  if (!quiet) {
    cli_print_receipt(stdout, &r, "");
    printf("signature        ok (Ed25519 by the identity)\n");
  }
  return CLI_EXIT_OK;
}

static const char usage_receipt[] =
    "usage: handover receipt show FILE\n"
    "       handover receipt verify FILE --identity HEX [--quiet]\n";

int cmd_receipt(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } subs[] = {{"show", receipt_show}, {"verify", receipt_verify}};
  if (argc < 2) {
    fputs(usage_receipt, stderr);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    fputs(usage_receipt, stdout);
    return CLI_EXIT_OK;
  }
  for (size_t i = 0; i < N_OPTS(subs); i++)
    if (!strcmp(argv[1], subs[i].name)) return subs[i].run(argc - 1, argv + 1);
  fprintf(stderr, "handover receipt: unknown subcommand '%s'\n%s", argv[1], usage_receipt);
  return CLI_EXIT_USAGE;
}
