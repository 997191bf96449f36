/* A small NTS-KE server for the refusal tests, made to misbehave on
 * purpose. It serves connections one at a time until killed, and writes
 * each session's exported keys (c2s || s2c) to KEYFILE so that
 * ntp_server can answer the NTP requests made with its cookies.
 * usage: ke_server PORT CERT KEY KEYFILE [flags]
 *   --no-alpn       select no ALPN protocol
 *   --tls12         speak TLS 1.2 at most
 *   --error         reply with an Error record
 *   --warning       add a Warning record
 *   --critical      add an unknown critical record
 *   --no-cookie     send no New Cookie record
 *   --no-aead       agree on no AEAD (send AEAD 30 instead of 15)
 *   --ntp-port P    send Port Negotiation P
 *   --ntp-server H  send Server Negotiation H
 *   --delay-ms N    wait N ms before the reply (a slow server)
 * Cookies are random bytes: the keys travel through KEYFILE instead. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "nts_testlib.h"

typedef struct {
  bool no_alpn, tls12, error, warning, critical, no_cookie, no_aead;
  int ntp_port, delay_ms;
  const char *ntp_server;
  const char *keyfile;
} flags;

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg) {
  (void)ssl, (void)arg;
  static const unsigned char want[] = "\x07ntske/1";
  unsigned char *sel = NULL;
  if (SSL_select_next_proto(&sel, outlen, want, sizeof want - 1, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *make_ctx(const char *cert, const char *key, const flags *f) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return NULL;
  if (f->tls12) {
    if (SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1) return NULL;
  } else if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return NULL;
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
    return NULL;
  if (!f->no_alpn) SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
  return ctx;
}

static bool build_reply(const flags *f, hv_buf_writer *w) {
  bool ok = true;
  if (f->error) return ht_ke_record_u16(w, true, 2, 1) && ht_ke_record(w, true, 0, NULL, 0);
  ok = ht_ke_record_u16(w, true, 1, 0) &&
       ht_ke_record_u16(w, true, 4, f->no_aead ? 30 : 15);
  if (ok && f->critical) ok = ht_ke_record_u16(w, true, 0x4242, 0);
  if (ok && f->warning) ok = ht_ke_record_u16(w, true, 3, 1);
  for (int i = 0; ok && !f->no_cookie && i < 8; i++) {
    uint8_t cookie[64];
    ok = hv_random(cookie, sizeof cookie) == 0 && ht_ke_record(w, false, 5, cookie, sizeof cookie);
  }
  if (ok && f->ntp_server)
    ok = ht_ke_record(w, true, 6, (const uint8_t *)f->ntp_server, strlen(f->ntp_server));
  if (ok && f->ntp_port) ok = ht_ke_record_u16(w, true, 7, (uint16_t)f->ntp_port);
  return ok && ht_ke_record(w, true, 0, NULL, 0);
}

static void save_keys(SSL *ssl, const char *path) {
  static const char label[] = "EXPORTER-network-time-security";
  uint8_t keys[64], c2s_ctx[5] = {0, 0, 0, 15, 0}, s2c_ctx[5] = {0, 0, 0, 15, 1};
  if (SSL_export_keying_material(ssl, keys, 32, label, sizeof label - 1, c2s_ctx, 5, 1) != 1 ||
      SSL_export_keying_material(ssl, keys + 32, 32, label, sizeof label - 1, s2c_ctx, 5, 1) != 1)
    return;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *fp = fopen(tmp, "wb");
  if (!fp) return;
  int ok = fwrite(keys, 1, sizeof keys, fp) == sizeof keys;
  if (fclose(fp) == 0 && ok) (void)!rename(tmp, path);
}

static void serve_one(SSL_CTX *ctx, int conn, const flags *f) {
  SSL *ssl = SSL_new(ctx);
  if (!ssl || SSL_set_fd(ssl, conn) != 1) goto out;
  if (SSL_accept(ssl) != 1) {
    fprintf(stderr, "ke_server: handshake failed\n");
    ERR_print_errors_fp(stderr);
    goto out;
  }
  uint8_t req[1024];
  if (SSL_read(ssl, req, sizeof req) <= 0) goto out;
  save_keys(ssl, f->keyfile);
  if (f->delay_ms > 0) usleep((useconds_t)f->delay_ms * 1000);
  uint8_t reply[2048];
  hv_buf_writer w;
  hv_buf_writer_init(&w, reply, sizeof reply);
  if (build_reply(f, &w) && SSL_write(ssl, reply, (int)w.len) > 0) (void)SSL_shutdown(ssl);
out:
  SSL_free(ssl);
  close(conn);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: ke_server PORT CERT KEY KEYFILE [flags]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  flags f = {.keyfile = argv[4]};
  for (int i = 5; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--no-alpn")) f.no_alpn = true;
    else if (!strcmp(a, "--tls12")) f.tls12 = true;
    else if (!strcmp(a, "--error")) f.error = true;
    else if (!strcmp(a, "--warning")) f.warning = true;
    else if (!strcmp(a, "--critical")) f.critical = true;
    else if (!strcmp(a, "--no-cookie")) f.no_cookie = true;
    else if (!strcmp(a, "--no-aead")) f.no_aead = true;
    else if (!strcmp(a, "--ntp-port") && i + 1 < argc) f.ntp_port = atoi(argv[++i]);
    else if (!strcmp(a, "--ntp-server") && i + 1 < argc) f.ntp_server = argv[++i];
    else if (!strcmp(a, "--delay-ms") && i + 1 < argc) f.delay_ms = atoi(argv[++i]);
    else {
      fprintf(stderr, "ke_server: unknown flag %s\n", a);
      return 2;
    }
  }
  SSL_CTX *ctx = make_ctx(argv[2], argv[3], &f);
  if (!ctx) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 8) != 0) {
    perror("ke_server: listen");
    return 1;
  }
  for (;;) {
    int conn = accept(s, NULL, NULL);
    if (conn >= 0) serve_one(ctx, conn, &f);
  }
}
