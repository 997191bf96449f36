/* Prints a receipt for people (receipt show/verify, log show). */
#ifndef HANDOVER_CLI_RECEIPT_PRINT_H
#define HANDOVER_CLI_RECEIPT_PRINT_H

#include <stdio.h>

#include "handover/receipt.h"

/* Each line starts with indent. */
void cli_print_receipt(FILE *out, const hv_receipt *r, const char *indent);

#endif
