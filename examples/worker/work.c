#include "work.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void say(const hw_work *w, hv_session_level level, const char *line) {
  if (w->log && w->log->fn) w->log->fn(w->log->ctx, level, line);
}

int hw_work_open(hw_work *w, hv_store *store, const hv_session_log *log) {
  memset(w, 0, sizeof *w);
  w->log = log;
  hv_store_error se = hv_store_get_identity(store, w->secret, w->pub);
  if (se != HV_STORE_OK) {
    char line[160];
    snprintf(line, sizeof line, "unsealing the identity: %s", hv_store_error_text(se));
    say(w, HV_SESSION_LOG_ERROR, line);
    return -1;
  }
  return 0;
}

void hw_work_close(hw_work *w) { hv_wipe(w, sizeof *w); }

static void print_hex(const char *tag, const uint8_t *b, size_t n) {
  printf("%s ", tag);
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
  printf("\n");
}

/* One whole line (without its newline): its answer. */
static int answer(hw_work *w) {
  if (w->too_long) {
    printf("ERR line-too-long\n");
  } else {
    uint8_t sig[HV_ED25519_SIG_LEN];
    if (hv_ed25519_sign(w->secret, (const uint8_t *)w->line, w->len, sig) != 0) {
      say(w, HV_SESSION_LOG_ERROR, "signing failed");
      return -1;
    }
    print_hex("SIG", sig, sizeof sig);
  }
  w->len = 0;
  w->too_long = false;
  return fflush(stdout) == 0 ? 0 : -1;
}

/* Feeds n bytes read from stdin; 0 or -1. */
static int feed(hw_work *w, const char *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (buf[i] == '\n') {
      if (answer(w) != 0) return -1;
    } else if (w->len < HW_LINE_MAX) {
      w->line[w->len++] = buf[i];
    } else {
      w->too_long = true;
    }
  }
  return 0;
}

int hw_work_run(hw_work *w, const char *listening, volatile sig_atomic_t *stop,
                volatile sig_atomic_t *serve_ended) {
  printf("LISTENING %s\n", listening);
  print_hex("IDENTITY", w->pub, sizeof w->pub);
  if (fflush(stdout) != 0) return -1;
  bool input = true;
  char buf[4096];
  while (!*stop) {
    if (*serve_ended) return 1;
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    int n = poll(&p, input ? 1 : 0, HW_POLL_MS);
    if (n < 0 && errno != EINTR) return -1;
    if (n <= 0 || !input) continue;
    ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) { /* the end of stdin: the service goes on */
      if (w->len > 0 && answer(w) != 0) return -1; /* a last line without newline */
      input = false;
      say(w, HV_SESSION_LOG_INFO, "stdin ended; serving until SIGTERM");
      continue;
    }
    if (feed(w, buf, (size_t)r) != 0) return -1;
  }
  return 0;
}
