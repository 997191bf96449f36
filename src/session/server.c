#include "session/server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "session/log.h"
#include "session/sender_int.h"

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int active_fds[HV_SESSION_MAX_CONNECTIONS]; /* -1: free slot */
  pid_t active_pids[HV_SESSION_MAX_CONNECTIONS];
  size_t active;
  bool completed; /* some handover completed */
  const hv_session_server_config *cfg;
} server_state;

typedef struct {
  server_state *st;
  size_t slot;
  hv_session_conn conn;
} conn_job;

static void *conn_thread(void *arg) {
  conn_job *job = arg;
  server_state *st = job->st;
  bool done = st->cfg->handler(&job->conn, st->cfg->ctx);
  pthread_mutex_lock(&st->lock);
  close(job->conn.fd);
  st->active_fds[job->slot] = -1;
  st->active--;
  if (done) st->completed = true;
  pthread_cond_broadcast(&st->changed);
  pthread_mutex_unlock(&st->lock);
  free(job);
  return NULL;
}

/* Takes a free slot for fd, or -1 when the server is full, or -2 when
 * this peer already has its share. A peer without credentials (TCP, or
 * a runtime without SO_PEERCRED) is counted against the global bound
 * only: nothing tells its process apart. */
static long take_slot(server_state *st, int fd, const hv_session_peer *peer) {
  long slot = -1;
  size_t same_peer = 0;
  pid_t pid = peer->has_cred ? peer->pid : -1;
  pthread_mutex_lock(&st->lock);
  for (size_t i = 0; i < HV_SESSION_MAX_CONNECTIONS && pid != -1; i++)
    same_peer += st->active_fds[i] >= 0 && st->active_pids[i] == pid;
  if (same_peer >= HV_SESSION_MAX_PER_PEER) slot = -2;
  for (size_t i = 0; i < HV_SESSION_MAX_CONNECTIONS && slot == -1; i++)
    if (st->active_fds[i] < 0) {
      st->active_fds[i] = fd;
      st->active_pids[i] = pid;
      st->active++;
      slot = (long)i;
    }
  pthread_mutex_unlock(&st->lock);
  return slot;
}

static void release_slot(server_state *st, size_t slot) {
  pthread_mutex_lock(&st->lock);
  st->active_fds[slot] = -1;
  st->active--;
  pthread_cond_broadcast(&st->changed);
  pthread_mutex_unlock(&st->lock);
}

static void start_connection(server_state *st, int fd, unsigned id) {
  const hv_session_log *log = st->cfg->log;
  hv_session_conn conn = {.fd = fd};
  hv_session_peer_of(fd, id, &conn.peer);
  if (hv_session_frame_prepare(fd) != 0) {
    hv_session_logf(log, HV_SESSION_LOG_WARN, "[conn %u] refused: cannot set up the socket", id);
    close(fd);
    return;
  }
  long slot = take_slot(st, fd, &conn.peer); /* wait_for_room made room */
  if (slot == -2)
    hv_session_logf(log, HV_SESSION_LOG_WARN,
             "[conn %u pid %d uid %u] refused: this process already has %d connections", id,
             (int)conn.peer.pid, (unsigned)conn.peer.uid, HV_SESSION_MAX_PER_PEER);
  if (slot < 0) {
    close(fd);
    return;
  }
  conn.deadline_ms = hv_session_monotonic_ms() + HV_SESSION_DEADLINE_MS;
  conn_job *job = malloc(sizeof *job);
  pthread_attr_t attr;
  pthread_t thread;
  bool started = false;
  if (job && pthread_attr_init(&attr) == 0) {
    *job = (conn_job){.st = st, .slot = (size_t)slot, .conn = conn};
    if (pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
        pthread_attr_setstacksize(&attr, HV_SESSION_SERVER_STACK_BYTES) == 0)
      started = pthread_create(&thread, &attr, conn_thread, job) == 0;
    pthread_attr_destroy(&attr);
  }
  if (!started) {
    hv_session_logf(log, HV_SESSION_LOG_WARN, "[conn %u] refused: cannot start a thread", id);
    free(job);
    release_slot(st, (size_t)slot);
    close(fd);
  }
}

/* While every slot is taken, new connections wait in the listen backlog
 * (first come, first served) instead of being accepted and dropped; true
 * when the loop should look at the stop flag again first. */
static bool wait_for_room(server_state *st) {
  pthread_mutex_lock(&st->lock);
  bool full = st->active >= HV_SESSION_MAX_CONNECTIONS;
  if (full) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until); /* the condvar's clock: see hv_session_server_run */
    until.tv_nsec += (long)HV_SESSION_SERVER_POLL_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&st->changed, &st->lock, &until);
  }
  pthread_mutex_unlock(&st->lock);
  return full;
}

static bool should_stop(server_state *st, volatile sig_atomic_t *stop) {
  if (*stop) return true;
  pthread_mutex_lock(&st->lock);
  bool done = st->cfg->once && st->completed;
  pthread_mutex_unlock(&st->lock);
  return done;
}

/* Cuts every open connection short and waits for their threads. */
static void drain(server_state *st) {
  pthread_mutex_lock(&st->lock);
  for (size_t i = 0; i < HV_SESSION_MAX_CONNECTIONS; i++)
    if (st->active_fds[i] >= 0) shutdown(st->active_fds[i], SHUT_RDWR);
  while (st->active > 0) pthread_cond_wait(&st->changed, &st->lock);
  pthread_mutex_unlock(&st->lock);
}

int hv_session_server_run(int listen_fd, const hv_session_server_config *cfg,
                   volatile sig_atomic_t *stop) {
  server_state st = {.cfg = cfg};
  for (size_t i = 0; i < HV_SESSION_MAX_CONNECTIONS; i++) st.active_fds[i] = -1;
  if (pthread_mutex_init(&st.lock, NULL) != 0) return -1;
  /* A wall-clock step must not stretch or cut the wait for a free slot. */
  pthread_condattr_t attr;
  bool cond_ok = pthread_condattr_init(&attr) == 0;
  cond_ok = cond_ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
            pthread_cond_init(&st.changed, &attr) == 0;
  pthread_condattr_destroy(&attr);
  if (!cond_ok) {
    pthread_mutex_destroy(&st.lock);
    return -1;
  }
  int rc = 0;
  unsigned next_id = 1;
  while (!should_stop(&st, stop)) {
    if (wait_for_room(&st)) continue;
    struct pollfd p = {.fd = listen_fd, .events = POLLIN};
    int n = poll(&p, 1, HV_SESSION_SERVER_POLL_MS);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      rc = -1;
      break;
    }
    if (n == 0) continue;
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) { /* a flood: let threads end */
        usleep(10000);
        continue;
      }
      rc = -1;
      break;
    }
    start_connection(&st, fd, next_id++);
  }
  if (*stop && cfg->on_stop) cfg->on_stop(cfg->ctx);
  drain(&st);
  pthread_cond_destroy(&st.changed);
  pthread_mutex_destroy(&st.lock);
  return rc;
}

static void sender_stop(void *ctx) { hv_session_sender_cancel(ctx); }

static bool sender_conn(const hv_session_conn *conn, void *ctx) {
  return hv_session_sender_handle(ctx, conn->fd, &conn->peer) == HV_SESSION_OK;
}

hv_session_error hv_session_serve(hv_session_sender *s, int listen_fd, bool once,
                                  volatile sig_atomic_t *stop) {
  if (!s || listen_fd < 0 || !stop) return HV_SESSION_ERR_ARGS;
  /* A retiring sender stops serving after its first completed handover. */
  hv_session_server_config cfg = {
      .handler = sender_conn, .ctx = s, .once = once || s->retires, .log = &s->worker->log,
      .on_stop = sender_stop};
  s->stop = stop;
  int rc = hv_session_server_run(listen_fd, &cfg, stop);
  s->stop = NULL;
  return rc == 0 ? HV_SESSION_OK : HV_SESSION_ERR_SYSTEM;
}
