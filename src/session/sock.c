#include "handover/session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int make_addr(const char *path, struct sockaddr_un *sa, char *detail, size_t detail_len) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof sa->sun_path) {
    snprintf(detail, detail_len, "socket path too long (at most %zu bytes)",
             sizeof sa->sun_path - 1);
    return -1;
  }
  memcpy(sa->sun_path, path, strlen(path) + 1);
  return 0;
}

int hv_session_unix_connect(const char *path, char *detail, size_t detail_len) {
  struct sockaddr_un sa;
  if (make_addr(path, &sa, detail, detail_len) != 0) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(detail, detail_len, "socket: %s", strerror(errno));
    return -1;
  }
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int saved = errno; /* for a caller that retries while nobody listens */
    snprintf(detail, detail_len, "connect %s: %s", path, strerror(saved));
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

/* Removes a socket file nobody listens on; refuses anything else. */
static int clear_stale(const char *path, char *detail, size_t detail_len) {
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISSOCK(st.st_mode)) {
    snprintf(detail, detail_len, "%s exists and is not a socket", path);
    return -1;
  }
  char ignored[128];
  int fd = hv_session_unix_connect(path, ignored, sizeof ignored);
  if (fd >= 0) {
    close(fd);
    snprintf(detail, detail_len, "%s: another server is listening there", path);
    return -1;
  }
  if (unlink(path) != 0) {
    snprintf(detail, detail_len, "removing stale %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

int hv_session_unix_listen(const char *path, char *detail, size_t detail_len) {
  struct sockaddr_un sa;
  if (make_addr(path, &sa, detail, detail_len) != 0) return -1;
  if (clear_stale(path, detail, detail_len) != 0) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(detail, detail_len, "socket: %s", strerror(errno));
    return -1;
  }
  mode_t old = umask(0177);
  int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
  int saved = errno;
  umask(old);
  if (rc != 0) {
    snprintf(detail, detail_len, "bind %s: %s", path, strerror(saved));
    close(fd);
    return -1;
  }
  /* Made 0600 by the umask above; lstat, not chmod by path, which would
   * follow a link someone swapped in. */
  struct stat st;
  if (lstat(sa.sun_path, &st) != 0 || !S_ISSOCK(st.st_mode) || (st.st_mode & 0777) != 0600) {
    snprintf(detail, detail_len, "%s: not the 0600 socket we made", sa.sun_path);
    close(fd);
    return -1;
  }
  if (listen(fd, HV_SESSION_LISTEN_BACKLOG) != 0) {
    snprintf(detail, detail_len, "listen %s: %s", sa.sun_path, strerror(errno));
    close(fd);
    unlink(sa.sun_path);
    return -1;
  }
  return fd;
}

int hv_session_peer_cred(int fd, pid_t *pid, uid_t *uid) {
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
  *pid = cred.pid;
  *uid = cred.uid;
  return 0;
}
