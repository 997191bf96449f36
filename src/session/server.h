/* The sender's accept loop: one thread per connection, a bounded number
 * of them (HV_SESSION_MAX_CONNECTIONS, HV_SESSION_MAX_PER_PEER), each with
 * its own deadline; a stop flag set by a signal ends the loop and every
 * connection. Generic over the handler so the bounds are tested alone. */
#ifndef HANDOVER_SESSION_SERVER_H
#define HANDOVER_SESSION_SERVER_H

#include "handover/session.h"

/* How often the accept loop looks at the stop flag. */
#define HV_SESSION_SERVER_POLL_MS 200
/* Thread stack: OpenSSL (TLS in the time queries) needs well under this. */
#define HV_SESSION_SERVER_STACK_BYTES (1024 * 1024)

typedef struct {
  int fd;
  hv_session_peer peer;
  int64_t deadline_ms; /* monotonic */
} hv_session_conn;

/* Handles one connection; true when a handover completed. */
typedef bool (*hv_session_conn_handler)(const hv_session_conn *conn, void *ctx);

typedef struct {
  hv_session_conn_handler handler;
  void *ctx;
  bool once; /* return after the first completed handover */
  const hv_session_log *log;
  /* Called once the stop flag is seen, before the connections are cut:
   * what a handler may still wait on ends now. May be NULL. */
  void (*on_stop)(void *ctx);
} hv_session_server_config;

/* Runs until *stop is set (or, with once, a handover completed); waits
 * for every connection thread to end. 0, or -1 when accept failed. */
HV_MUST_CHECK int hv_session_server_run(int listen_fd, const hv_session_server_config *cfg,
                                        volatile sig_atomic_t *stop);

#endif
