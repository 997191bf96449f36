#include "handover/session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>


const char *hv_session_frame_error_name(hv_session_frame_error err) {
  switch (err) {
    case HV_SESSION_FRAME_OK: return "ok";
    case HV_SESSION_FRAME_ERR_CLOSED: return "peer-closed";
    case HV_SESSION_FRAME_ERR_TRUNCATED: return "frame-truncated";
    case HV_SESSION_FRAME_ERR_OVERSIZED: return "frame-oversized";
    case HV_SESSION_FRAME_ERR_EMPTY: return "frame-empty";
    case HV_SESSION_FRAME_ERR_TIMEOUT: return "deadline-passed";
    case HV_SESSION_FRAME_ERR_IO: return "socket-error";
  }
  return "unknown";
}

int hv_session_frame_prepare(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -1;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 ? 0 : -1;
}

/* Waits until fd is ready for events or the deadline passes. */
static hv_session_frame_error wait_ready(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    int64_t left = deadline_ms - hv_session_monotonic_ms();
    if (left <= 0) return HV_SESSION_FRAME_ERR_TIMEOUT;
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return HV_SESSION_FRAME_ERR_IO;
    if (n > 0) return HV_SESSION_FRAME_OK;
  }
}

/* Reads exactly n bytes; *got tells how many arrived before a failure. */
static hv_session_frame_error read_exact(int fd, uint8_t *buf, size_t n, size_t *got,
                                         int64_t deadline_ms) {
  *got = 0;
  while (*got < n) {
    ssize_t r = recv(fd, buf + *got, n - *got, 0);
    if (r > 0) {
      *got += (size_t)r;
      continue;
    }
    if (r == 0) return HV_SESSION_FRAME_ERR_CLOSED;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return HV_SESSION_FRAME_ERR_IO;
    hv_session_frame_error e = wait_ready(fd, POLLIN, deadline_ms);
    if (e != HV_SESSION_FRAME_OK) return e;
  }
  return HV_SESSION_FRAME_OK;
}

hv_session_frame_error hv_session_frame_read(int fd, uint8_t *buf, size_t cap, size_t *len,
                                             int64_t deadline_ms) {
  uint8_t header[HV_SESSION_FRAME_HEADER_LEN];
  size_t got;
  hv_session_frame_error e = read_exact(fd, header, sizeof header, &got, deadline_ms);
  if (e == HV_SESSION_FRAME_ERR_CLOSED && got > 0) return HV_SESSION_FRAME_ERR_TRUNCATED;
  if (e != HV_SESSION_FRAME_OK) return e;
  uint32_t n = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 |
               (uint32_t)header[2] << 8 | header[3];
  if (n == 0) return HV_SESSION_FRAME_ERR_EMPTY;
  if (n > HV_SESSION_FRAME_MAX || n > cap) return HV_SESSION_FRAME_ERR_OVERSIZED;
  e = read_exact(fd, buf, n, &got, deadline_ms);
  if (e == HV_SESSION_FRAME_ERR_CLOSED) return HV_SESSION_FRAME_ERR_TRUNCATED;
  if (e != HV_SESSION_FRAME_OK) return e;
  *len = n;
  return HV_SESSION_FRAME_OK;
}

static hv_session_frame_error write_all(int fd, const uint8_t *p, size_t n,
                                        int64_t deadline_ms) {
  while (n > 0) {
    /* MSG_NOSIGNAL: a peer that went away is an error, not a SIGPIPE. */
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w > 0) {
      p += w;
      n -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      hv_session_frame_error e = wait_ready(fd, POLLOUT, deadline_ms);
      if (e != HV_SESSION_FRAME_OK) return e;
      continue;
    }
    return HV_SESSION_FRAME_ERR_IO;
  }
  return HV_SESSION_FRAME_OK;
}

/* Header and message go out in one send: over TCP, two small writes
 * would wait on each other (Nagle and delayed ACKs) when the caller's
 * socket has no TCP_NODELAY. */
hv_session_frame_error hv_session_frame_write(int fd, const uint8_t *msg, size_t len,
                                              int64_t deadline_ms) {
  if (len == 0) return HV_SESSION_FRAME_ERR_EMPTY;
  if (len > HV_SESSION_FRAME_MAX) return HV_SESSION_FRAME_ERR_OVERSIZED;
  uint8_t frame[HV_SESSION_FRAME_HEADER_LEN + HV_SESSION_FRAME_MAX];
  frame[0] = (uint8_t)(len >> 24);
  frame[1] = (uint8_t)(len >> 16);
  frame[2] = (uint8_t)(len >> 8);
  frame[3] = (uint8_t)len;
  memcpy(frame + HV_SESSION_FRAME_HEADER_LEN, msg, len);
  return write_all(fd, frame, HV_SESSION_FRAME_HEADER_LEN + len, deadline_ms);
}
