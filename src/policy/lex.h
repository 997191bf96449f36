/* The line lexer shared by the policy, council, signature and key files:
 * lines of `key field field ...`, blank lines and `#` comment lines. It
 * reads through hv_buf_reader and accepts only printable ASCII, spaces and
 * tabs; every size is bounded (HV_POLICY_MAX_LINE, HV_POLICY_LEX_MAX_FIELDS). */
#ifndef HANDOVER_POLICY_LEX_H
#define HANDOVER_POLICY_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/policy.h"

/* The longest line we define is `runtime` with its five attributes. */
#define HV_POLICY_LEX_MAX_FIELDS 8

typedef struct {
  const uint8_t *p;
  size_t len;
} hv_policy_lex_tok;

typedef struct {
  hv_buf_reader r;
  size_t line; /* number of the line last read, from 1 */
  hv_policy_lex_tok field[HV_POLICY_LEX_MAX_FIELDS];
  size_t n_fields; /* 0 once the input is exhausted */
} hv_policy_lex;

void hv_policy_lex_init(hv_policy_lex *lx, const uint8_t *text, size_t len);
/* Reads the next line that is neither blank nor a comment and splits it;
 * n_fields == 0 means the end of the input. */
HV_MUST_CHECK hv_policy_error hv_policy_lex_next(hv_policy_lex *lx, hv_policy_diag *diag);

bool hv_policy_lex_is(const hv_policy_lex_tok *t, const char *s);
/* Splits `name=value` at the first '='; false if there is none. */
HV_MUST_CHECK bool hv_policy_lex_attr(const hv_policy_lex_tok *t, hv_policy_lex_tok *name,
                                      hv_policy_lex_tok *value);
/* A decimal number in [min, max] (no sign, no leading zeros). */
HV_MUST_CHECK hv_policy_error hv_policy_lex_number(const hv_policy_lex *lx,
                                                   const hv_policy_lex_tok *t, const char *what,
                                                   uint64_t min, uint64_t max, uint64_t *out,
                                                   hv_policy_diag *diag);
/* Exactly 2*n hex digits (either case). */
HV_MUST_CHECK hv_policy_error hv_policy_lex_hex(const hv_policy_lex *lx, const hv_policy_lex_tok *t,
                                                const char *what, uint8_t *out, size_t n,
                                                hv_policy_diag *diag);
/* A name of [A-Za-z0-9._:-], 1..max bytes, copied NUL-terminated. */
HV_MUST_CHECK hv_policy_error hv_policy_lex_name(const hv_policy_lex *lx,
                                                 const hv_policy_lex_tok *t, const char *what,
                                                 char *out, size_t max, hv_policy_diag *diag);

/* Starts a diagnostic about input `in` (diag may be NULL). */
void hv_policy_diag_file(hv_policy_diag *diag, const char *in);
/* Sets diag (if any) and returns err. */
HV_MUST_CHECK hv_policy_error hv_policy_diag_fail(hv_policy_diag *diag, size_t line,
                                                  hv_policy_error err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* HV_POLICY_ERR_UNKNOWN_KEY for token t (a key or attribute name). The
 * name is repeated only when it looks like one (lower case and '_', at
 * most HV_POLICY_LEX_MAX_ECHO bytes), so a secret pasted into the wrong file is
 * never printed back. */
#define HV_POLICY_LEX_MAX_ECHO 32
HV_MUST_CHECK hv_policy_error hv_policy_lex_unknown(const hv_policy_lex *lx,
                                                    const hv_policy_lex_tok *t, const char *kind,
                                                    hv_policy_diag *diag);

#endif
