#include "demo/demo_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/sys.h"

extern char **environ;

volatile sig_atomic_t demo_interrupted;

/* How long a stopped child may take to exit before SIGKILL. */
#define DEMO_STOP_GRACE_MS 3000
/* One shown log line at most (longer ones are cut). */
#define DEMO_LINE_MAX 1024

static const char *handover_path;

void demo_proc_set_handover(const char *path) { handover_path = path; }

pid_t demo_spawn_handover(char *const argv[], const char *log_path) {
  if (!handover_path) return -1;
  posix_spawn_file_actions_t fa;
  if (posix_spawn_file_actions_init(&fa) != 0) return -1;
  int rc = posix_spawn_file_actions_addopen(&fa, 1, log_path,
                                            O_WRONLY | O_CREAT | O_APPEND, 0600) ||
           posix_spawn_file_actions_adddup2(&fa, 1, 2) ||
           posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  if (rc == 0) rc = posix_spawn(&pid, handover_path, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    fprintf(stderr, "demo: starting handover %s: %s\n", argv[1], strerror(rc));
    return -1;
  }
  return pid;
}

int demo_wait(pid_t pid, int timeout_ms) {
  int64_t deadline = hv_sys_monotonic_ms() + timeout_ms;
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0 && errno != EINTR) return -1;
    if (demo_interrupted || hv_sys_monotonic_ms() > deadline) {
      demo_stop(pid);
      return -1;
    }
    usleep(5000);
  }
}

void demo_stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int64_t deadline = hv_sys_monotonic_ms() + DEMO_STOP_GRACE_MS;
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    if (hv_sys_monotonic_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return;
    }
    usleep(5000);
  }
}

void demo_show_log(const char *path, long *offset, const char *prefix) {
  FILE *f = fopen(path, "r");
  if (!f) return;
  char line[DEMO_LINE_MAX];
  if (fseek(f, *offset, SEEK_SET) == 0)
    while (fgets(line, sizeof line, f)) {
      size_t n = strlen(line);
      if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
      printf("%s%s\n", prefix, line);
    }
  *offset = ftell(f);
  fclose(f);
  fflush(stdout);
}

int demo_log_contains(const char *path, const char *needle) {
  size_t len;
  uint8_t *text;
  if (hv_sys_read_file_alloc(path, HV_SYS_READ_ANY, 1 << 20, &text, &len) != 0) return 0;
  int found = strstr((char *)text, needle) != NULL;
  free(text);
  return found;
}
