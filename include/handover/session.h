/* One handover exchange over a connected descriptor: what a worker that
 * embeds the library calls (src/session/).
 *
 * Inside: the framing (u32 big-endian length + message, at most
 * HV_SESSION_FRAME_MAX), the connection deadline, when to take trusted
 * time (fresh for every RESPONSE; a HELLO or a DONE may reuse one under
 * 1 s old), the sender's chain head admission and the store writes, and
 * every check of the protocol. The caller provides the connected
 * descriptor (or uses the transport helpers below) and a log callback.
 *
 *   hv_session_worker   the store, the verified policy, the protocol
 *                       parameters, the trusted-time configuration
 *   hv_session_sender   the old build's service: lives across
 *                       connections and threads (the unsealed identity,
 *                       the timesrc session and its cookies, the lock
 *                       for the store and the chain head)
 *   hv_session_receive  one exchange as the new build: stores the key
 *
 * Log lines never carry a secret. The callback may be called from several
 * threads at once (one per connection of a sender): it must be
 * thread-safe, and one call is one whole line. */
#ifndef HANDOVER_SESSION_H
#define HANDOVER_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "handover/policy.h"
#include "handover/proto.h"
#include "handover/receipt.h"
#include "handover/store.h"
#include "handover/tee.h"
#include "handover/timesrc.h"
#include "handover/api.h"

HV_BEGIN_DECLS

/* The trusted-time configuration a policy prescribes: cfg is reset with
 * hv_timesrc_config_init, then gets the policy's servers, rules and
 * timeout. ca_file, not_before_unix and state_dir are the caller's. */
HV_API void hv_session_timesrc_config(const hv_policy *p, hv_timesrc_config *cfg);

typedef enum {
  HV_SESSION_OK = 0,
  HV_SESSION_ERR_ARGS,      /* bad parameters or configuration */
  HV_SESSION_ERR_SYSTEM,    /* a system call or an allocation failed */
  HV_SESSION_ERR_TRANSPORT, /* the connection failed (closed, deadline, bad frame) */
  HV_SESSION_ERR_REFUSED,   /* a check refused, here or at the peer (logged) */
  HV_SESSION_ERR_TIME,      /* no trusted time (the evidence is logged) */
  HV_SESSION_ERR_STORE,     /* the store refused or failed (logged) */
  HV_SESSION_ERR_ADDRESS,   /* a malformed address, or one not on this machine */
} hv_session_error;

HV_API const char *hv_session_error_name(hv_session_error err);

/* ---- log ------------------------------------------------------------ */
typedef enum {
  HV_SESSION_LOG_STEP,  /* progress of one exchange, for a person watching */
  HV_SESSION_LOG_INFO,  /* an event of a service (a connection, a step) */
  HV_SESSION_LOG_WARN,  /* a refusal or failure the service lives on after */
  HV_SESSION_LOG_ERROR, /* why the call fails */
} hv_session_level;

typedef void (*hv_session_log_fn)(void *ctx, hv_session_level level, const char *line);

typedef struct {
  hv_session_log_fn fn; /* NULL: no log */
  void *ctx;
} hv_session_log;

/* ---- framing -------------------------------------------------------- */
/* The largest message. A KEY, the biggest, holds two 432-byte reports,
 * keys and a sealed secret: about 2 KiB. 16 KiB leaves room for growth
 * while bounding what one peer can make the sender allocate. */
#define HV_SESSION_FRAME_MAX 16384
#define HV_SESSION_FRAME_HEADER_LEN 4

typedef enum {
  HV_SESSION_FRAME_OK = 0,
  HV_SESSION_FRAME_ERR_CLOSED,    /* the peer closed before a new frame began */
  HV_SESSION_FRAME_ERR_TRUNCATED, /* the peer closed inside a frame */
  HV_SESSION_FRAME_ERR_OVERSIZED, /* declared length above HV_SESSION_FRAME_MAX or cap */
  HV_SESSION_FRAME_ERR_EMPTY,     /* declared length 0: no message is empty */
  HV_SESSION_FRAME_ERR_TIMEOUT,   /* the deadline passed */
  HV_SESSION_FRAME_ERR_IO,        /* a socket call failed */
} hv_session_frame_error;

HV_API const char *hv_session_frame_error_name(hv_session_frame_error err);
/* Milliseconds on CLOCK_MONOTONIC: the clock of every deadline here. */
HV_API int64_t hv_session_monotonic_ms(void);
/* Makes fd non-blocking (frames need it for their deadlines). 0 or -1. */
HV_API HV_MUST_CHECK int hv_session_frame_prepare(int fd);
/* Reads one frame into buf (cap bytes), by deadline_ms (monotonic). */
HV_API HV_MUST_CHECK hv_session_frame_error hv_session_frame_read(int fd, uint8_t *buf, size_t cap,
                                             size_t *len, int64_t deadline_ms);
/* Writes one frame (1 <= len <= HV_SESSION_FRAME_MAX). */
HV_API HV_MUST_CHECK hv_session_frame_error hv_session_frame_write(int fd, const uint8_t *msg, size_t len,
                                              int64_t deadline_ms);

/* ---- trusted time --------------------------------------------------- */
/* How long a HELLO (or a DONE) may reuse the last trusted time, carried
 * forward on the monotonic clock. A flood of HELLOs must not become a
 * flood of queries to the NTS operators. It is safe for T0: a host that
 * stalls the monotonic clock makes T0 older, which shortens the response
 * window, and a host that rushes it can move T0 at most this far ahead;
 * every RESPONSE is judged with a fresh query, which also re-checks the
 * chain lag. A DONE is not judged against the time at all. */
#define HV_SESSION_TIME_REUSE_MS 1000

/* One timesrc session (cookies and TLS context kept from one query to the
 * next), one query at a time, every server's outcome logged on failure. */
typedef struct hv_session_time hv_session_time;

typedef struct {
  int64_t queries, reused; /* queries run; answers reused */
  int64_t handshakes;      /* servers asked over NTS-KE (no cookie left) */
  int64_t spent_ms;        /* time spent in queries */
} hv_session_time_stats;

/* NULL with detail filled: a bad configuration or state directory. */
HV_API hv_session_time *hv_session_time_new(const hv_timesrc_config *cfg, const hv_session_log *log,
                                            char *detail, size_t detail_len);
HV_API void hv_session_time_free(hv_session_time *t);
/* Trusted Unix milliseconds; allow_reuse: see HV_SESSION_TIME_REUSE_MS.
 * On failure the verdict and every server's outcome are logged (WARN),
 * each line starting with tag. */
HV_API HV_MUST_CHECK hv_session_error hv_session_time_now(hv_session_time *t, bool allow_reuse, const char *tag,
                                     uint64_t *now_ms);
HV_API void hv_session_time_get_stats(hv_session_time *t, hv_session_time_stats *out);
/* Cancels the time source for good (async-signal-safe, from any thread):
 * a query under way returns at once, unanswered, and so does every later
 * one. For a service that stops. */
HV_API void hv_session_time_cancel(hv_session_time *t);
/* The servers that agreed in the last trusted answer (n_servers and
 * servers; the caller sets kind and time_ms), for receipts. */
HV_API void hv_session_time_agreed(hv_session_time *t, hv_receipt_time *out);

/* ---- worker --------------------------------------------------------- */
typedef struct {
  const char *store_dir;
  bool create_store;         /* make it (0700) if absent: a receiver */
  const char *policy_file;   /* the governance policy */
  const char *policy_sig_file;
  const char *council_file;  /* dev mode only; NULL: the built-in council */
  const char *ca_file;       /* CA for the NTS servers; NULL: system store */
  const char *nts_state_dir; /* NTS cookies kept here (made 0700); NULL: memory only */
  hv_session_log log;        /* every call on this worker logs here */
  /* The policy's signed timestamp (docs/POLICY.md), needed when the
   * policy names a timestamp_key; NULL: policy_file + ".ts". */
  const char *policy_timestamp_file;
  /* Sender only: a council override (docs/POLICY.md) and its .sig
   * (NULL: override_file + ".sig"); NULL: none. */
  const char *override_file;
  const char *override_sig_file;
  /* The receiver's whole exchange, milliseconds; 0: HV_SESSION_DEADLINE_MS.
   * The paths above are kept (not copied): they must outlive the worker. */
  int64_t deadline_ms;
} hv_session_worker_config;

typedef struct hv_session_worker hv_session_worker;

/* Opens the store, verifies the policy against the council (the built-in
 * one, or council_file in dev mode), refuses one older than the newest
 * version the store has seen and records its version, and derives the
 * protocol parameters and the trusted-time configuration. tee must outlive
 * the worker. On failure the failed check is logged (ERROR).
 * Freshness: the policy's timestamp is verified (when it has a
 * timestamp_key); the policy is refused if it expired before the store's
 * time floor; the NTS certificates' lower time bound is the floor (the
 * build's release time, the newest chain head and trusted time the store
 * recorded: never the host's clock); every trusted time below it is
 * refused (trusted-time-below-floor) and the newest is recorded. */
HV_API HV_MUST_CHECK hv_session_error hv_session_worker_open(const hv_session_worker_config *cfg, hv_tee *tee,
                                        hv_session_worker **out);
HV_API void hv_session_worker_free(hv_session_worker *w);

HV_API hv_tee *hv_session_worker_tee(const hv_session_worker *w);
HV_API hv_store *hv_session_worker_store(const hv_session_worker *w);
HV_API const hv_proto_params *hv_session_worker_params(const hv_session_worker *w);
HV_API const hv_timesrc_config *hv_session_worker_time_config(const hv_session_worker *w);
/* The measurement as one short line: mr_enclave prefix, prod id, svn. */
HV_API void hv_session_measurement_line(const hv_tee_measurement *m, char *out, size_t cap);

/* ---- chain head ----------------------------------------------------- */
/* "NUMBER:TIME_MS"; false on anything else. */
HV_API HV_MUST_CHECK bool hv_session_parse_chain_head(const char *s, hv_proto_chain_head *out);
/* A file holding "NUMBER:TIME_MS\n": 0, or -1 with errno (EINVAL: not
 * that format; ESPIPE: not a regular file. The host's file is opened
 * without blocking and read only if regular, so a FIFO cannot wedge). */
HV_API HV_MUST_CHECK int hv_session_read_chain_head_file(const char *path, hv_proto_chain_head *out);

/* ---- the sender ----------------------------------------------------- */
/* At most this many connections at once; more wait in the kernel's listen
 * backlog (HV_SESSION_LISTEN_BACKLOG) until one ends. A handover needs one;
 * the rest of the room is for retries and monitoring. Each connection
 * costs a thread, two frame buffers and one open challenge, so this bounds
 * the memory and the challenges a flood of connections can make the
 * sender hold. */
#define HV_SESSION_MAX_CONNECTIONS 16
/* At most this many of them from one process (SO_PEERCRED pid): a
 * receiver needs one, so one process that floods cannot take every slot
 * and shut the others out. Only where the transport names the process:
 * over TCP every peer is some process on this machine (the address is
 * loopback) and Gramine has no SO_PEERCRED, so there only the bound
 * above applies. */
#define HV_SESSION_MAX_PER_PEER 4
/* A connection's whole life, and the receiver's whole exchange. Two
 * trusted-time queries (5 s deadline each) plus the peer's work fit with
 * room; a peer that stalls is cut off. */
#define HV_SESSION_DEADLINE_MS 30000
/* How many connections the kernel may queue before accept(). */
#define HV_SESSION_LISTEN_BACKLOG 64

typedef struct hv_session_sender hv_session_sender;

/* The longest peer description: "[" IPv6 "]:" port. */
#define HV_SESSION_PEER_ADDR_MAX 64

/* Who is at the other end of a connection, for the log and the bounds.
 * Peer credentials identify local processes; they do not authenticate
 * builds (the reports do), so their absence is no refusal. */
typedef struct {
  unsigned id;   /* the n-th connection of this service */
  bool has_cred; /* the transport told pid and uid (SO_PEERCRED) */
  pid_t pid;
  uid_t uid;
  char addr[HV_SESSION_PEER_ADDR_MAX]; /* TCP: "127.0.0.1:PORT"; else "" */
} hv_session_peer;

/* Unseals the identity, verifies the worker's council override if it has
 * one (override_file: its signatures, this identity, this build as
 * `from`, not expired by the store's floor; its use is logged), checks
 * the configuration once with a trial protocol sender, admits head (recorded in the store, which refuses a
 * lower block number or a known block with another time) and starts the
 * timesrc session. chain_head_file (may be NULL) is re-read for each
 * message: a service that follows the chain writes it. */
HV_API HV_MUST_CHECK hv_session_error hv_session_sender_new(hv_session_worker *w, const hv_proto_chain_head *head,
                                       const char *chain_head_file,
                                       hv_session_sender **out);
/* Wipes the identity. */
HV_API void hv_session_sender_free(hv_session_sender *s);
/* Reads the worker's policy files again and verifies them (SIGHUP): a
 * newer version replaces the one in force, with its trusted-time
 * settings, for every connection that starts after it (running ones keep
 * theirs); the store records it. The same version changes nothing
 * (HV_SESSION_OK); an older one or one that does not verify is refused
 * (logged, ERROR) and the old one stays. Safe while serving. */
HV_API HV_MUST_CHECK hv_session_error hv_session_sender_reload_policy(hv_session_sender *s, uint64_t *old_version,
                                                 uint64_t *new_version);
/* After an authenticated DONE, under `after_handover retire` (the
 * default), the sender retires: the store records the tombstone, the
 * secret is wiped, every connection is refused (`sender-retired`) and
 * hv_session_serve returns. True from then on. */
HV_API bool hv_session_sender_retired(hv_session_sender *s);
/* Called once at the end of each connection hv_session_sender_handle (or
 * hv_session_serve) took: HV_SESSION_OK for a completed handover, else why
 * it ended (HV_SESSION_ERR_REFUSED for a refusal). From the connection's
 * thread, several at once: it must be thread-safe. Set it before serving;
 * NULL: none. */
typedef void (*hv_session_outcome_fn)(void *ctx, hv_session_error result);
HV_API void hv_session_sender_set_outcome(hv_session_sender *s, hv_session_outcome_fn fn,
                                          void *ctx);
HV_API hv_session_time *hv_session_sender_time(hv_session_sender *s);
/* For a service that stops: no connection waits any longer for trusted
 * time (hv_session_time_cancel); hv_session_serve does it when *stop is
 * set. The sender then refuses every message that needs time. */
HV_API void hv_session_sender_cancel(hv_session_sender *s);

/* One exchange as sender on a connected fd (made non-blocking here; the
 * caller closes it), within HV_SESSION_DEADLINE_MS. Each connection gets
 * its own protocol sender, so a challenge can only be answered on the
 * connection that asked for it and dies with it. HV_SESSION_OK when the
 * receiver's DONE was taken (authenticated; a retiring sender has then
 * retired: hv_session_sender_retired, and every later connection is
 * refused). Safe to call from several threads. */
HV_API HV_MUST_CHECK hv_session_error hv_session_sender_handle(hv_session_sender *s, int fd,
                                          const hv_session_peer *peer);

/* The accept loop: one thread per connection, at most
 * HV_SESSION_MAX_CONNECTIONS at once and HV_SESSION_MAX_PER_PEER per
 * process, each with its own deadline. Runs until *stop is set (or, with
 * once or a sender that retired, a handover completed); waits for every
 * connection to end. */
HV_API HV_MUST_CHECK hv_session_error hv_session_serve(hv_session_sender *s, int listen_fd, bool once,
                                  volatile sig_atomic_t *stop);

/* ---- the receiver --------------------------------------------------- */
typedef struct {
  uint8_t identity[HV_PROTO_KEY_LEN]; /* the public identity now stored */
  hv_session_time_stats time;         /* its trusted-time queries */
} hv_session_receive_result;

/* One exchange as receiver on a connected fd (made non-blocking here; the
 * caller closes it), within HV_SESSION_DEADLINE_MS: HELLO, the sender's
 * checks, KEY checked, the key sealed to this build and stored, DONE.
 * HV_SESSION_OK only when the key is stored and the sender took DONE (it
 * closes after reading it). out may be NULL. */
HV_API HV_MUST_CHECK hv_session_error hv_session_receive(hv_session_worker *w, int fd,
                                    hv_session_receive_result *out);
/* hv_session_receive that came for one identity (Ed25519 public key): a
 * KEY carrying another is refused (`identity-mismatch`) before anything
 * is stored. NULL: any, as hv_session_receive. */
HV_API HV_MUST_CHECK hv_session_error hv_session_receive_expect(hv_session_worker *w, int fd,
                                           const uint8_t expected_identity[HV_PROTO_KEY_LEN],
                                           hv_session_receive_result *out);

/* ---- transport ------------------------------------------------------ */
/* ADDR is unix:PATH or tcp:HOST:PORT, HOST a loopback literal: 127.0.0.0/8
 * or [::1]. Host names are refused, not resolved (the resolver is the
 * host's), and so is every other address: the handover is same-machine
 * (local attestation only verifies on this CPU), and attestation, not the
 * address, authenticates the peer. TCP is for TEE runtimes such as
 * Gramine, which keep a UNIX socket inside one instance: two enclaves are
 * two instances. */
#define HV_SESSION_ADDR_MAX 128 /* the longest ADDR text */

typedef enum { HV_SESSION_ADDR_UNIX = 1, HV_SESSION_ADDR_TCP } hv_session_addr_kind;

typedef struct {
  hv_session_addr_kind kind;
  char path[108]; /* unix: the socket path (sun_path) */
  int family;     /* tcp: AF_INET or AF_INET6 */
  uint8_t ip[16]; /* tcp: the address, 4 or 16 bytes */
  uint16_t port;  /* tcp: 0 only to listen on any free port */
} hv_session_addr;

/* Parses ADDR for role ("listen" or "connect": names it in errors; only
 * listen takes port 0). HV_SESSION_ERR_ADDRESS with the reason in detail,
 * e.g. "listen address 10.0.0.1 is not loopback: ...". */
HV_API HV_MUST_CHECK hv_session_error hv_session_addr_parse(const char *text, const char *role,
                                                            hv_session_addr *out, char *detail,
                                                            size_t detail_len);
/* The address as ADDR text (at most HV_SESSION_ADDR_MAX bytes). */
HV_API void hv_session_addr_format(const hv_session_addr *a, char *out, size_t cap);

/* Listens on a: unix as hv_session_unix_listen, tcp with SO_REUSEADDR.
 * bound (may be NULL) receives the address really bound (the port chosen
 * for port 0). The descriptor, or -1 with the reason in detail. */
HV_API HV_MUST_CHECK int hv_session_listen(const hv_session_addr *a, hv_session_addr *bound,
                                           char *detail, size_t detail_len);
/* Connects to a; the descriptor, or -1 with the reason in detail. */
HV_API HV_MUST_CHECK int hv_session_connect(const hv_session_addr *a, char *detail,
                                            size_t detail_len);

/* Listens on a Unix socket made mode 0600 from the start (umask around
 * bind), so no other user can connect even for an instant. A stale socket
 * file left by a dead server is replaced; a live one, or any other file,
 * is refused. The descriptor, or -1 with the reason in detail. */
HV_API HV_MUST_CHECK int hv_session_unix_listen(const char *path, char *detail, size_t detail_len);
/* Connects to a Unix socket; -1 with the reason in detail. */
HV_API HV_MUST_CHECK int hv_session_unix_connect(const char *path, char *detail, size_t detail_len);
/* The peer's pid and uid (SO_PEERCRED); 0 or -1 (not a Unix socket, or a
 * runtime without it, such as Gramine). */
HV_API HV_MUST_CHECK int hv_session_peer_cred(int fd, pid_t *pid, uid_t *uid);
/* Fills peer (id given) from a connected fd: credentials where the
 * transport has them, the remote address for TCP. */
HV_API void hv_session_peer_of(int fd, unsigned id, hv_session_peer *peer);

/* Keeps the process's memory (identity, seal keys, NTS keys) out of core
 * files and away from other processes of the same user (RLIMIT_CORE 0,
 * PR_SET_DUMPABLE 0). A runtime that answers ENOSYS (Gramine) is told as
 * INFO: an enclave's memory is not readable by the host anyway; any other
 * failure is a WARN. Returns HV_SESSION_OK when both took effect. */
HV_API hv_session_error hv_session_keep_memory_private(const hv_session_log *log);

/* What --build-name hashes: mr_enclave = SHA-256(prefix || NAME), so a
 * demo, a test or a sim worker can name builds instead of spelling
 * 32-byte hashes. */
#define HV_SESSION_SIM_BUILD_PREFIX "handover-sim-build:"
HV_API HV_MUST_CHECK int hv_session_sim_build_measurement(const char *name, uint8_t out[HV_TEE_MR_LEN]);

HV_END_DECLS

#endif
