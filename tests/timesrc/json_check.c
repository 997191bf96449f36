/* Reads JSON on stdin; exits 0 only if it is one valid JSON value (RFC
 * 8259 grammar, depth-limited) followed by nothing but white space. */
#include <stdio.h>
#include <string.h>

#define INPUT_MAX (1 << 20)
#define DEPTH_MAX 64

static char in[INPUT_MAX + 1];
static size_t pos, len;

static void ws(void) {
  while (pos < len && strchr(" \t\r\n", in[pos])) pos++;
}

static int lit(const char *word) {
  size_t n = strlen(word);
  if (len - pos < n || memcmp(in + pos, word, n)) return 0;
  pos += n;
  return 1;
}

static int digits(void) {
  size_t start = pos;
  while (pos < len && in[pos] >= '0' && in[pos] <= '9') pos++;
  return pos > start;
}

static int number(void) {
  if (pos < len && in[pos] == '-') pos++;
  if (pos < len && in[pos] == '0') pos++;
  else if (!digits()) return 0;
  if (pos < len && in[pos] == '.' && (pos++, !digits())) return 0;
  if (pos < len && (in[pos] == 'e' || in[pos] == 'E')) {
    pos++;
    if (pos < len && (in[pos] == '+' || in[pos] == '-')) pos++;
    if (!digits()) return 0;
  }
  return 1;
}

static int string(void) {
  if (pos >= len || in[pos] != '"') return 0;
  for (pos++; pos < len; pos++) {
    unsigned char c = (unsigned char)in[pos];
    if (c == '"') return pos++, 1;
    if (c < 0x20) return 0;
    if (c != '\\') continue;
    if (++pos >= len) return 0;
    if (in[pos] == 'u') {
      for (int i = 0; i < 4; i++)
        if (++pos >= len || !strchr("0123456789abcdefABCDEF", in[pos])) return 0;
    } else if (!strchr("\"\\/bfnrt", in[pos])) {
      return 0;
    }
  }
  return 0;
}

static int value(int depth);

static int members(int depth, char close, int keyed) {
  pos++;
  ws();
  if (pos < len && in[pos] == close) return pos++, 1;
  for (;;) {
    ws();
    if (keyed) {
      if (!string()) return 0;
      ws();
      if (pos >= len || in[pos++] != ':') return 0;
    }
    if (!value(depth + 1)) return 0;
    ws();
    if (pos < len && in[pos] == ',') {
      pos++;
      continue;
    }
    return pos < len && in[pos++] == close;
  }
}

static int value(int depth) {
  if (depth > DEPTH_MAX) return 0;
  ws();
  if (pos >= len) return 0;
  switch (in[pos]) {
  case '{': return members(depth, '}', 1);
  case '[': return members(depth, ']', 0);
  case '"': return string();
  case 't': return lit("true");
  case 'f': return lit("false");
  case 'n': return lit("null");
  default: return number();
  }
}

int main(void) {
  len = fread(in, 1, INPUT_MAX + 1, stdin);
  if (len > INPUT_MAX) return fprintf(stderr, "json_check: input too large\n"), 1;
  if (!value(0)) return fprintf(stderr, "json_check: invalid JSON at byte %zu\n", pos), 1;
  ws();
  if (pos != len) return fprintf(stderr, "json_check: junk after JSON at byte %zu\n", pos), 1;
  return 0;
}
