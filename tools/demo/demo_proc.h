/* Child processes of the demo: the `handover` binary, run with
 * arguments, its output captured to files that the demo shows. */
#ifndef HANDOVER_DEMO_PROC_H
#define HANDOVER_DEMO_PROC_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* Set by the demo's SIGINT/SIGTERM handler; every wait gives up on it. */
extern volatile sig_atomic_t demo_interrupted;

/* The handover binary demo_spawn_handover runs (set once, at the start). */
void demo_proc_set_handover(const char *path);
/* Starts argv (argv[0] = "handover") on that binary with stdout and
 * stderr appended to log_path; -1 on failure. */
pid_t demo_spawn_handover(char *const argv[], const char *log_path);
/* Waits at most timeout_ms; the exit status (0..255), or -1 on a timeout,
 * a signal or an interruption (the child is then killed). */
int demo_wait(pid_t pid, int timeout_ms);
/* SIGTERM, then SIGKILL after a grace period; reaps it. */
void demo_stop(pid_t pid);

/* Prints the lines of path from *offset on, each prefixed; advances it. */
void demo_show_log(const char *path, long *offset, const char *prefix);
/* True when the file contains needle. */
int demo_log_contains(const char *path, const char *needle);

#endif
