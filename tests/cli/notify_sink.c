/* A stand-in for systemd's notification socket: binds a Unix datagram
 * socket at PATH and prints each notification on one line (newlines as
 * spaces) until one holds STOPPING=1, or none came for a minute.
 *   notify_sink PATH */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* A guard against a test that hangs, not a timed assertion. */
#define IDLE_LIMIT_S 60

int main(int argc, char **argv) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (argc != 2 || strlen(argv[1]) >= sizeof a.sun_path) {
    fprintf(stderr, "usage: notify_sink PATH\n");
    return 2;
  }
  strcpy(a.sun_path, argv[1]);
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct timeval tv = {.tv_sec = IDLE_LIMIT_S};
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
    perror("notify_sink");
    return 1;
  }
  printf("BOUND\n");
  fflush(stdout);
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n < 0) {
      perror("notify_sink: recv");
      return 1;
    }
    buf[n] = '\0';
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] == '\n') buf[i] = ' ';
    printf("%s\n", buf);
    fflush(stdout);
    if (strstr(buf, "STOPPING=1")) break;
  }
  close(fd);
  unlink(argv[1]);
  return 0;
}
