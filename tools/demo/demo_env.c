#include "demo/demo_env.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/sys.h"

extern char **environ;

#define DEFAULT_CHRONYD "/usr/sbin/chronyd"

static EVP_PKEY *new_p256_key(void) { return EVP_EC_gen("P-256"); }

static int write_pem(const char *path, EVP_PKEY *key, X509 *cert) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    return -1;
  }
  int ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
               : PEM_write_X509(f, cert);
  return (fclose(f) == 0 && ok == 1) ? 0 : -1;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ext) return -1;
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? 0 : -1;
}

/* A certificate for key, signed by issuer_key (self-signed when issuer is
 * NULL), with the given extensions. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, const char *const *ext, const int *ext_nid, size_t n_ext) {
  X509 *c = X509_new();
  X509_NAME *name = X509_NAME_new();
  int ok = c && name && X509_set_version(c, 2) &&
           ASN1_INTEGER_set(X509_get_serialNumber(c), serial) &&
           X509_gmtime_adj(X509_getm_notBefore(c), -3600) &&
           X509_gmtime_adj(X509_getm_notAfter(c), 86400L * DEMO_ENV_CERT_DAYS) &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                      -1, -1, 0) &&
           X509_set_subject_name(c, name) &&
           X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name) &&
           X509_set_pubkey(c, key);
  for (size_t i = 0; ok && i < n_ext; i++)
    ok = add_ext(c, issuer ? issuer : c, ext_nid[i], ext[i]) == 0;
  ok = ok && X509_sign(c, issuer_key, EVP_sha256()) > 0;
  X509_NAME_free(name);
  if (!ok) {
    X509_free(c);
    return NULL;
  }
  return c;
}

static int path_in(const demo_env *e, const char *name, char *out, size_t cap) {
  int n = snprintf(out, cap, "%s/%s", e->dir, name);
  return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The CA and one server key+certificate (for localhost and 127.0.0.1),
 * shared by every server: each chronyd is an independent operator in
 * the demo's policy, and this keeps the setup fast. */
static int make_certs(demo_env *e) {
  static const int ca_nid[] = {NID_basic_constraints, NID_key_usage,
                               NID_subject_key_identifier};
  static const char *const ca_ext[] = {"critical,CA:TRUE", "critical,keyCertSign,cRLSign",
                                       "hash"};
  static const int srv_nid[] = {NID_basic_constraints, NID_subject_alt_name,
                                NID_ext_key_usage};
  static const char *const srv_ext[] = {"CA:FALSE", "DNS:localhost,IP:127.0.0.1",
                                        "serverAuth"};
  EVP_PKEY *ca_key = new_p256_key(), *key = new_p256_key();
  X509 *ca = NULL, *cert = NULL;
  char path[320];
  int rc = -1;
  if (!ca_key || !key) goto out;
  ca = make_cert(ca_key, "handover demo CA", NULL, ca_key, 1, ca_ext, ca_nid, 3);
  cert = ca ? make_cert(key, "localhost", ca, ca_key, 2, srv_ext, srv_nid, 3) : NULL;
  if (!cert || write_pem(e->ca_file, NULL, ca) != 0 ||
      path_in(e, "server.pem", path, sizeof path) != 0 || write_pem(path, NULL, cert) != 0 ||
      path_in(e, "server.key", path, sizeof path) != 0 || write_pem(path, key, NULL) != 0)
    goto out;
  rc = 0;
out:
  X509_free(ca);
  X509_free(cert);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(key);
  return rc;
}

/* A port free for TCP and UDP on 127.0.0.1, from the kernel (port 0). */
static int free_port(uint16_t *out, const uint16_t *avoid, size_t n_avoid) {
  for (int attempt = 0; attempt < 50; attempt++) {
    int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    bool ok = t >= 0 && u >= 0 && bind(t, (struct sockaddr *)&sa, sizeof sa) == 0 &&
              getsockname(t, (struct sockaddr *)&sa, &len) == 0 &&
              bind(u, (struct sockaddr *)&sa, sizeof sa) == 0;
    uint16_t port = ntohs(sa.sin_port);
    for (size_t i = 0; ok && i < n_avoid; i++) ok = avoid[i] != port;
    if (t >= 0) close(t);
    if (u >= 0) close(u);
    if (ok) {
      *out = port;
      return 0;
    }
  }
  return -1;
}

static int write_conf(const demo_env *e, size_t i, const demo_server *s, char *conf,
                      size_t cap) {
  char name[32], dump[320];
  snprintf(name, sizeof name, "nts%zu.conf", i + 1);
  snprintf(dump, sizeof dump, "%s/nts%zu.dump", e->dir, i + 1);
  if (path_in(e, name, conf, cap) != 0 || mkdir(dump, 0700) != 0) return -1;
  FILE *f = fopen(conf, "w");
  if (!f) return -1;
  fprintf(f,
          "bindaddress 127.0.0.1\nport %u\nntsport %u\n"
          "ntsserverkey %s/server.key\nntsservercert %s/server.pem\n"
          "ntsdumpdir %s\nlocal stratum 1\nallow 127.0.0.1\ncmdport 0\n"
          "pidfile %s/nts%zu.pid\n",
          s->ntp_port, s->ke_port, e->dir, e->dir, dump, e->dir, i + 1);
  return fclose(f) == 0 ? 0 : -1;
}

static bool tcp_listening(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  close(fd);
  return ok;
}

static int spawn_chronyd(const demo_env *e, size_t i, const char *chronyd, demo_server *s) {
  char conf[320], logpath[320], logname[32];
  if (write_conf(e, i, s, conf, sizeof conf) != 0) return -1;
  snprintf(logname, sizeof logname, "nts%zu.log", i + 1);
  if (path_in(e, logname, logpath, sizeof logpath) != 0) return -1;
  posix_spawn_file_actions_t fa;
  if (posix_spawn_file_actions_init(&fa) != 0) return -1;
  int rc = posix_spawn_file_actions_addopen(&fa, 1, logpath, O_WRONLY | O_CREAT | O_TRUNC,
                                            0600) ||
           posix_spawn_file_actions_adddup2(&fa, 1, 2) ||
           posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  char *argv[] = {(char *)chronyd, "-x", "-u", "root", "-d", "-f", conf, NULL};
  if (rc == 0) rc = posix_spawn(&s->pid, chronyd, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    s->pid = 0;
    fprintf(stderr, "demo: starting %s: %s\n", chronyd, strerror(rc));
    return -1;
  }
  return 0;
}

/* Waits (bounded) until server s accepts TCP on its NTS-KE port. */
static int wait_listening(const demo_env *e, size_t i, demo_server *s) {
  int64_t deadline = hv_sys_monotonic_ms() + DEMO_ENV_START_TIMEOUT_MS;
  while (!tcp_listening(s->ke_port)) {
    int status;
    if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
      s->pid = 0;
      fprintf(stderr, "demo: chronyd %zu exited at start; see %s/nts%zu.log\n", i + 1,
              e->dir, i + 1);
      return -1;
    }
    if (hv_sys_monotonic_ms() > deadline) {
      fprintf(stderr, "demo: chronyd %zu did not listen within %d ms\n", i + 1,
              DEMO_ENV_START_TIMEOUT_MS);
      return -1;
    }
    usleep(20000);
  }
  return 0;
}

/* Leaves room under sun_path for "/handover-demo.XXXXXX/sender.sock". */
#define DEMO_TMPDIR_MAX 64

int demo_env_start(demo_env *e, size_t n, const char *chronyd, bool quiet) {
  memset(e, 0, sizeof *e);
  e->quiet = quiet;
  if (n == 0 || n > DEMO_ENV_MAX_SERVERS) return -1;
  /* $TMPDIR as usual, if absolute and short: the Unix socket's path
   * must fit in sun_path (108 bytes) with the names under it. */
  const char *tmp = getenv("TMPDIR");
  if (!tmp || tmp[0] != '/' || strlen(tmp) > DEMO_TMPDIR_MAX) tmp = "/tmp";
  snprintf(e->dir, sizeof e->dir, "%s/handover-demo.XXXXXX", tmp);
  if (!mkdtemp(e->dir)) {
    e->dir[0] = '\0';
    fprintf(stderr, "demo: mkdtemp: %s\n", strerror(errno));
    return -1;
  }
  if (path_in(e, "ca.pem", e->ca_file, sizeof e->ca_file) != 0 || make_certs(e) != 0) {
    fprintf(stderr, "demo: making the test CA failed\n");
    demo_env_stop(e);
    return -1;
  }
  const char *bin = chronyd ? chronyd : DEFAULT_CHRONYD;
  uint16_t used[2 * DEMO_ENV_MAX_SERVERS];
  size_t n_used = 0;
  for (size_t i = 0; i < n; i++) {
    demo_server *s = &e->servers[i];
    if (free_port(&s->ke_port, used, n_used) != 0) goto fail;
    used[n_used++] = s->ke_port;
    if (free_port(&s->ntp_port, used, n_used) != 0) goto fail;
    used[n_used++] = s->ntp_port;
    if (spawn_chronyd(e, i, bin, s) != 0) goto fail;
    e->n = i + 1;
  }
  for (size_t i = 0; i < n; i++)
    if (wait_listening(e, i, &e->servers[i]) != 0) goto fail;
  return 0;
fail:
  demo_env_stop(e);
  return -1;
}

size_t demo_env_pids(const demo_env *e, pid_t *out, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < e->n && k < cap; i++)
    if (e->servers[i].pid > 0) out[k++] = e->servers[i].pid;
  return k;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void demo_env_remove_tree(const char *path) {
  if (path && path[0]) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void stop_pid(pid_t pid) {
  kill(pid, SIGTERM);
  int64_t deadline = hv_sys_monotonic_ms() + DEMO_ENV_STOP_TIMEOUT_MS;
  int status;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (hv_sys_monotonic_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return;
    }
    usleep(10000);
  }
}

void demo_env_stop(demo_env *e) {
  for (size_t i = 0; i < e->n; i++)
    if (e->servers[i].pid > 0) {
      stop_pid(e->servers[i].pid);
      e->servers[i].pid = 0;
    }
  e->n = 0;
  if (!e->keep) demo_env_remove_tree(e->dir);
  e->dir[0] = '\0';
}

int demo_env_subdir(const demo_env *e, const char *name, char *path, size_t cap) {
  if (path_in(e, name, path, cap) != 0) return -1;
  return mkdir(path, 0700) == 0 ? 0 : -1;
}
