/* The sender service: the old build, which holds the key and hands it to
 * an upgraded build over the Unix socket, one handover per connection. */
#ifndef HANDOVER_CLI_SENDER_H
#define HANDOVER_CLI_SENDER_H

#include <pthread.h>
#include <stdbool.h>

#include "cli/server.h"
#include "cli/trusted_time.h"
#include "cli/worker.h"
#include "handover/proto.h"

/* Each connection gets its own protocol sender, so a challenge can only
 * be answered on the connection that asked for it and dies with it: open
 * challenges are bounded by CLI_SERVER_MAX_CONNECTIONS, and a flood of
 * HELLOs from connections that go away holds nothing. A RESPONSE sent
 * twice on one connection is refused as a replay; on another connection
 * its challenge is unknown there. */
typedef struct {
  cli_worker *worker;
  uint8_t secret[HV_PROTO_SECRET_LEN]; /* the identity; wiped on destroy */
  pthread_mutex_t lock;    /* guards the store and head */
  cli_trusted_time time;
  const char *chain_head_file; /* re-read for each connection when set */
  hv_proto_chain_head head;     /* the current one */
  hv_proto_chain_head recorded; /* the last one written to the store */
} cli_sender;

/* Unseals the identity and makes the protocol sender; 0 or -1 (printed). */
int cli_sender_init(cli_sender *s, cli_worker *w, const hv_proto_chain_head *head,
                    const char *chain_head_file);
void cli_sender_destroy(cli_sender *s);

/* The connection handler for cli_server_run (ctx is a cli_sender). */
bool cli_sender_handle_conn(const cli_conn *conn, void *ctx);

/* "NUMBER:TIME_MS"; false on anything else. */
bool cli_parse_chain_head(const char *s, hv_proto_chain_head *out);
/* Reads a chain head from a file holding "NUMBER:TIME_MS\n". */
int cli_read_chain_head_file(const char *path, hv_proto_chain_head *out);

#endif
