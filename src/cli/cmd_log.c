/* handover log show|verify: the store's append-only handover log. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/receipt_print.h"
#include "cli/tee_opts.h"
#include "handover/log.h"
#include "handover/receipt.h"
#include "sys/sys.h"

#define N_OPTS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
  bool print;
  uint64_t want;                       /* export: the entry wanted, else 0 */
  uint8_t payload[HV_LOG_MAX_PAYLOAD]; /* its receipt */
  size_t payload_len;
  bool found;
} show_ctx;

static int print_entry(const hv_log_entry *e, void *ctx) {
  show_ctx *c = ctx;
  if (c->want && e->seq == c->want && e->payload_len <= sizeof c->payload) {
    memcpy(c->payload, e->payload, e->payload_len);
    c->payload_len = e->payload_len;
    c->found = true;
  }
  if (!c->print) return 0;
  char prev[2 * HV_SHA256_LEN + 1], hash[2 * HV_SHA256_LEN + 1];
  hv_sys_hex(e->prev, sizeof e->prev, prev);
  hv_sys_hex(e->hash, sizeof e->hash, hash);
  printf("entry %llu  time %llu ms\n  hash %s\n  prev %s\n", (unsigned long long)e->seq,
         (unsigned long long)e->time_ms, hash, prev);
  static hv_receipt r;
  bool is_signed = false;
  hv_receipt_error err = hv_receipt_decode(e->payload, e->payload_len, &r, &is_signed);
  if (err != HV_RECEIPT_OK) {
    printf("  receipt: %s\n", hv_receipt_error_name(err));
    return 0;
  }
  cli_print_receipt(stdout, &r, "  ");
  printf("  signature        %s\n", is_signed ? "Ed25519 by the identity" : "none (refusal)");
  return 0;
}

static void explain(const char *cmd, const char *dir, hv_log_error err, uint64_t bad,
                    hv_store_error se) {
  switch (err) {
    case HV_LOG_ERR_STORE:
      fprintf(stderr, "handover log %s: %s: %s\n", cmd, dir, hv_store_error_text(se));
      return;
    case HV_LOG_ERR_CHAIN:
      fprintf(stderr,
              "handover log %s: %s: log-chain-broken: entry %llu does not carry the hash of "
              "entry %llu (an entry was changed, removed or inserted)\n",
              cmd, dir, (unsigned long long)bad, (unsigned long long)(bad - 1));
      return;
    case HV_LOG_ERR_SEQUENCE:
      fprintf(stderr, "handover log %s: %s: log-sequence: entry %llu is out of sequence\n",
              cmd, dir, (unsigned long long)bad);
      return;
    case HV_LOG_ERR_HEAD:
      fprintf(stderr,
              "handover log %s: %s: log-head-mismatch: the sealed head names another last "
              "entry (entries dropped from the end, or the last one changed)\n",
              cmd, dir);
      return;
    default:
      if (bad)
        fprintf(stderr, "handover log %s: %s: %s (at entry %llu)\n", cmd, dir,
                hv_log_error_name(err), (unsigned long long)bad);
      else
        fprintf(stderr, "handover log %s: %s: %s\n", cmd, dir, hv_log_error_name(err));
  }
}

/* Writes the wanted entry's receipt to path (0644: a receipt holds no secret). */
static int export_receipt(const show_ctx *c, const char *path) {
  if (!c->found) {
    fprintf(stderr, "handover log export: no entry %llu\n", (unsigned long long)c->want);
    return CLI_EXIT_FAIL;
  }
  FILE *f = fopen(path, "wb");
  bool ok = f && fwrite(c->payload, 1, c->payload_len, f) == c->payload_len;
  if (f && fclose(f) != 0) ok = false;
  if (!ok) {
    fprintf(stderr, "handover log export: writing %s failed\n", path);
    return CLI_EXIT_FAIL;
  }
  printf("entry %llu: receipt written to %s (%zu bytes)\n", (unsigned long long)c->want, path,
         c->payload_len);
  return CLI_EXIT_OK;
}

static int log_run(const char *cmd, bool print, int argc, char **argv) {
  const char *store_dir = NULL, *entry = NULL, *out = NULL;
  bool is_export = !strcmp(cmd, "export");
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  const cli_opt opts[] = {
      {"store", "DIR", "the key store whose log to read", &store_dir, NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  const cli_opt export_opts[] = {
      {"entry", "N", "export: the entry whose receipt to write", &entry, NULL},
      {"out", "FILE", "export: the file to write it to", &out, NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  char synopsis[128];
  snprintf(synopsis, sizeof synopsis, "log %s --store DIR%s [--tee sim|sgx] [sim options]", cmd,
           is_export ? " --entry N --out FILE" : "");
  char command[32];
  snprintf(command, sizeof command, "log %s", cmd);
  cli_cmd_spec spec = {
      .command = command,
      .synopsis = synopsis,
      .about = "Reads the store's handover log (the file 'log' in DIR): one entry per\n"
               "handover or refusal, each a receipt, each carrying the hash of the one\n"
               "before; the file ends in the log's head sealed to the build that owns the\n"
               "store (the TEE options name it). 'show' prints the entries, 'verify' only\n"
               "checks. Both exit 1 naming the first problem: log-truncated,\n"
               "log-chain-broken (with the entry), log-sequence, log-head-mismatch,\n"
               "log-seal, log-format, log-missing. The host can delete the whole log, but\n"
               "cannot change an entry undetected. 'export' verifies the log, then writes\n"
               "one entry's receipt to a file (for 'handover receipt verify').",
      .tables = {opts, is_export ? export_opts : tee.table, is_export ? tee.table : NULL, NULL},
  };
  int st = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (st >= 0) return st;
  if (!cli_opts_require(&spec, store_dir, "store")) return CLI_EXIT_USAGE;
  static show_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.print = print;
  if (is_export) {
    if (!cli_opts_require(&spec, entry, "entry") || !cli_opts_require(&spec, out, "out"))
      return CLI_EXIT_USAGE;
    if (!hv_sys_parse_u64(entry, UINT32_MAX, &ctx.want) || ctx.want == 0) {
      fprintf(stderr, "handover log export: --entry: not an entry number (1, 2, ...)\n");
      return CLI_EXIT_USAGE;
    }
  }
  hv_tee *t;
  if (cli_tee_open(&tee, spec.command, &t) != 0) return CLI_EXIT_FAIL;
  hv_store *store = NULL;
  hv_store_error se = hv_store_open(store_dir, t, false, &store);
  hv_log_error err = HV_LOG_ERR_STORE;
  uint64_t count = 0, bad = 0;
  if (se == HV_STORE_OK) err = hv_store_log_verify(store, print_entry, &ctx, &count, &bad, &se);
  if (store) hv_store_free(store);
  hv_tee_free(t);
  if (err != HV_LOG_OK) {
    explain(cmd, store_dir, err, bad, se);
    return CLI_EXIT_FAIL;
  }
  if (is_export) return export_receipt(&ctx, out);
  printf("log: %llu entr%s, chain and sealed head verified\n", (unsigned long long)count,
         count == 1 ? "y" : "ies");
  return CLI_EXIT_OK;
}

static int log_show(int argc, char **argv) { return log_run("show", true, argc, argv); }
static int log_verify(int argc, char **argv) { return log_run("verify", false, argc, argv); }
static int log_export(int argc, char **argv) { return log_run("export", false, argc, argv); }

static const char usage_log[] =
    "usage: handover log show --store DIR [TEE options]\n"
    "       handover log verify --store DIR [TEE options]\n"
    "       handover log export --store DIR --entry N --out FILE [TEE options]\n";

int cmd_log(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } subs[] = {{"show", log_show}, {"verify", log_verify}, {"export", log_export}};
  if (argc < 2) {
    fputs(usage_log, stderr);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    fputs(usage_log, stdout);
    return CLI_EXIT_OK;
  }
  for (size_t i = 0; i < N_OPTS(subs); i++)
    if (!strcmp(argv[1], subs[i].name)) return subs[i].run(argc - 1, argv + 1);
  fprintf(stderr, "handover log: unknown subcommand '%s'\n%s", argv[1], usage_log);
  return CLI_EXIT_USAGE;
}
