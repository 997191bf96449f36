#include "policy/lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sys/sys.h"

hv_policy_error hv_policy_diag_fail(hv_policy_diag *diag, size_t line, hv_policy_error err,
                        const char *fmt, ...) {
  if (!diag) return err;
  diag->line = line;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(diag->what, sizeof diag->what, fmt, ap);
  va_end(ap);
  if (n < 0) diag->what[0] = '\0';
  return err;
}

void hv_policy_diag_file(hv_policy_diag *diag, const char *in) {
  if (!diag) return;
  diag->in = in;
  diag->line = 0;
  diag->what[0] = '\0';
}

void hv_policy_lex_init(hv_policy_lex *lx, const uint8_t *text, size_t len) {
  memset(lx, 0, sizeof *lx);
  hv_buf_reader_init(&lx->r, text, len);
}

static bool is_blank(uint8_t c) { return c == ' ' || c == '\t'; }

/* Takes one line (without its newline) from the reader. */
static hv_policy_error take_line(hv_policy_lex *lx, const uint8_t **line, size_t *len,
                                 hv_policy_diag *diag) {
  size_t start = lx->r.pos, n = 0;
  uint8_t c;
  lx->line++;
  while (hv_buf_remaining(&lx->r) > 0) {
    if (!hv_buf_read_u8(&lx->r, &c)) break;
    if (c == '\n') break;
    if (c == '\r')
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_BAD_CHAR,
                     "carriage return (lines must end in a bare newline)");
    if (!is_blank(c) && (c < 0x21 || c > 0x7e))
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_BAD_CHAR,
                     "byte 0x%02x is not printable ASCII", c);
    if (++n > HV_POLICY_MAX_LINE)
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_LINE_TOO_LONG,
                     "line longer than %d bytes", HV_POLICY_MAX_LINE);
  }
  *line = lx->r.data + start;
  *len = n;
  return HV_POLICY_OK;
}

static hv_policy_error split(hv_policy_lex *lx, const uint8_t *p, size_t len,
                             hv_policy_diag *diag) {
  size_t i = 0;
  lx->n_fields = 0;
  while (i < len) {
    while (i < len && is_blank(p[i])) i++;
    if (i == len) break;
    size_t start = i;
    while (i < len && !is_blank(p[i])) i++;
    if (lx->n_fields == HV_POLICY_LEX_MAX_FIELDS)
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX,
                     "more than %d fields on one line", HV_POLICY_LEX_MAX_FIELDS);
    lx->field[lx->n_fields].p = p + start;
    lx->field[lx->n_fields].len = i - start;
    lx->n_fields++;
  }
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_lex_next(hv_policy_lex *lx, hv_policy_diag *diag) {
  lx->n_fields = 0;
  while (hv_buf_remaining(&lx->r) > 0) {
    const uint8_t *line = NULL;
    size_t len = 0;
    hv_policy_error err = take_line(lx, &line, &len, diag);
    if (err) return err;
    size_t i = 0;
    while (i < len && is_blank(line[i])) i++;
    if (i == len || line[i] == '#') continue; /* blank or comment: free text */
    return split(lx, line, len, diag);
  }
  return HV_POLICY_OK;
}

bool hv_policy_lex_is(const hv_policy_lex_tok *t, const char *s) {
  size_t n = strlen(s);
  return t->len == n && memcmp(t->p, s, n) == 0;
}

bool hv_policy_lex_attr(const hv_policy_lex_tok *t, hv_policy_lex_tok *name, hv_policy_lex_tok *value) {
  const uint8_t *eq = memchr(t->p, '=', t->len);
  if (!eq) return false;
  name->p = t->p;
  name->len = (size_t)(eq - t->p);
  value->p = eq + 1;
  value->len = t->len - name->len - 1;
  return true;
}

/* The longest decimal u64 has 20 digits. */
#define HV_POLICY_LEX_MAX_DIGITS 20

hv_policy_error hv_policy_lex_number(const hv_policy_lex *lx, const hv_policy_lex_tok *t,
                              const char *what, uint64_t min, uint64_t max,
                              uint64_t *out, hv_policy_diag *diag) {
  if (t->len == 0 || t->len > HV_POLICY_LEX_MAX_DIGITS || (t->len > 1 && t->p[0] == '0'))
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_BAD_NUMBER,
                   "%s: not a decimal number", what);
  uint64_t v = 0;
  for (size_t i = 0; i < t->len; i++) {
    uint8_t c = t->p[i];
    if (c < '0' || c > '9')
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_BAD_NUMBER,
                     "%s: not a decimal number", what);
    uint64_t d = (uint64_t)(c - '0');
    if (v > (UINT64_MAX - d) / 10)
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_OUT_OF_RANGE,
                     "%s: above %llu", what, (unsigned long long)max);
    v = v * 10 + d;
  }
  if (v < min || v > max)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_OUT_OF_RANGE,
                   "%s: %llu is outside %llu..%llu", what, (unsigned long long)v,
                   (unsigned long long)min, (unsigned long long)max);
  *out = v;
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_lex_hex(const hv_policy_lex *lx, const hv_policy_lex_tok *t,
                           const char *what, uint8_t *out, size_t n,
                           hv_policy_diag *diag) {
  if (t->len != 2 * n)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_BAD_HEX,
                   "%s: want %zu hex digits, got %zu", what, 2 * n, t->len);
  for (size_t i = 0; i < n; i++) {
    int hi = hv_sys_hex_digit(t->p[2 * i]), lo = hv_sys_hex_digit(t->p[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_BAD_HEX,
                     "%s: not a hex digit", what);
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return HV_POLICY_OK;
}

static bool name_char(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == ':';
}

hv_policy_error hv_policy_lex_name(const hv_policy_lex *lx, const hv_policy_lex_tok *t,
                            const char *what, char *out, size_t max,
                            hv_policy_diag *diag) {
  if (t->len == 0 || t->len > max)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_OUT_OF_RANGE,
                   "%s: length must be 1..%zu", what, max);
  for (size_t i = 0; i < t->len; i++)
    if (!name_char(t->p[i]))
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_BAD_CHAR,
                     "%s: character '%c' not allowed", what, t->p[i]);
  memcpy(out, t->p, t->len);
  out[t->len] = '\0';
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_lex_unknown(const hv_policy_lex *lx, const hv_policy_lex_tok *t,
                               const char *kind, hv_policy_diag *diag) {
  bool echo = t->len > 0 && t->len <= HV_POLICY_LEX_MAX_ECHO;
  for (size_t i = 0; echo && i < t->len; i++)
    echo = (t->p[i] >= 'a' && t->p[i] <= 'z') || t->p[i] == '_';
  if (!echo)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_UNKNOWN_KEY, "unknown %s", kind);
  return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_UNKNOWN_KEY, "unknown %s '%.*s'", kind,
                 (int)t->len, (const char *)t->p);
}
