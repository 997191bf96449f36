/* Framing of the handover socket (DESIGN section 7): each message is a
 * u32 big-endian length, then that many bytes. Every read and write runs
 * under a deadline on CLOCK_MONOTONIC, on a non-blocking descriptor. */
#ifndef HANDOVER_CLI_FRAME_H
#define HANDOVER_CLI_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* The largest message. A KEY, the biggest, holds two 432-byte reports,
 * keys and a sealed secret: about 2 KiB. 16 KiB leaves room for growth
 * while bounding what one peer can make the sender allocate. */
#define CLI_FRAME_MAX 16384
#define CLI_FRAME_HEADER_LEN 4

typedef enum {
  CLI_FRAME_OK = 0,
  CLI_FRAME_ERR_CLOSED,    /* the peer closed before a new frame began */
  CLI_FRAME_ERR_TRUNCATED, /* the peer closed inside a frame */
  CLI_FRAME_ERR_OVERSIZED, /* declared length above CLI_FRAME_MAX or cap */
  CLI_FRAME_ERR_EMPTY,     /* declared length 0: no message is empty */
  CLI_FRAME_ERR_TIMEOUT,   /* the deadline passed */
  CLI_FRAME_ERR_IO,        /* a socket call failed */
} cli_frame_error;

const char *cli_frame_error_name(cli_frame_error err);

/* Makes fd non-blocking (frames need it for their deadlines). 0 or -1. */
int cli_frame_prepare(int fd);

/* Reads one frame into buf (cap bytes). */
cli_frame_error cli_frame_read(int fd, uint8_t *buf, size_t cap, size_t *len,
                               int64_t deadline_ms);
/* Writes one frame (1 <= len <= CLI_FRAME_MAX). */
cli_frame_error cli_frame_write(int fd, const uint8_t *msg, size_t len,
                                int64_t deadline_ms);

#endif
