/* getaddrinfo in a child process, so the deadline can abandon it. */
#include "nts/resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handover/nts.h"

bool hv_nts_parse_literal(const char *host, uint16_t port, hv_nts_addr *out) {
  char bare[HV_NTS_HOST_MAX + 1];
  size_t n = strlen(host);
  memset(out, 0, sizeof *out);
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof bare) {
    memcpy(bare, host + 1, n - 2);
    bare[n - 2] = '\0';
  } else if (n < sizeof bare) {
    memcpy(bare, host, n + 1);
  } else {
    return false;
  }
  struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
  if (inet_pton(AF_INET, bare, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out->len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, bare, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out->len = sizeof *v6;
    return true;
  }
  return false;
}

/* The child: resolve, write count and addresses in one write (smaller
 * than PIPE_BUF, so it arrives whole), exit. */
static void child_resolve(int fd, const char *host) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
  struct addrinfo *res = NULL;
  uint8_t out[1 + HV_NTS_MAX_ADDRS * sizeof(hv_nts_addr)];
  size_t n = 0;
  if (getaddrinfo(host, NULL, &hints, &res) == 0) {
    for (struct addrinfo *ai = res; ai && n < HV_NTS_MAX_ADDRS; ai = ai->ai_next) {
      if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
          ai->ai_addrlen > sizeof(struct sockaddr_storage))
        continue;
      hv_nts_addr a;
      memset(&a, 0, sizeof a);
      memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
      a.len = ai->ai_addrlen;
      memcpy(out + 1 + n * sizeof a, &a, sizeof a);
      n++;
    }
    freeaddrinfo(res);
  }
  out[0] = (uint8_t)n;
  ssize_t w = write(fd, out, 1 + n * sizeof(hv_nts_addr));
  _exit(w < 0 ? 1 : 0);
}

int hv_nts_resolve_start(hv_nts_resolver *r, const char *host, uint16_t port) {
  memset(r, 0, sizeof *r);
  r->pid = -1;
  r->fd = -1;
  r->port = port;
  if (hv_nts_parse_literal(host, port, &r->addrs[0])) {
    r->n = 1;
    return 0;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return -1;
  }
  if (pid == 0) {
    /* Keep only the pipe: other queries' sockets must close when their
     * owner closes them, not when this child exits. */
    int out = p[1];
    if (out > 3 && dup2(out, 3) == 3) out = 3;
    close_range((unsigned)out + 1, ~0U, 0);
    if (out > 3) close_range(3, (unsigned)out - 1, 0);
    child_resolve(out, host);
  }
  close(p[1]);
  if (fcntl(p[0], F_SETFL, O_NONBLOCK) != 0) {
    r->fd = p[0];
    r->pid = pid;
    hv_nts_resolve_stop(r);
    return -1;
  }
  r->fd = p[0];
  r->pid = pid;
  return 0;
}

static void set_port(hv_nts_addr *a, uint16_t port) {
  if (a->ss.ss_family == AF_INET)
    ((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
  else
    ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

int hv_nts_resolve_step(hv_nts_resolver *r) {
  if (r->fd < 0) return r->n > 0 ? 1 : -1;
  for (;;) {
    if (r->got == sizeof r->raw) break;
    ssize_t got = read(r->fd, r->raw + r->got, sizeof r->raw - r->got);
    if (got > 0) {
      r->got += (size_t)got;
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return 0;
    break; /* end of file, or an error: the child is done either way */
  }
  hv_nts_resolve_stop(r);
  size_t n = r->got > 0 ? r->raw[0] : 0;
  if (n == 0 || n > HV_NTS_MAX_ADDRS || r->got != 1 + n * sizeof(hv_nts_addr))
    return -1;
  for (size_t i = 0; i < n; i++) {
    memcpy(&r->addrs[i], r->raw + 1 + i * sizeof(hv_nts_addr), sizeof(hv_nts_addr));
    if ((r->addrs[i].ss.ss_family != AF_INET && r->addrs[i].ss.ss_family != AF_INET6) ||
        r->addrs[i].len > sizeof(struct sockaddr_storage))
      return -1;
    set_port(&r->addrs[i], r->port);
  }
  r->n = n;
  return 1;
}

void hv_nts_resolve_stop(hv_nts_resolver *r) {
  if (r->fd >= 0) {
    close(r->fd);
    r->fd = -1;
  }
  if (r->pid > 0) {
    /* SIGKILL to a child that already exited is harmless: it stays a
     * zombie until this waitpid reaps it. */
    kill(r->pid, SIGKILL);
    while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    r->pid = -1;
  }
}
