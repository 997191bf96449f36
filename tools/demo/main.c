/* handover-demo: the whole story on one machine, no network (see demo.c).
 * Its own program, so the binary that holds a key (`handover`) carries no
 * CA generator, process spawner or tree remover: the demo runs that
 * binary, the one given by --handover or the one beside this program. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo/demo.h"
#include "handover/crypto.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: handover-demo [--handover PATH] [--chronyd PATH] [--keep]\n"
    "\n"
    "A full sim-mode handover on this machine with no network: a test CA and\n"
    "three chrony NTS servers on 127.0.0.1, a council and a signed policy\n"
    "listing an old and a new build, the old worker serving its key, the new\n"
    "one receiving it, both showing the same identity, and two refusals (a\n"
    "build not in the policy, a replayed RESPONSE). It stops everything it\n"
    "started, also on error and on Ctrl-C. Needs root (chronyd -u root).\n"
    "\n"
    "  --handover PATH  the handover binary to run (default: the one beside\n"
    "                   handover-demo)\n"
    "  --chronyd PATH   the chronyd to run (default /usr/sbin/chronyd)\n"
    "  --keep           leave the demo's directory (logs, stores, policy) in place\n";

/* "--name VALUE" or "--name=VALUE": 1 taken (*i advanced), 0 not this
 * option, -1 a missing or repeated value (said). */
static int take(const char *name, int argc, char **argv, int *i, const char **out) {
  const char *a = argv[*i] + 2;
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '=')) return 0;
  const char *v = a[n] == '=' ? a + n + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
  if (!v || !*v || *out) {
    fprintf(stderr, "handover-demo: --%s %s\n", name, *out ? "given twice" : "needs a value");
    return -1;
  }
  *out = v;
  return 1;
}

/* The handover binary beside this program's own file. */
static int beside_me(char *out, size_t cap) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return -1;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (!slash) return -1;
  *slash = '\0';
  int w = snprintf(out, cap, "%s/handover", self);
  return w > 0 && (size_t)w < cap ? 0 : -1;
}

int main(int argc, char **argv) {
  const char *chronyd = NULL, *handover = NULL;
  bool keep = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage_text, stdout);
      return EXIT_OK;
    }
    if (!strcmp(a, "--keep")) {
      keep = true;
      continue;
    }
    int t = strncmp(a, "--", 2) == 0 ? take("chronyd", argc, argv, &i, &chronyd) : 0;
    if (t == 0 && strncmp(a, "--", 2) == 0) t = take("handover", argc, argv, &i, &handover);
    if (t < 0) return EXIT_USAGE;
    if (t == 0) {
      fprintf(stderr, "handover-demo: unknown argument '%s'\n%s", a, usage_text);
      return EXIT_USAGE;
    }
  }
  char found[PATH_MAX];
  if (!handover) {
    if (beside_me(found, sizeof found) != 0) {
      fprintf(stderr, "handover-demo: cannot find my own path: give --handover PATH\n");
      return EXIT_USAGE;
    }
    handover = found;
  }
  if (access(handover, X_OK) != 0) {
    fprintf(stderr, "handover-demo: %s: %s (give the handover binary with --handover PATH)\n",
            handover, strerror(errno));
    return EXIT_USAGE;
  }
  if (hv_crypto_init() != 0) {
    fprintf(stderr, "handover-demo: OpenSSL did not start\n");
    return EXIT_FAIL;
  }
  return demo_run(handover, chronyd, keep) == 0 ? EXIT_OK : EXIT_FAIL;
}
