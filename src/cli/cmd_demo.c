/* handover demo: the whole story on one machine, no network (see demo.c). */
#include <stdbool.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/demo.h"
#include "cli/opts.h"

int cmd_demo(int argc, char **argv) {
  const char *chronyd = NULL;
  bool keep = false;
  const cli_opt opts[] = {
      {"chronyd", "PATH", "the chronyd to run (default /usr/sbin/chronyd)", &chronyd, NULL},
      {"keep", NULL, "leave the demo's directory (logs, stores, policy) in place", NULL,
       &keep},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {
      .command = "demo",
      .synopsis = "demo [--chronyd PATH] [--keep]",
      .about = "A full sim-mode handover on this machine with no network: a test CA and\n"
               "three chrony NTS servers on 127.0.0.1, a council and a signed policy\n"
               "listing an old and a new build, the old worker serving its key, the new\n"
               "one receiving it, both showing the same identity, and two refusals (a\n"
               "build not in the policy, a replayed RESPONSE). It stops everything it\n"
               "started, also on error and on Ctrl-C. Needs root (chronyd -u root).",
      .tables = {opts, NULL},
  };
  int st = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (st >= 0) return st;
  return demo_run(chronyd, keep) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
