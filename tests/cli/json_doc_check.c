/* Checks JSON output against docs/JSON.md: every field an object carries
 * is documented there, with its type, and every field documented as
 * always present is there.
 *   json_doc_check DOC ID          stdin is one JSON object (table ID)
 *   json_doc_check DOC ID --lines  each line one object; its table is
 *                                  ID.EVENT (EVENT: its "event" field),
 *                                  or ID itself when it has none
 * A table follows a line "<!-- fields: ID -->" and has rows
 *   | `path` | type | always | meaning |
 * path: a field name, "a.b" inside an object, "a[].b" inside the objects
 * of an array; type: string, integer, boolean, object, array. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 128
#define MAX_NAME 128
#define LINE_MAX_LEN 65536

typedef struct {
  char path[MAX_NAME], type[16];
  int always;
} field;

typedef struct {
  field f[MAX_FIELDS];
  size_t n;
} table;

static int failures;

/* "json_doc_check: ID: field 'PATH' PROBLEM" */
static void complain(const char *id, const char *path, const char *problem) {
  fprintf(stderr, "json_doc_check: %s: field '%s' %s\n", id, path, problem);
  failures++;
}

/* "| `a.b` | string | yes | ..." */
static int parse_row(const char *line, field *out) {
  const char *p = strchr(line, '`');
  if (line[0] != '|' || !p) return -1;
  const char *q = strchr(p + 1, '`');
  if (!q || (size_t)(q - p - 1) >= MAX_NAME) return -1;
  memcpy(out->path, p + 1, (size_t)(q - p - 1));
  out->path[q - p - 1] = '\0';
  char always[16];
  if (sscanf(q + 1, " | %15[a-z] | %15[a-z] |", out->type, always) != 2) return -1;
  out->always = !strcmp(always, "yes");
  return 0;
}

static int load_table(const char *doc, const char *id, table *t) {
  FILE *f = fopen(doc, "r");
  if (!f) return -1;
  char line[1024], marker[256];
  snprintf(marker, sizeof marker, "<!-- fields: %s -->", id);
  int in = 0;
  t->n = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    if (!in) {
      in = !strcmp(line, marker);
      continue;
    }
    if (line[0] != '|') {
      if (t->n) break;
      continue;
    }
    field fl;
    if (parse_row(line, &fl) == 0 && t->n < MAX_FIELDS) t->f[t->n++] = fl;
  }
  fclose(f);
  return in && t->n ? 0 : -1;
}

static const field *find(const table *t, const char *path) {
  for (size_t i = 0; i < t->n; i++)
    if (!strcmp(t->f[i].path, path)) return &t->f[i];
  return NULL;
}

static const char *type_of(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    default: return "other";
  }
}

static void check_object(const char *id, const table *t, const json_t *obj, const char *prefix) {
  const char *key;
  json_t *v;
  char path[MAX_NAME * 2];
  json_object_foreach((json_t *)obj, key, v) {
    snprintf(path, sizeof path, "%s%s", prefix, key);
    const field *f = find(t, path);
    if (!f) {
      complain(id, path, "is not documented");
      continue;
    }
    if (strcmp(f->type, type_of(v))) complain(id, path, "has another type than documented");
    char sub[MAX_NAME * 2 + 4];
    if (json_is_object(v)) {
      snprintf(sub, sizeof sub, "%s.", path);
      check_object(id, t, v, sub);
    } else if (json_is_array(v)) {
      size_t i;
      json_t *e;
      snprintf(sub, sizeof sub, "%s[].", path);
      json_array_foreach(v, i, e) if (json_is_object(e)) check_object(id, t, e, sub);
    }
  }
  /* Always-present fields at this level. */
  size_t plen = strlen(prefix);
  for (size_t i = 0; i < t->n; i++) {
    const char *p = t->f[i].path;
    if (!t->f[i].always || strncmp(p, prefix, plen) || strpbrk(p + plen, ".[")) continue;
    if (!json_object_get(obj, p + plen)) complain(id, p, "is documented as always there but missing");
  }
}

static int check_one(const char *doc, const char *id, const json_t *obj) {
  table *t = malloc(sizeof *t);
  if (!t || load_table(doc, id, t) != 0) {
    fprintf(stderr, "json_doc_check: no table '<!-- fields: %s -->' in the document\n", id);
    failures++;
    free(t);
    return -1;
  }
  check_object(id, t, obj, "");
  free(t);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: json_doc_check DOC ID [--lines] < JSON\n");
    return 2;
  }
  int lines = argc > 3 && !strcmp(argv[3], "--lines");
  size_t n = 0;
  if (!lines) {
    json_error_t e;
    json_t *obj = json_loadf(stdin, 0, &e);
    if (!json_is_object(obj)) {
      fprintf(stderr, "json_doc_check: %s: not one JSON object: %s\n", argv[2], e.text);
      return 1;
    }
    check_one(argv[1], argv[2], obj);
    json_decref(obj);
    n = 1;
  } else {
    static char line[LINE_MAX_LEN];
    while (fgets(line, sizeof line, stdin)) {
      if (line[0] == '\n') continue;
      json_error_t e;
      json_t *obj = json_loads(line, 0, &e);
      if (!json_is_object(obj)) {
        fprintf(stderr, "json_doc_check: %s: a line is not a JSON object: %s: %s", argv[2],
                e.text, line);
        return 1;
      }
      const char *ev = json_string_value(json_object_get(obj, "event"));
      char id[256];
      snprintf(id, sizeof id, "%s%s%s", argv[2], ev ? "." : "", ev ? ev : "");
      check_one(argv[1], id, obj);
      json_decref(obj);
      n++;
    }
  }
  if (n == 0) {
    fprintf(stderr, "json_doc_check: %s: no JSON at all\n", argv[2]);
    return 1;
  }
  if (failures) return 1;
  printf("json_doc_check: %s: %zu objects match the document\n", argv[2], n);
  return 0;
}
