/* Name resolution bounded by the query's deadline, without a process or
 * a thread: c-ares, driven by the query's own poll loop. Its sockets are
 * gathered in one epoll descriptor, the one the query waits on, so a
 * query still exposes a single descriptor; its retransmit timer is
 * reported as a wake time. Stopping destroys the channel and closes
 * every socket. Address literals skip all that. */
#ifndef HANDOVER_NTS_RESOLVE_H
#define HANDOVER_NTS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "handover/api.h"

/* Enough to try every address a host usually has (A and AAAA records). */
#define HV_NTS_MAX_ADDRS 8

typedef struct {
  struct sockaddr_storage ss;
  socklen_t len;
} hv_nts_addr;

struct ares_channeldata;

typedef struct {
  struct ares_channeldata *channel; /* NULL when not resolving */
  int fd;        /* epoll descriptor of the channel's sockets, or -1 */
  int status;    /* 0 pending, 1 resolved, -1 failed */
  uint16_t port;
  size_t n;
  hv_nts_addr addrs[HV_NTS_MAX_ADDRS];
} hv_nts_resolver;

/* Fills an address from an IPv4 or IPv6 literal ("::1" or "[::1]"). */
HV_MUST_CHECK bool hv_nts_parse_literal(const char *host, uint16_t port, hv_nts_addr *out);

/* Starts resolving; 0 when started (or already done for a literal). */
HV_MUST_CHECK int hv_nts_resolve_start(hv_nts_resolver *r, const char *host, uint16_t port);
/* Handles what is ready on r->fd and any retransmit that is due: 1 when
 * done (n > 0), 0 when it must wait for r->fd (or the wake time), -1
 * when the name did not resolve. */
HV_MUST_CHECK int hv_nts_resolve_step(hv_nts_resolver *r);
/* CLOCK_MONOTONIC ms by which step must run even if r->fd stays quiet
 * (c-ares's next retransmit), or INT64_MAX. */
int64_t hv_nts_resolve_wake_ms(const hv_nts_resolver *r);
/* Destroys the channel and closes its sockets (safe to repeat). */
void hv_nts_resolve_stop(hv_nts_resolver *r);

#endif
