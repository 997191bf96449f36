/* `handover policy keygen|sign|verify|show`: the council's tools for the
 * governance policy (docs/POLICY.md). Exit status: 0 success, 1 a check
 * failed or a file could not be used, 2 a usage error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_policy_io.h"
#include "cli/commands.h"
#include "cli/json_out.h"
#include "cli/opts.h"
#include "handover/crypto.h"
#include "handover/policy.h"

#define N_OPTS(a) (sizeof(a) / sizeof((a)[0]))
/* A .sig file name is the policy's name plus this. */
#define SIG_SUFFIX ".sig"
/* A signature line is 204 bytes; leave room for the limit on lines. */
#define SIG_OUT_CAP (HV_POLICY_MAX_SIGNATURES * 256)

static const char usage_policy[] =
    "usage: handover policy keygen|sign|verify|show [OPTIONS]\n"
    "\n"
    "  keygen  make a council member's key pair\n"
    "  sign    add a council member's signature to a policy's .sig file\n"
    "  verify  check a policy's signatures against a council\n"
    "  show    print a policy in canonical form\n"
    "\n'handover policy SUBCOMMAND --help' describes each; docs/POLICY.md the format.\n";

/* Prints a refusal: which check failed, where, and why. */
static void report(const char *prefix, const char *path, hv_policy_error err,
                   const hv_policy_diag *d) {
  if (d->line)
    fprintf(stderr, "%s: %s:%zu: %s: %s\n", prefix, path, d->line,
            hv_policy_error_name(err), d->what);
  else
    fprintf(stderr, "%s: %s: %s: %s\n", prefix, path, hv_policy_error_name(err), d->what);
}

/* The file a diagnostic talks about. */
static const char *diag_path(const hv_policy_diag *d, const char *policy,
                             const char *sig, const char *council) {
  if (d->in && !strcmp(d->in, "signatures")) return sig;
  if (d->in && !strcmp(d->in, "council")) return council ? council : "(built-in council)";
  return policy;
}

static int write_key_pair(const char *prefix, const char *secret_path,
                          const char *public_path) {
  uint8_t seed[HV_ED25519_PRIV_LEN], pub[HV_ED25519_PUB_LEN];
  char secret_text[128], public_text[160];
  if (hv_ed25519_keypair(seed, pub) != 0) {
    hv_wipe(seed, sizeof seed);
    fprintf(stderr, "%s: key generation failed\n", prefix);
    return 1;
  }
  int n = snprintf(secret_text, sizeof secret_text, "secret_key ");
  for (size_t i = 0; i < sizeof seed; i++)
    n += snprintf(secret_text + n, sizeof secret_text - (size_t)n, "%02x", seed[i]);
  n += snprintf(secret_text + n, sizeof secret_text - (size_t)n, "\n");
  hv_wipe(seed, sizeof seed);
  int m = snprintf(public_text, sizeof public_text,
                   "# handover council member public key\nmember ");
  for (size_t i = 0; i < sizeof pub; i++)
    m += snprintf(public_text + m, sizeof public_text - (size_t)m, "%02x", pub[i]);
  m += snprintf(public_text + m, sizeof public_text - (size_t)m, "\n");
  int rc = 1;
  if (pol_write_new(prefix, secret_path, secret_text, (size_t)n, 0600) == 0) {
    if (pol_write_new(prefix, public_path, public_text, (size_t)m, 0644) == 0) {
      printf("%s", strchr(public_text, '\n') + 1);
      rc = 0;
    } else if (remove(secret_path) != 0) { /* nothing is left half-way */
      fprintf(stderr, "%s: %s: could not remove after failure\n", prefix, secret_path);
    }
  }
  hv_wipe(secret_text, sizeof secret_text);
  return rc;
}

static int cmd_keygen(int argc, char **argv) {
  const char *prefix = "handover policy keygen";
  const char *secret = NULL, *public_file = NULL;
  const cli_opt opts[] = {
      {"secret", "FILE", "the secret key file to create (0600)", &secret, NULL},
      {"public", "FILE", "the public key file to create (one member line)", &public_file,
       NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  const cli_cmd_spec spec = {
      .command = "policy keygen",
      .synopsis = "policy keygen --secret FILE --public FILE",
      .about = "Makes an Ed25519 key pair for one council member. The secret key file\n"
               "is created with mode 0600; the public key file holds one `member` line,\n"
               "so public key files concatenate into a council file. Neither file may\n"
               "exist already.",
      .tables = {opts, NULL},
  };
  int st = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (st >= 0) return st;
  if (!cli_opts_require(&spec, secret, "secret") ||
      !cli_opts_require(&spec, public_file, "public"))
    return 2;
  if (!strcmp(secret, public_file)) {
    fprintf(stderr, "%s: --secret and --public must differ\n", prefix);
    return 2;
  }
  return write_key_pair(prefix, secret, public_file);
}

/* POLICY.sig, or the --sig option. Returns a malloc'd path or NULL. */
static char *sig_path_for(const char *policy, const char *given) {
  size_t n = strlen(given ? given : policy) + sizeof SIG_SUFFIX;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s", given ? given : policy, given ? "" : SIG_SUFFIX);
  return p;
}

static int load_seed(const char *prefix, const char *path,
                     uint8_t seed[HV_ED25519_PRIV_LEN]) {
  uint8_t *text;
  size_t len;
  if (pol_read_file(prefix, path, HV_POLICY_MAX_FILE, true, &text, &len) != 0) return -1;
  hv_policy_diag d = {0};
  hv_policy_error err = hv_policy_secret_key_parse(text, len, seed, &d);
  hv_wipe(text, len);
  free(text);
  if (err) {
    report(prefix, path, err, &d);
    return -1;
  }
  return 0;
}

static int sign_file(const char *prefix, const char *policy, const char *sig_path,
                     const uint8_t seed[HV_ED25519_PRIV_LEN]) {
  uint8_t *text = NULL, *old = NULL;
  size_t len = 0, old_len = 0;
  char *out = NULL;
  int rc = 1;
  if (pol_read_file(prefix, policy, HV_POLICY_MAX_FILE, false, &text, &len) != 0) goto done;
  if (access(sig_path, F_OK) == 0) { /* else this is the first signature */
    if (pol_read_file(prefix, sig_path, HV_POLICY_MAX_FILE, false, &old, &old_len) != 0)
      goto done;
  }
  if (!(out = malloc(SIG_OUT_CAP))) goto done;
  size_t out_len = 0;
  hv_policy_diag d = {0};
  hv_policy_error err = hv_policy_sign(text, len, seed, old, old_len, out, SIG_OUT_CAP,
                                       &out_len, &d);
  if (err) {
    report(prefix, diag_path(&d, policy, sig_path, NULL), err, &d);
    goto done;
  }
  if (pol_write_replace(prefix, sig_path, out, out_len, 0644) != 0) goto done;
  printf("signed %s; signatures in %s\n", policy, sig_path);
  rc = 0;
done:
  free(text);
  free(old);
  free(out);
  return rc;
}

static int cmd_sign(int argc, char **argv) {
  const char *prefix = "handover policy sign";
  const char *key = NULL, *sig = NULL, *policy = NULL;
  const cli_opt opts[] = {
      {"secret", "FILE", "the council member's secret key file", &key, NULL},
      {"policy-sig", "FILE", "the signatures file (default POLICY.sig)", &sig, NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  static const cli_alias aliases[] = {{"key", "secret"}, {"sig", "policy-sig"}, {NULL, NULL}};
  const cli_cmd_spec spec = {
      .command = "policy sign",
      .synopsis = "policy sign --secret FILE [--policy-sig FILE] POLICY",
      .about = "Signs the exact bytes of POLICY with the secret key and adds the\n"
               "signature to the signatures file (default POLICY.sig), created if\n"
               "missing. A signature by the same key is replaced; the others must still\n"
               "verify over POLICY. The policy must parse: nothing is signed that a\n"
               "worker would refuse.",
      .tables = {opts, NULL},
      .aliases = aliases,
      .positional = &policy,
      .positional_name = "POLICY",
  };
  int rc = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (rc >= 0) return rc;
  if (!cli_opts_require(&spec, key, "secret")) return 2;
  if (!policy) {
    fprintf(stderr, "%s: POLICY is required (see --help)\n", prefix);
    return 2;
  }
  char *sig_path = sig_path_for(policy, sig);
  uint8_t seed[HV_ED25519_PRIV_LEN];
  rc = 1;
  if (sig_path && load_seed(prefix, key, seed) == 0) {
    rc = sign_file(prefix, policy, sig_path, seed);
    hv_wipe(seed, sizeof seed);
  }
  free(sig_path);
  return rc;
}

static int load_council(const char *prefix, const char *path, hv_policy_council **out) {
  hv_policy_diag d = {0};
  hv_policy_error err;
  if (!path) {
    err = hv_policy_council_builtin(out, &d);
  } else {
    uint8_t *text;
    size_t len;
    if (pol_read_file(prefix, path, HV_POLICY_MAX_FILE, false, &text, &len) != 0) return -1;
    err = hv_policy_council_parse(text, len, out, &d);
    free(text);
  }
  if (err) {
    report(prefix, path ? path : "(built-in council)", err, &d);
    if (!path && err == HV_POLICY_ERR_NO_COUNCIL)
      fprintf(stderr, "%s: this build has no council; give --council FILE (dev mode)\n",
              prefix);
    return -1;
  }
  return 0;
}

static int parse_u64(const char *s, uint64_t *out) {
  if (!*s || strlen(s) > 20) return -1;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) return -1;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return 0;
}

static void verify_json(const char *policy, const char *council_path, const hv_policy *p,
                        const hv_policy_council *c, hv_policy_error err,
                        const hv_policy_diag *d, const char *file) {
  json_t *o;
  if (!err) {
    o = json_pack("{s:b, s:s, s:I, s:i, s:I, s:s}", "verified", 1, "policy", policy,
                  "version", (json_int_t)hv_policy_version(p), "threshold",
                  (int)hv_policy_council_threshold(c), "council_size",
                  (json_int_t)hv_policy_council_size(c), "council",
                  council_path ? council_path : "built-in");
  } else {
    o = json_pack("{s:b, s:s, s:s, s:s, s:s}", "verified", 0, "policy", policy, "error",
                  hv_policy_error_name(err), "file", file, "what", d->what);
    if (o && d->line) json_object_set_new(o, "line", json_integer((json_int_t)d->line));
  }
  (void)cli_json_print(o);
}

static int verify_files(const char *prefix, const char *policy, const char *sig_path,
                        const char *council_path, uint64_t newest, bool json) {
  hv_policy_council *council = NULL;
  uint8_t *text = NULL, *sig = NULL;
  size_t len = 0, sig_len = 0;
  int rc = 1;
  if (load_council(prefix, council_path, &council) != 0 ||
      pol_read_file(prefix, policy, HV_POLICY_MAX_FILE, false, &text, &len) != 0 ||
      pol_read_file(prefix, sig_path, HV_POLICY_MAX_FILE, false, &sig, &sig_len) != 0)
    goto done;
  hv_policy *p = NULL;
  hv_policy_diag d = {0};
  hv_policy_error err = hv_policy_verify(text, len, sig, sig_len, council, newest, &p, &d);
  const char *file = diag_path(&d, policy, sig_path, council_path);
  if (json) verify_json(policy, council_path, p, council, err, &d, file);
  if (err) {
    report("handover policy verify: REFUSED", file, err, &d);
    goto done;
  }
  if (!json)
    printf("verified: %s version %" PRIu64 ", threshold %u of %zu council members (%s)\n",
           policy, hv_policy_version(p), (unsigned)hv_policy_council_threshold(council),
           hv_policy_council_size(council), council_path ? council_path : "built-in council");
  hv_policy_free(p);
  rc = 0;
done:
  hv_policy_council_free(council);
  free(text);
  free(sig);
  return rc;
}

static int cmd_verify(int argc, char **argv) {
  const char *prefix = "handover policy verify";
  const char *council = NULL, *sig = NULL, *newest_s = NULL, *policy = NULL;
  bool json = false;
  const cli_opt opts[] = {
      {"council", "FILE", "the council (default: the one built in; dev mode)", &council,
       NULL},
      {"policy-sig", "FILE", "the signatures file (default POLICY.sig)", &sig, NULL},
      {"newest-seen", "N", "refuse a version below N (default 0)", &newest_s, NULL},
      {"json", NULL, "print the verdict as one JSON object", NULL, &json},
      {NULL, NULL, NULL, NULL, NULL},
  };
  static const cli_alias aliases[] = {{"sig", "policy-sig"}, {NULL, NULL}};
  const cli_cmd_spec spec = {
      .command = "policy verify",
      .synopsis = "policy verify [--council FILE] [--policy-sig FILE] [--newest-seen N] "
                  "[--json] POLICY",
      .about = "Checks that POLICY's signatures (default POLICY.sig) reach the\n"
               "council's threshold, each signer counted once, with no signature by an\n"
               "unknown key and none that fails; that the policy parses; and that its\n"
               "version is not below N (default 0). Without --council the council\n"
               "built into this handover is used; --council FILE is for dev mode.",
      .tables = {opts, NULL},
      .aliases = aliases,
      .positional = &policy,
      .positional_name = "POLICY",
  };
  int rc = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (rc >= 0) return rc;
  uint64_t newest = 0;
  if (!policy) {
    fprintf(stderr, "%s: POLICY is required (see --help)\n", prefix);
    return 2;
  }
  if (newest_s && parse_u64(newest_s, &newest) != 0) {
    fprintf(stderr, "%s: --newest-seen: '%s' is not a decimal number\n", prefix, newest_s);
    return 2;
  }
  char *sig_path = sig_path_for(policy, sig);
  rc = sig_path ? verify_files(prefix, policy, sig_path, council, newest, json) : 1;
  free(sig_path);
  return rc;
}

static json_t *measurement_json(const hv_tee_measurement *m) {
  char mre[2 * HV_TEE_MR_LEN + 1], mrs[2 * HV_TEE_MR_LEN + 1];
  for (size_t i = 0; i < HV_TEE_MR_LEN; i++) {
    snprintf(mre + 2 * i, 3, "%02x", m->mr_enclave[i]);
    snprintf(mrs + 2 * i, 3, "%02x", m->mr_signer[i]);
  }
  return json_pack("{s:s, s:s, s:i, s:i}", "mr_enclave", mre, "mr_signer", mrs,
                   "isv_prod_id", m->isv_prod_id, "isv_svn", m->isv_svn);
}

/* The parsed policy, every setting explicit (docs/JSON.md). */
static int show_json(const char *path, const hv_policy *p) {
  hv_policy_time t;
  hv_policy_get_time(p, &t);
  json_t *o = json_pack(
      "{s:s, s:b, s:I, s:i, s:I, s:{s:i, s:i, s:i, s:i, s:s}}", "policy", path,
      "signatures_checked", 0, "version", (json_int_t)hv_policy_version(p),
      "response_window_s", (int)hv_policy_response_window_s(p), "max_chain_lag_s",
      (json_int_t)hv_policy_max_chain_lag_s(p), "time", "min_responses",
      (int)t.min_responses, "max_spread_s", (int)t.max_spread_s, "timeout_ms",
      (int)t.timeout_ms, "min_distinct_operators", (int)t.min_distinct_operators, "quorum",
      hv_timesrc_quorum_name(t.quorum));
  json_t *servers = json_array(), *runtimes = json_array();
  for (size_t i = 0; o && servers && i < hv_policy_server_count(p); i++) {
    hv_policy_server sv;
    if (hv_policy_server_at(p, i, &sv) == HV_POLICY_OK)
      json_array_append_new(servers, json_pack("{s:s, s:i, s:s, s:s}", "host", sv.host,
                                               "port", sv.ke_port, "operator",
                                               sv.operator_name, "region", sv.region));
  }
  for (size_t i = 0; o && runtimes && i < hv_policy_runtime_count(p); i++) {
    hv_policy_runtime r;
    if (hv_policy_runtime_at(p, i, &r) != HV_POLICY_OK) continue;
    json_t *m = measurement_json(&r.m);
    if (m) json_object_set_new(m, "seq", json_integer((json_int_t)r.seq));
    json_array_append_new(runtimes, m);
  }
  if (o && servers && runtimes) {
    json_object_set_new(o, "servers", servers);
    json_object_set_new(o, "runtimes", runtimes);
    return cli_json_print(o) == 0 ? 0 : 1;
  }
  json_decref(o);
  json_decref(servers);
  json_decref(runtimes);
  return cli_json_print(NULL) == 0 ? 0 : 1;
}

static int cmd_show(int argc, char **argv) {
  const char *prefix = "handover policy show";
  const char *policy = NULL;
  bool json = false;
  const cli_opt opts[] = {
      {"json", NULL, "print the parsed policy as one JSON object", NULL, &json},
      {NULL, NULL, NULL, NULL, NULL},
  };
  const cli_cmd_spec spec = {
      .command = "policy show",
      .synopsis = "policy show [--json] POLICY",
      .about = "Parses POLICY and prints it in canonical form (every setting explicit).\n"
               "Signatures are not checked: use 'handover policy verify' for that.",
      .tables = {opts, NULL},
      .positional = &policy,
      .positional_name = "POLICY",
  };
  int rc = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (rc >= 0) return rc;
  if (!policy) {
    fprintf(stderr, "%s: POLICY is required (see --help)\n", prefix);
    return 2;
  }
  uint8_t *text;
  size_t len;
  if (pol_read_file(prefix, policy, HV_POLICY_MAX_FILE, false, &text, &len) != 0) return 1;
  hv_policy *p = NULL;
  hv_policy_diag d = {0};
  hv_policy_error err = hv_policy_parse(text, len, &p, &d);
  free(text);
  if (err) {
    report(prefix, policy, err, &d);
    return 1;
  }
  if (json) {
    rc = show_json(policy, p);
    hv_policy_free(p);
    return rc;
  }
  char *out = malloc(HV_POLICY_MAX_FILE);
  size_t out_len = 0;
  rc = 1;
  if (out && hv_policy_format(p, out, HV_POLICY_MAX_FILE, &out_len) == HV_POLICY_OK) {
    printf("# %s (parsed; signatures NOT checked)\n", policy);
    fwrite(out, 1, out_len, stdout);
    hv_timesrc_config *cfg = malloc(sizeof *cfg);
    if (cfg) {
      char trust[400];
      hv_policy_timesrc_config(p, cfg);
      hv_timesrc_trust_statement(cfg, trust, sizeof trust);
      printf("# trust: %s\n", trust);
      free(cfg);
    }
    rc = 0;
  }
  free(out);
  hv_policy_free(p);
  return rc;
}

int cmd_policy(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } subs[] = {{"keygen", cmd_keygen}, {"sign", cmd_sign}, {"verify", cmd_verify},
              {"show", cmd_show}};
  if (argc < 2) {
    fputs(usage_policy, stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    fputs(usage_policy, stdout);
    return 0;
  }
  for (size_t i = 0; i < N_OPTS(subs); i++)
    if (!strcmp(argv[1], subs[i].name)) return subs[i].run(argc - 1, argv + 1);
  fprintf(stderr, "handover policy: unknown subcommand '%s'\n%s", argv[1], usage_policy);
  return 2;
}
