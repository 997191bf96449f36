/* The handover transport by address: unix:PATH or tcp:HOST:PORT with a
 * loopback literal for HOST (see include/handover/session.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handover/session.h"
#include "sys/sys.h"

#define UNIX_PREFIX "unix:"
#define TCP_PREFIX "tcp:"

static hv_session_error bad(char *detail, size_t detail_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static hv_session_error bad(char *detail, size_t detail_len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, detail_len, fmt, ap);
  va_end(ap);
  return HV_SESSION_ERR_ADDRESS;
}

static hv_session_error parse_unix(const char *path, const char *role, hv_session_addr *out,
                                   char *detail, size_t detail_len) {
  if (!*path) return bad(detail, detail_len, "%s address unix:%s: no socket path", role, path);
  if (strlen(path) >= sizeof out->path)
    return bad(detail, detail_len, "%s address unix:%s: socket path too long", role, path);
  out->kind = HV_SESSION_ADDR_UNIX;
  memcpy(out->path, path, strlen(path) + 1);
  return HV_SESSION_OK;
}

/* HOST of tcp:HOST:PORT: a dotted IPv4 literal in 127.0.0.0/8 or [::1]. */
static hv_session_error parse_host(const char *host, const char *role, hv_session_addr *out,
                                   char *detail, size_t detail_len) {
  size_t n = strlen(host);
  if (n == 0) return bad(detail, detail_len, "%s address %s: no host", role, "tcp:");
  if (host[0] == '[') {
    char v6[64];
    if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof v6)
      return bad(detail, detail_len, "%s address host %s: an IPv6 address goes in brackets", role,
                 host);
    memcpy(v6, host + 1, n - 2);
    v6[n - 2] = '\0';
    struct in6_addr a6;
    if (inet_pton(AF_INET6, v6, &a6) != 1)
      return bad(detail, detail_len, "%s address host %s: not an IPv6 address", role, host);
    if (!IN6_IS_ADDR_LOOPBACK(&a6))
      return bad(detail, detail_len,
                 "%s address %s is not loopback: the handover is same-machine "
                 "(give 127.0.0.1 or [::1])",
                 role, host);
    out->family = AF_INET6;
    memcpy(out->ip, &a6, 16);
    return HV_SESSION_OK;
  }
  struct in_addr a4;
  if (inet_pton(AF_INET, host, &a4) != 1)
    return bad(detail, detail_len,
               "%s address host %s: not an address literal (names are not resolved: "
               "give 127.0.0.1 or [::1])",
               role, host);
  if ((ntohl(a4.s_addr) >> 24) != 127)
    return bad(detail, detail_len,
               "%s address %s is not loopback: the handover is same-machine "
               "(give 127.0.0.1 or [::1])",
               role, host);
  out->family = AF_INET;
  memcpy(out->ip, &a4, 4);
  return HV_SESSION_OK;
}

static hv_session_error parse_tcp(const char *rest, const char *role, hv_session_addr *out,
                                  char *detail, size_t detail_len) {
  const char *colon = strrchr(rest, ':');
  /* an unbracketed IPv6 address has colons of its own */
  if (rest[0] != '[' && colon && strchr(rest, ':') != colon)
    return bad(detail, detail_len, "%s address tcp:%s: an IPv6 address goes in brackets", role,
               rest);
  if (!colon || (rest[0] == '[' && colon < strchr(rest, ']')))
    return bad(detail, detail_len, "%s address tcp:%s: no port (tcp:HOST:PORT)", role, rest);
  char host[64];
  if ((size_t)(colon - rest) >= sizeof host)
    return bad(detail, detail_len, "%s address tcp:%s: host too long", role, rest);
  memcpy(host, rest, (size_t)(colon - rest));
  host[colon - rest] = '\0';
  uint64_t port;
  if (!hv_sys_parse_u64(colon + 1, 65535, &port))
    return bad(detail, detail_len, "%s address port '%s': not a number in 0..65535", role,
               colon + 1);
  if (port == 0 && strcmp(role, "listen") != 0)
    return bad(detail, detail_len, "%s address tcp:%s: port 0 (only a listener takes any port)",
               role, rest);
  out->kind = HV_SESSION_ADDR_TCP;
  out->port = (uint16_t)port;
  return parse_host(host, role, out, detail, detail_len);
}

hv_session_error hv_session_addr_parse(const char *text, const char *role, hv_session_addr *out,
                                       char *detail, size_t detail_len) {
  memset(out, 0, sizeof *out);
  if (!role) role = "the";
  if (!text) return bad(detail, detail_len, "%s address: none given%s", role, "");
  if (strlen(text) >= HV_SESSION_ADDR_MAX)
    return bad(detail, detail_len, "%s address %.40s...: too long", role, text);
  if (!strncmp(text, UNIX_PREFIX, strlen(UNIX_PREFIX)))
    return parse_unix(text + strlen(UNIX_PREFIX), role, out, detail, detail_len);
  if (!strncmp(text, TCP_PREFIX, strlen(TCP_PREFIX)))
    return parse_tcp(text + strlen(TCP_PREFIX), role, out, detail, detail_len);
  return bad(detail, detail_len, "%s address '%s': not unix:PATH or tcp:HOST:PORT", role, text);
}

void hv_session_addr_format(const hv_session_addr *a, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (a->kind == HV_SESSION_ADDR_UNIX) {
    snprintf(out, cap, UNIX_PREFIX "%s", a->path);
    return;
  }
  if (!inet_ntop(a->family, a->ip, ip, sizeof ip)) snprintf(ip, sizeof ip, "?");
  if (a->family == AF_INET6)
    snprintf(out, cap, TCP_PREFIX "[%s]:%u", ip, a->port);
  else
    snprintf(out, cap, TCP_PREFIX "%s:%u", ip, a->port);
}

static socklen_t to_sockaddr(const hv_session_addr *a, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (a->family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->ip, 16);
    return sizeof *s6;
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  s4->sin_family = AF_INET;
  s4->sin_port = htons(a->port);
  memcpy(&s4->sin_addr, a->ip, 4);
  return sizeof *s4;
}

static void from_sockaddr(const struct sockaddr_storage *ss, hv_session_addr *a) {
  memset(a, 0, sizeof *a);
  a->kind = HV_SESSION_ADDR_TCP;
  a->family = ss->ss_family;
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    memcpy(a->ip, &s6->sin6_addr, 16);
    a->port = ntohs(s6->sin6_port);
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    memcpy(a->ip, &s4->sin_addr, 4);
    a->port = ntohs(s4->sin_port);
  }
}

/* Frames are small request and answer pairs: Nagle's wait for an ACK
 * would only add latency. Best effort (a runtime may not know it). */
static void no_delay(int fd) {
  int one = 1;
  (void)!setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int tcp_listen(const hv_session_addr *a, hv_session_addr *bound, char *detail,
                      size_t detail_len) {
  char text[HV_SESSION_ADDR_MAX];
  hv_session_addr_format(a, text, sizeof text);
  int fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(detail, detail_len, "socket for %s: %s", text, strerror(errno));
    return -1;
  }
  int one = 1;
  struct sockaddr_storage ss;
  socklen_t len = to_sockaddr(a, &ss);
  /* REUSEADDR: a restarted sender must not wait out TIME_WAIT. Two live
   * listeners on one port are still refused by bind. */
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      (a->family == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
      bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, HV_SESSION_LISTEN_BACKLOG) != 0) {
    snprintf(detail, detail_len, "listen %s: %s", text, strerror(errno));
    close(fd);
    return -1;
  }
  if (bound) {
    len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
      snprintf(detail, detail_len, "listen %s: getsockname: %s", text, strerror(errno));
      close(fd);
      return -1;
    }
    from_sockaddr(&ss, bound);
  }
  return fd;
}

int hv_session_listen(const hv_session_addr *a, hv_session_addr *bound, char *detail,
                      size_t detail_len) {
  if (a->kind == HV_SESSION_ADDR_TCP) return tcp_listen(a, bound, detail, detail_len);
  if (a->kind != HV_SESSION_ADDR_UNIX) {
    snprintf(detail, detail_len, "no address");
    return -1;
  }
  int fd = hv_session_unix_listen(a->path, detail, detail_len);
  if (fd >= 0 && bound) *bound = *a;
  return fd;
}

int hv_session_connect(const hv_session_addr *a, char *detail, size_t detail_len) {
  if (a->kind == HV_SESSION_ADDR_UNIX) return hv_session_unix_connect(a->path, detail, detail_len);
  char text[HV_SESSION_ADDR_MAX];
  hv_session_addr_format(a, text, sizeof text);
  if (a->kind != HV_SESSION_ADDR_TCP || a->port == 0) {
    snprintf(detail, detail_len, "connect %s: not an address to connect to", text);
    return -1;
  }
  int fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(detail, detail_len, "socket for %s: %s", text, strerror(errno));
    return -1;
  }
  struct sockaddr_storage ss;
  socklen_t len = to_sockaddr(a, &ss);
  int rc;
  do rc = connect(fd, (struct sockaddr *)&ss, len);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int saved = errno; /* for a caller that retries while nobody listens */
    snprintf(detail, detail_len, "connect %s: %s", text, strerror(saved));
    close(fd);
    errno = saved;
    return -1;
  }
  no_delay(fd);
  return fd;
}

void hv_session_peer_of(int fd, unsigned id, hv_session_peer *peer) {
  memset(peer, 0, sizeof *peer);
  peer->id = id;
  peer->pid = -1;
  peer->uid = (uid_t)-1;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
      (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
    no_delay(fd);
    len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
      hv_session_addr a;
      char text[HV_SESSION_ADDR_MAX];
      from_sockaddr(&ss, &a);
      hv_session_addr_format(&a, text, sizeof text);
      snprintf(peer->addr, sizeof peer->addr, "%.*s", (int)sizeof peer->addr - 1,
               text + strlen(TCP_PREFIX));
    }
    return;
  }
  peer->has_cred = hv_session_peer_cred(fd, &peer->pid, &peer->uid) == 0;
}
