/* Jansson-based access to Wycheproof vector files; see wycheproof.h. */
#include "wycheproof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *wp_load(const char *dir, const char *name) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= sizeof path) {
    fprintf(stderr, "wycheproof: path too long: %s/%s\n", dir, name);
    exit(2);
  }
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  if (!root) {
    fprintf(stderr, "wycheproof: cannot load %s: %s (line %d)\n", path,
            err.text, err.line);
    exit(2);
  }
  return root;
}

long wp_declared_tests(const json_t *root) {
  return wp_int(root, "numberOfTests");
}

const char *wp_str(const json_t *obj, const char *field) {
  const char *s = json_string_value(json_object_get(obj, field));
  if (!s) {
    fprintf(stderr, "wycheproof: missing string field '%s'\n", field);
    exit(2);
  }
  return s;
}

long wp_int(const json_t *obj, const char *field) {
  json_t *v = json_object_get(obj, field);
  if (!json_is_integer(v)) {
    fprintf(stderr, "wycheproof: missing integer field '%s'\n", field);
    exit(2);
  }
  return (long)json_integer_value(v);
}

static int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

wp_bytes wp_hex(const json_t *obj, const char *field) {
  const char *hex = wp_str(obj, field);
  size_t n = strlen(hex);
  wp_bytes b = {malloc(n / 2 + 1), n / 2};
  if (!b.data || n % 2) {
    fprintf(stderr, "wycheproof: bad hex in field '%s'\n", field);
    exit(2);
  }
  for (size_t i = 0; i < b.len; i++) {
    int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      fprintf(stderr, "wycheproof: bad hex in field '%s'\n", field);
      exit(2);
    }
    b.data[i] = (uint8_t)(hi << 4 | lo);
  }
  return b;
}

void wp_free(wp_bytes *b) {
  free(b->data);
  b->data = NULL;
  b->len = 0;
}

bool wp_has_flag(const json_t *test, const char *flag) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(test, "flags"), i, v) {
    const char *s = json_string_value(v);
    if (s && strcmp(s, flag) == 0) return true;
  }
  return false;
}

bool wp_is_valid(const json_t *test) {
  return strcmp(wp_str(test, "result"), "valid") == 0;
}

bool wp_is_acceptable(const json_t *test) {
  return strcmp(wp_str(test, "result"), "acceptable") == 0;
}

void wp_result(wp_tally *t, const json_t *test, bool ok, const char *what) {
  if (ok) {
    t->passed++;
    return;
  }
  t->failed++;
  fprintf(stderr, "tcId %ld (%s, %s): %s\n", wp_int(test, "tcId"),
          wp_str(test, "result"), wp_str(test, "comment"), what);
}

void wp_skip(wp_tally *t, const char *reason) {
  t->skipped++;
  for (size_t i = 0; i < WP_MAX_SKIP_REASONS; i++) {
    if (!t->skip_reason[i] || strcmp(t->skip_reason[i], reason) == 0) {
      t->skip_reason[i] = reason;
      t->skip_count[i]++;
      return;
    }
  }
  fprintf(stderr, "wycheproof: too many distinct skip reasons\n");
  exit(2);
}

void wp_print(const char *file, const wp_tally *t) {
  printf("%s: %ld passed, %ld failed, %ld skipped\n", file, t->passed,
         t->failed, t->skipped);
  for (size_t i = 0; i < WP_MAX_SKIP_REASONS && t->skip_reason[i]; i++)
    printf("  skipped %ld: %s\n", t->skip_count[i], t->skip_reason[i]);
}

void wp_each(const json_t *root, wp_case_fn *fn, wp_tally *t) {
  size_t i, j;
  json_t *group, *test;
  json_array_foreach(json_object_get(root, "testGroups"), i, group) {
    json_array_foreach(json_object_get(group, "tests"), j, test) {
      fn(group, test, t);
    }
  }
}
