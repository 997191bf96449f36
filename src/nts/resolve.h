/* Name resolution bounded by the query's deadline. getaddrinfo cannot be
 * cancelled, so a name is resolved in a child process that writes the
 * addresses to a pipe; the pipe is what the query waits on, and stopping
 * kills and reaps the child. Address literals skip all that. */
#ifndef HANDOVER_NTS_RESOLVE_H
#define HANDOVER_NTS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Enough to try every address a host usually has (A and AAAA records). */
#define HV_NTS_MAX_ADDRS 8

typedef struct {
  struct sockaddr_storage ss;
  socklen_t len;
} hv_nts_addr;

typedef struct {
  pid_t pid;   /* the resolving child, or -1 */
  int fd;      /* read end of its pipe, or -1 */
  uint8_t raw[1 + HV_NTS_MAX_ADDRS * sizeof(hv_nts_addr)];
  size_t got;
  uint16_t port;
  size_t n;
  hv_nts_addr addrs[HV_NTS_MAX_ADDRS];
} hv_nts_resolver;

/* Fills an address from an IPv4 or IPv6 literal ("::1" or "[::1]"). */
bool hv_nts_parse_literal(const char *host, uint16_t port, hv_nts_addr *out);

/* Starts resolving; 0 when started (or already done for a literal). */
int hv_nts_resolve_start(hv_nts_resolver *r, const char *host, uint16_t port);
/* Reads what the child wrote: 1 when done (n > 0), 0 when it must wait
 * for r->fd, -1 when the name did not resolve. */
int hv_nts_resolve_step(hv_nts_resolver *r);
/* Kills and reaps the child and closes the pipe (safe to repeat). */
void hv_nts_resolve_stop(hv_nts_resolver *r);

#endif
