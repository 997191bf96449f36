/* The sender's accept loop: one thread per connection, a bounded number
 * of them, each with its own deadline; a stop flag set by a signal ends
 * the loop and every connection. */
#ifndef HANDOVER_CLI_SERVER_H
#define HANDOVER_CLI_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* At most this many connections at once; more wait in the kernel's listen
 * backlog (CLI_LISTEN_BACKLOG) until one ends. A handover needs one; the
 * rest of the room is for retries and monitoring. Each connection costs a
 * thread, two frame buffers and one open challenge, so this bounds the
 * memory and the challenges a flood of connections can make the sender
 * hold. */
#define CLI_SERVER_MAX_CONNECTIONS 16
/* At most this many of them from one process (SO_PEERCRED pid): a
 * receiver needs one, so one process that floods cannot take every slot
 * and shut the others out. */
#define CLI_SERVER_MAX_PER_PEER 4
/* A connection's whole life. Two trusted-time queries (5 s deadline each)
 * plus the peer's work fit with room; a peer that stalls is cut off. */
#define CLI_SERVER_CONNECTION_DEADLINE_MS 30000
/* How often the accept loop looks at the stop flag. */
#define CLI_SERVER_POLL_MS 200
/* Thread stack: OpenSSL (TLS in the time queries) needs well under this. */
#define CLI_SERVER_STACK_BYTES (1024 * 1024)

typedef struct {
  int fd; /* non-blocking */
  unsigned id;
  pid_t pid;
  uid_t uid;
  int64_t deadline_ms; /* monotonic */
} cli_conn;

/* Handles one connection; true when a handover completed. */
typedef bool (*cli_conn_handler)(const cli_conn *conn, void *ctx);

typedef struct {
  cli_conn_handler handler;
  void *ctx;
  bool once; /* return after the first completed handover */
} cli_server_config;

/* Runs until *stop is set (or, with once, a handover completed); waits
 * for every connection thread to end. 0, or -1 when accept failed. */
int cli_server_run(int listen_fd, const cli_server_config *cfg,
                   volatile sig_atomic_t *stop);

#endif
