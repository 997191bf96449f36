#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  const char *key;
  size_t offset; /* of the const char * in hw_config */
} key_spec;

#define KEY(name) {#name, offsetof(hw_config, name)}
static const key_spec keys[] = {
    KEY(store),       KEY(policy),      KEY(policy_sig),      KEY(council),
    KEY(ca),          KEY(nts_state),   KEY(listen),          KEY(connect),
    KEY(chain_head),  KEY(chain_head_file), KEY(tee),         KEY(platform_secret),
    KEY(mr_enclave),  KEY(build_name),  KEY(mr_signer),       KEY(isv_prod_id),
    KEY(isv_svn),     KEY(init_if_empty),
    KEY(policy_timestamp), KEY(override), KEY(override_sig),
};

static const char **slot(hw_config *c, const key_spec *k) {
  return (const char **)((char *)c + k->offset);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
  return s;
}

static bool read_all(const char *path, hw_config *c, char *err, size_t err_len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, err_len, "%s: %s", path, strerror(errno));
    return false;
  }
  size_t got = 0;
  ssize_t n = 0;
  while (got <= HW_CONFIG_MAX &&
         (n = read(fd, c->text + got, HW_CONFIG_MAX + 1 - got)) > 0)
    got += (size_t)n;
  int saved = errno;
  close(fd);
  if (n < 0) {
    snprintf(err, err_len, "%s: %s", path, strerror(saved));
    return false;
  }
  if (got > HW_CONFIG_MAX) {
    snprintf(err, err_len, "%s: larger than %d bytes", path, HW_CONFIG_MAX);
    return false;
  }
  c->text[got] = '\0';
  if (memchr(c->text, '\0', got)) {
    snprintf(err, err_len, "%s: not a text file (NUL byte)", path);
    return false;
  }
  return true;
}

static bool set_key(hw_config *c, const char *path, size_t line, char *key, char *value,
                    char *err, size_t err_len) {
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (strcmp(keys[i].key, key) != 0) continue;
    const char **v = slot(c, &keys[i]);
    if (*v) {
      snprintf(err, err_len, "%s line %zu: '%s' given twice", path, line, key);
      return false;
    }
    if (!*value) {
      snprintf(err, err_len, "%s line %zu: '%s' has no value", path, line, key);
      return false;
    }
    *v = value;
    return true;
  }
  snprintf(err, err_len, "%s line %zu: unknown key '%.64s'", path, line, key);
  return false;
}

static bool parse_lines(const char *path, hw_config *c, char *err, size_t err_len) {
  char *p = c->text;
  for (size_t line = 1; *p; line++) {
    char *end = strchr(p, '\n');
    if (end) *end = '\0';
    if (strlen(p) > HW_CONFIG_LINE_MAX) {
      snprintf(err, err_len, "%s line %zu: longer than %d bytes", path, line,
               HW_CONFIG_LINE_MAX);
      return false;
    }
    char *s = trim(p);
    p = end ? end + 1 : p + strlen(p);
    if (!*s || *s == '#') continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      snprintf(err, err_len, "%s line %zu: not 'key = value'", path, line);
      return false;
    }
    *eq = '\0';
    if (!set_key(c, path, line, trim(s), trim(eq + 1), err, err_len)) return false;
  }
  return true;
}

static bool require(const char *path, const char *value, const char *key, char *err,
                    size_t err_len) {
  if (value) return true;
  snprintf(err, err_len, "%s: '%s' is required", path, key);
  return false;
}

/* What the keys mean together. */
static bool check(const char *path, hw_config *c, char *err, size_t err_len) {
  if (!require(path, c->store, "store", err, err_len) ||
      !require(path, c->policy, "policy", err, err_len) ||
      !require(path, c->policy_sig, "policy_sig", err, err_len) ||
      !require(path, c->listen, "listen", err, err_len))
    return false;
  if (!!c->chain_head == !!c->chain_head_file) {
    snprintf(err, err_len, "%s: give exactly one of 'chain_head' and 'chain_head_file'", path);
    return false;
  }
  if (c->init_if_empty && strcmp(c->init_if_empty, "true") && strcmp(c->init_if_empty, "false")) {
    snprintf(err, err_len, "%s: 'init_if_empty' must be true or false", path);
    return false;
  }
  c->init = c->init_if_empty && !strcmp(c->init_if_empty, "true");
  if (c->tee && strcmp(c->tee, "sim") && strcmp(c->tee, "sgx")) {
    snprintf(err, err_len, "%s: 'tee' must be sim or sgx, not '%s'", path, c->tee);
    return false;
  }
  char why[256];
  if (hv_session_addr_parse(c->listen, "listen", &c->listen_addr, why, sizeof why) !=
      HV_SESSION_OK) {
    snprintf(err, err_len, "%s: %s", path, why);
    return false;
  }
  if (c->connect && hv_session_addr_parse(c->connect, "connect", &c->connect_addr, why,
                                          sizeof why) != HV_SESSION_OK) {
    snprintf(err, err_len, "%s: %s", path, why);
    return false;
  }
  return true;
}

bool hw_config_load(const char *path, hw_config *c, char *err, size_t err_len) {
  memset(c, 0, sizeof *c);
  return read_all(path, c, err, err_len) && parse_lines(path, c, err, err_len) &&
         check(path, c, err, err_len);
}
