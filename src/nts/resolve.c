/* c-ares under the query's deadline: no child process, no thread. */
#include "nts/resolve.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "handover/nts.h"
#include "sys/sys.h"

/* Sockets c-ares has open at once: one UDP and one TCP per name server
 * at most, and resolv.conf names at most three. */
#define RESOLVE_MAX_EVENTS 8

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

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_status = ARES_SUCCESS;

static void library_init(void) { library_status = ares_library_init(ARES_LIB_INIT_ALL); }

/* c-ares opens and closes its sockets as it goes: mirror them in the
 * epoll set the query waits on. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable) {
  hv_nts_resolver *r = data;
  if (r->fd < 0) return;
  struct epoll_event ev = {.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u),
                           .data.fd = fd};
  if (!readable && !writable) {
    (void)epoll_ctl(r->fd, EPOLL_CTL_DEL, fd, NULL);
    return;
  }
  if (epoll_ctl(r->fd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
    (void)epoll_ctl(r->fd, EPOLL_CTL_ADD, fd, &ev);
}

/* Its sockets must not leak into a child the process runs. */
static int sock_configure(ares_socket_t fd, int type, void *data) {
  (void)type, (void)data;
  return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void resolved(void *arg, int status, int timeouts, struct ares_addrinfo *res) {
  (void)timeouts;
  hv_nts_resolver *r = arg;
  r->n = 0;
  if (status == ARES_SUCCESS && res) {
    for (struct ares_addrinfo_node *ai = res->nodes; ai && r->n < HV_NTS_MAX_ADDRS;
         ai = ai->ai_next) {
      if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
          ai->ai_addrlen > sizeof(struct sockaddr_storage))
        continue;
      hv_nts_addr *a = &r->addrs[r->n++];
      memset(a, 0, sizeof *a);
      memcpy(&a->ss, ai->ai_addr, ai->ai_addrlen);
      a->len = ai->ai_addrlen;
      if (ai->ai_family == AF_INET)
        ((struct sockaddr_in *)&a->ss)->sin_port = htons(r->port);
      else
        ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(r->port);
    }
  }
  if (res) ares_freeaddrinfo(res);
  r->status = r->n > 0 ? 1 : -1;
}

int hv_nts_resolve_start(hv_nts_resolver *r, const char *host, uint16_t port) {
  memset(r, 0, sizeof *r);
  r->fd = -1;
  r->port = port;
  if (hv_nts_parse_literal(host, port, &r->addrs[0])) {
    r->n = 1;
    r->status = 1;
    return 0;
  }
  if (pthread_once(&library_once, library_init) != 0 || library_status != ARES_SUCCESS) {
    errno = EINVAL;
    return -1;
  }
  r->fd = epoll_create1(EPOLL_CLOEXEC);
  if (r->fd < 0) return -1;
  struct ares_options o;
  memset(&o, 0, sizeof o);
  o.sock_state_cb = sock_state;
  o.sock_state_cb_data = r;
  ares_channel ch = NULL;
  if (ares_init_options(&ch, &o, ARES_OPT_SOCK_STATE_CB) != ARES_SUCCESS) {
    hv_nts_resolve_stop(r);
    errno = ENOMEM;
    return -1;
  }
  r->channel = ch;
  ares_set_socket_configure_callback(ch, sock_configure, NULL);
  struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  /* It may answer at once (the hosts file): the callback then sets
   * status before this returns. */
  ares_getaddrinfo(ch, host, NULL, &hints, resolved, r);
  return 0;
}

int hv_nts_resolve_step(hv_nts_resolver *r) {
  if (r->status == 0 && r->channel) {
    struct epoll_event ev[RESOLVE_MAX_EVENTS];
    int n = epoll_wait(r->fd, ev, RESOLVE_MAX_EVENTS, 0);
    for (int i = 0; i < n && r->status == 0; i++) {
      ares_socket_t rd = (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? ev[i].data.fd
                                                                          : ARES_SOCKET_BAD;
      ares_socket_t wr = (ev[i].events & EPOLLOUT) ? ev[i].data.fd : ARES_SOCKET_BAD;
      ares_process_fd(r->channel, rd, wr);
    }
    if (r->status == 0) ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  }
  if (r->status == 0) return 0;
  int status = r->status;
  hv_nts_resolve_stop(r);
  r->status = status;
  return status;
}

int64_t hv_nts_resolve_wake_ms(const hv_nts_resolver *r) {
  if (r->status != 0 || !r->channel) return INT64_MAX;
  struct timeval tv, *t = ares_timeout(r->channel, NULL, &tv);
  if (!t) return INT64_MAX;
  /* Rounded up, so the wake is never early and never spins. */
  return hv_sys_monotonic_ms() + (int64_t)t->tv_sec * 1000 + ((int64_t)t->tv_usec + 999) / 1000 +
         1;
}

void hv_nts_resolve_stop(hv_nts_resolver *r) {
  if (r->channel) {
    ares_channel ch = r->channel;
    r->channel = NULL;
    if (r->status == 0) r->status = -1; /* the destruction callback says so too */
    ares_destroy(ch);
  }
  if (r->fd >= 0) {
    close(r->fd);
    r->fd = -1;
  }
}
