#include "cli/cmd_policy_io.h"

#include "cli/util.h"
#include "handover/crypto.h"
#include "sys/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *prefix, const char *path, const char *what) {
  fprintf(stderr, "%s: %s: %s\n", prefix, path, what);
  return -1;
}

static int read_all(int fd, uint8_t *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  uint8_t extra;
  ssize_t n;
  do n = read(fd, &extra, 1);
  while (n < 0 && errno == EINTR);
  return n == 0 ? 0 : -1; /* the file grew while we read it */
}

int pol_read_file(const char *prefix, const char *path, size_t max, bool secret,
                  uint8_t **out, size_t *out_len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(prefix, path, strerror(errno));
  struct stat st;
  int rc = -1;
  uint8_t *buf = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    fail(prefix, path, "not a regular file");
  } else if ((size_t)st.st_size > max) {
    fail(prefix, path, "file too large");
  } else if (secret && (st.st_mode & 077)) {
    fail(prefix, path, "secret key file is accessible by others (chmod 600)");
  } else if (!(buf = malloc((size_t)st.st_size + 1))) {
    fail(prefix, path, "out of memory");
  } else if (read_all(fd, buf, (size_t)st.st_size) != 0) {
    fail(prefix, path, "read failed or file changed while reading");
  } else {
    buf[st.st_size] = 0;
    *out = buf;
    *out_len = (size_t)st.st_size;
    buf = NULL;
    rc = 0;
  }
  if (buf) {
    hv_wipe(buf, (size_t)st.st_size + 1); /* may hold a secret key */
    free(buf);
  }
  close(fd);
  return rc;
}

int pol_write_new(const char *prefix, const char *path, const void *data,
                  size_t len, mode_t mode) {
  int made = hv_sys_create(path, data, len, mode);
  if (made == 0) return fail(prefix, path, "exists already");
  return made > 0 ? 0 : fail(prefix, path, strerror(errno));
}

int pol_write_replace(const char *prefix, const char *path, const void *data,
                      size_t len, mode_t mode) {
  return hv_sys_replace(path, data, len, mode) == 0 ? 0 : fail(prefix, path, strerror(errno));
}

static const pol_opt *find_opt(const pol_opt *opts, size_t n, const char *name,
                               size_t name_len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(opts[i].name) == name_len && !memcmp(opts[i].name, name, name_len))
      return &opts[i];
  return NULL;
}

int pol_parse_args(const char *prefix, const char *usage, int argc, char **argv,
                   const pol_opt *opts, size_t n_opts, const char **positional) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return 1;
    }
    if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
      if (!positional || *positional) {
        fprintf(stderr, "%s: unexpected argument '%s'\n%s", prefix, a, usage);
        return 2;
      }
      *positional = a;
      continue;
    }
    const char *eq = strchr(a + 2, '=');
    size_t name_len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
    const pol_opt *o = find_opt(opts, n_opts, a + 2, name_len);
    if (!o) {
      fprintf(stderr, "%s: unknown option '%s'\n%s", prefix, a, usage);
      return 2;
    }
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v || !*v) {
      fprintf(stderr, "%s: option --%s needs a value\n", prefix, o->name);
      return 2;
    }
    if (*o->value) {
      fprintf(stderr, "%s: option --%s given twice\n", prefix, o->name);
      return 2;
    }
    *o->value = v;
  }
  return 0;
}
