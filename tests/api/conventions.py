#!/usr/bin/env python3
# docs/CONVENTIONS.md, checked so that it stays true. Each rule is one
# function; a rule that finds a breach prints it, and the run fails.
#   guards     a private header's include guard is HANDOVER_PART_NAME_H
#   includes   src/ and tools/ include private headers as "PART/NAME.h"
#   detail     a detail buffer is char *detail, size_t detail_len
#   must-check every declared function returning an error or a verdict
#              carries HV_MUST_CHECK (the one documented exception aside)
#   prefixes   every global symbol of src/PART is hv_PART_... (or the
#              prefix of the public header it implements)
# usage: conventions.py REPO_ROOT LIBHVCORE_A
import glob
import os
import re
import subprocess
import sys

root, core = sys.argv[1], sys.argv[2]
failures = []


def bad(rule, where, what):
    failures.append(f"{rule}: {where}: {what}")


def rel(path):
    return os.path.relpath(path, root)


def files(pattern):
    return sorted(glob.glob(os.path.join(root, pattern), recursive=True))


def guards():
    for h in files("src/**/*.h"):
        part, name = rel(h).split("/")[1], os.path.basename(h)[:-2]
        name = name[len(part) + 1:] if name.startswith(part + "_") else name
        want = f"HANDOVER_{part}_H" if name == part else f"HANDOVER_{part}_{name}_H"
        m = re.search(r"^#ifndef (\w+)", open(h).read(), re.M)
        if not m or m.group(1) != want.upper():
            bad("guards", rel(h), f"{m.group(1) if m else 'no guard'}, want {want.upper()}")


def includes():
    for f in files("src/**/*.[ch]") + files("tools/**/*.[ch]"):
        for n, line in enumerate(open(f), 1):
            m = re.match(r'#include "([^"]+)"', line)
            if m and "/" not in m.group(1):
                bad("includes", f"{rel(f)}:{n}", f'"{m.group(1)}" is not "PART/NAME.h"')


DETAIL = re.compile(r"char\s*\*\s*(err|why|errbuf|errmsg|msg|reason)\s*,\s*size_t\s+\w+")


def detail():
    for f in files("src/**/*.[ch]") + files("include/handover/*.h"):
        text = open(f).read()
        for m in DETAIL.finditer(text):
            n = text.count("\n", 0, m.start()) + 1
            bad("detail", f"{rel(f)}:{n}", f"a detail buffer named {m.group(1)}, not detail")


# Reports through the caller's log itself (docs/CONVENTIONS.md).
MAY_IGNORE = {"hv_session_keep_memory_private"}


def declarations(text):
    """Top-level declarations of a header, comments and macros removed."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
    depth, cur = 0, ""
    for ch in text:
        depth += ch == "{"
        if depth == 0:
            cur += ch
        if ch == "}":
            depth -= 1
            cur = "" if depth == 0 else cur
        if ch == ";" and depth == 0:
            yield " ".join(cur.split())
            cur = ""


def must_check():
    for h in files("include/handover/*.h") + files("src/**/*.h"):
        for d in declarations(open(h).read()):
            m = re.match(r"(.*?)\b(\w+)\s*\(", d)
            if not m or d.startswith("typedef") or m.group(2) in MAY_IGNORE:
                continue
            ret = m.group(1)
            if re.search(r"\bhv_\w+_(error|verdict)\b", ret) and "HV_MUST_CHECK" not in ret:
                bad("must-check", rel(h), f"{m.group(2)} returns {ret.split()[-1]}")


# Parts whose public headers carry another name (docs/CONVENTIONS.md).
OTHER_PREFIXES = {
    "crypto": ("hv_",),  # the primitives: hv_sha256, hv_x25519, hv_wipe
    "proto": ("hv_receipt_",),
    "store": ("hv_log_",),
    "version": ("hv_version",),
}


def prefixes():
    out = subprocess.run(["nm", "-A", "-g", "--defined-only", core],
                         capture_output=True, text=True, check=True).stdout
    seen = 0
    for line in out.splitlines():
        # "libhvcore.a:libhvcore.a.p/src_PART_FILE.c.o:ADDRESS T SYMBOL"
        m = re.match(r".*/src_([a-z]+)_(\w+)\.c\.o:\s*\S+\s+\S\s+(\S+)$", line)
        if not m:
            continue
        seen += 1
        part, obj, sym = m.groups()
        if sym.startswith("__"):  # the compiler's (ASan's __odr_asan.NAME), not ours
            continue
        if sym.startswith(f"hv_{part}_") or sym.startswith(OTHER_PREFIXES.get(part, ("-",))):
            continue
        bad("prefixes", f"src/{part}/{obj}.c", f"{sym} is not hv_{part}_...")
    if seen < 100:  # the library has hundreds: reading nm's output failed
        bad("prefixes", rel(core), f"only {seen} symbols read")


if len(files("src/**/*.h")) < 20 or len(files("include/handover/*.h")) < 10:
    bad("setup", root, "not the repository: too few headers")
for rule in (guards, includes, detail, must_check, prefixes):
    rule()
for f in failures:
    print("FAIL:", f)
print(f"conventions: {len(failures)} breaches")
sys.exit(1 if failures else 0)
