/* A small HTTPS server that answers `HEAD /` in the ways an HTTPS time
 * source can go wrong, for what nginx cannot be made to do.
 * usage: https_server CERT KEY MODE
 * MODE: good, no-date, bad-date (a Date that is no IMF-fixdate),
 *       wrong-weekday (a real date with another day's name), two-dates,
 *       not-http (a reply that is not HTTP), slowloris (the head one byte
 *       every 200 ms, never finished in time), huge (a head longer than
 *       any client keeps).
 * Binds 127.0.0.1 on a free port, prints it, serves one connection at a
 * time, exits by itself after LIFETIME_S. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LIFETIME_S 120
#define SLOW_BYTE_US 200000

static void date_now(char *buf, size_t cap) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void respond(SSL *ssl, const char *mode) {
  char date[64], head[8192];
  date_now(date, sizeof date);
  if (!strcmp(mode, "no-date"))
    snprintf(head, sizeof head, "HTTP/1.1 204 No Content\r\nServer: t\r\n\r\n");
  else if (!strcmp(mode, "bad-date"))
    snprintf(head, sizeof head, "HTTP/1.1 204 No Content\r\nDate: yesterday\r\n\r\n");
  else if (!strcmp(mode, "wrong-weekday"))
    snprintf(head, sizeof head, "HTTP/1.1 204 No Content\r\nDate: Mon, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
  else if (!strcmp(mode, "two-dates"))
    snprintf(head, sizeof head, "HTTP/1.1 204 No Content\r\nDate: %s\r\nDate: %s\r\n\r\n", date,
             date);
  else if (!strcmp(mode, "not-http"))
    snprintf(head, sizeof head, "SSH-2.0-OpenSSH\r\nDate: %s\r\n\r\n", date);
  else if (!strcmp(mode, "huge")) {
    int n = snprintf(head, sizeof head, "HTTP/1.1 204 No Content\r\nDate: %s\r\nX: ", date);
    memset(head + n, 'a', sizeof head - (size_t)n - 1);
    head[sizeof head - 1] = 0;
    for (int i = 0; i < 3; i++) (void)SSL_write(ssl, head, (int)strlen(head));
    return;
  } else
    snprintf(head, sizeof head, "HTTP/1.1 204 No Content\r\nDate: %s\r\nServer: t\r\n\r\n", date);
  if (!strcmp(mode, "slowloris")) {
    for (size_t i = 0; head[i]; i++) {
      if (SSL_write(ssl, head + i, 1) <= 0) return;
      usleep(SLOW_BYTE_US);
    }
    return;
  }
  (void)SSL_write(ssl, head, (int)strlen(head));
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: https_server CERT KEY MODE\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  alarm(LIFETIME_S);
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_use_certificate_chain_file(ctx, argv[1]) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1) {
    fprintf(stderr, "https_server: bad certificate or key\n");
    return 1;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 8) != 0 ||
      getsockname(s, (struct sockaddr *)&a, &len) != 0) {
    perror("https_server: listen");
    return 1;
  }
  printf("%u\n", ntohs(a.sin_port));
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    SSL *ssl = SSL_new(ctx);
    char req[4096];
    if (ssl && SSL_set_fd(ssl, c) == 1 && SSL_accept(ssl) == 1 &&
        SSL_read(ssl, req, sizeof req) > 0)
      respond(ssl, argv[3]);
    if (ssl) (void)SSL_shutdown(ssl);
    SSL_free(ssl);
    close(c);
  }
}
