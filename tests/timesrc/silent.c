/* A server that never answers, for deadline tests.
 *   silent tcp PORT   accept connections, hold them open, never write
 *   silent udp PORT   read datagrams and drop them
 * PORT 0 picks a free one. Binds 127.0.0.1 only, prints the port it got,
 * and exits by itself after LIFETIME_S so it can never be left behind. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LIFETIME_S 120
#define HELD_MAX 64 /* connections kept open at once */

static int bind_loopback(int type, int port) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  int one = 1;
  if (type == SOCK_STREAM) (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
  if (type == SOCK_STREAM && listen(fd, HELD_MAX) != 0) return -1;
  return fd;
}

static int port_of(int fd) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  if (getsockname(fd, (struct sockaddr *)&a, &len) != 0) return -1;
  return ntohs(a.sin_port);
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "tcp") && strcmp(argv[1], "udp"))) {
    fprintf(stderr, "usage: silent tcp|udp PORT\n");
    return 2;
  }
  bool tcp = !strcmp(argv[1], "tcp");
  int fd = bind_loopback(tcp ? SOCK_STREAM : SOCK_DGRAM, atoi(argv[2]));
  if (fd < 0) {
    perror("silent: bind");
    return 1;
  }
  printf("%d\n", port_of(fd));
  fflush(stdout);
  alarm(LIFETIME_S);
  int held[HELD_MAX], n_held = 0;
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, -1) < 0) continue;
    if (tcp) {
      int c = accept(fd, NULL, NULL);
      if (c < 0) continue;
      if (n_held == HELD_MAX) close(held[--n_held]);
      held[n_held++] = c;
    } else {
      char buf[2048];
      (void)recv(fd, buf, sizeof buf, 0);
    }
  }
}
