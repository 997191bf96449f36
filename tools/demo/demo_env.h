/* A throwaway trusted-time environment on 127.0.0.1 for the demo and the
 * benchmark: a test CA made with OpenSSL's API and chronyd NTS servers
 * spawned from here, each on free ports, stopped by demo_env_stop (also
 * on error; the caller arranges it on Ctrl-C). */
#ifndef HANDOVER_DEMO_ENV_H
#define HANDOVER_DEMO_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DEMO_ENV_MAX_SERVERS 16
/* How long a chronyd may take to listen on its NTS-KE port. */
#define DEMO_ENV_START_TIMEOUT_MS 10000
/* How long a chronyd may take to exit after SIGTERM before SIGKILL. */
#define DEMO_ENV_STOP_TIMEOUT_MS 3000
/* Server certificates live this long: the demo needs minutes. */
#define DEMO_ENV_CERT_DAYS 2

typedef struct {
  pid_t pid;
  uint16_t ke_port, ntp_port;
} demo_server;

typedef struct {
  char dir[256];     /* everything lives here; removed on stop */
  char ca_file[300];
  size_t n;
  demo_server servers[DEMO_ENV_MAX_SERVERS];
  bool quiet;
  bool keep; /* stop leaves the directory */
} demo_env;

/* Makes the directory, the CA and n servers; -1 and a message on failure
 * (what was started is stopped). chronyd: its path, NULL for the default. */
int demo_env_start(demo_env *e, size_t n, const char *chronyd, bool quiet);
void demo_env_stop(demo_env *e);

/* A new directory under e->dir (0700); path receives it. */
int demo_env_subdir(const demo_env *e, const char *name, char *path, size_t cap);

/* The pids of running servers, for a signal handler that must stop them. */
size_t demo_env_pids(const demo_env *e, pid_t *out, size_t cap);

/* Removes a directory tree (only what the demo made). */
void demo_env_remove_tree(const char *path);

#endif
