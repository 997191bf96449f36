/* Unix stream sockets for the handover transport. */
#ifndef HANDOVER_CLI_SOCK_H
#define HANDOVER_CLI_SOCK_H

#include <stddef.h>
#include <sys/types.h>

/* How many connections the kernel may queue before accept(). */
#define CLI_LISTEN_BACKLOG 64

/* Listens on path, mode 0600 from the start (umask around bind), so no
 * other user can connect even for an instant. A stale socket file left by
 * a dead server is replaced; a live one, or any other file, is refused.
 * Returns the descriptor, or -1 with a reason in err. */
int cli_sock_listen(const char *path, char *err, size_t err_len);
/* Connects to path; -1 with a reason in err. */
int cli_sock_connect(const char *path, char *err, size_t err_len);
/* The peer's pid and uid (SO_PEERCRED); 0 or -1. */
int cli_sock_peer(int fd, pid_t *pid, uid_t *uid);

#endif
