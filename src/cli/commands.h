/* The subcommands of `handover`. Each takes the arguments after its own
 * name (argv[0] is the subcommand) and returns the process exit status. */
#ifndef HANDOVER_CLI_COMMANDS_H
#define HANDOVER_CLI_COMMANDS_H

#include "handover/api.h"

HV_MUST_CHECK int cmd_time(int argc, char **argv);
HV_MUST_CHECK int cmd_policy(int argc, char **argv);
HV_MUST_CHECK int cmd_init(int argc, char **argv);
HV_MUST_CHECK int cmd_serve(int argc, char **argv);
HV_MUST_CHECK int cmd_receive(int argc, char **argv);
HV_MUST_CHECK int cmd_status(int argc, char **argv);
HV_MUST_CHECK int cmd_receipt(int argc, char **argv);
HV_MUST_CHECK int cmd_log(int argc, char **argv);

#endif
