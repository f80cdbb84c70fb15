#!/usr/bin/env python3
"""Builds seed corpora for the fuzz targets.

    fuzz/seeds.py conformance CASES_DIR OUT_DIR
        small seeds derived from the conformance cases (config files, delta
        files, tuples, batch scripts); this is what fuzz/corpus/ holds.
    fuzz/seeds.py testdata TESTDATA_DIR OUT_DIR
        config files from ../shared/testdata (real-world, invalid), built at
        run time by scripts/fuzz.sh and never committed.

Writes OUT_DIR/<target>/<sha1 of the seed>; at most MAX_SIZE bytes per seed
(MAX_SIZE_TESTDATA for testdata; the fuzzer truncates to its -max_len).
Only the Python standard library is used.
"""

import base64
import hashlib
import json
import os
import re
import sys
from pathlib import Path

MAX_SIZE = 4096
MAX_SIZE_TESTDATA = 65536
MAX_PER_TARGET = 5000
TARGETS = ["parse", "export_fixpoint", "delta", "tuple", "batch", "shell_eval", "argv"]

# Hand-written seeds for the shell target (mode byte 1: values split at NUL).
SHELL_VALUES = [
    b"it's",
    b"$(touch canary)",
    b"`touch canary`",
    b"'; touch canary; '",
    b"a;b|c&d>e<f",
    b"line1\nline2\n",
    b"tab\there",
    b"back\\slash\\",
    b"\"double\" 'single'",
    "non-ASCII: é ü 中文".encode(),
    b"\xff\xfe invalid utf-8",
    b"${HOME} $0 $# $@ $*",
    b"*",
    b"~root",
    b"",
    b"'",
    b"\\'",
    b"'\\''",
]


def blob(v):
    """Bytes of a case string (text, or {"b64": ...}); None for other values."""
    if isinstance(v, str):
        return v.encode("utf-8", "surrogateescape")
    if isinstance(v, dict) and "b64" in v:
        return base64.b64decode(v["b64"])
    return None


def seeds_from_cases(cases: Path):
    out = {t: [] for t in TARGETS}
    for f in sorted(cases.glob("*/*.json")):
        case = json.loads(f.read_text())
        files = case.get("files", {})
        configs = {k.split("/", 1)[1]: blob(v) for k, v in files.items()
                   if k.startswith("config/") and blob(v) is not None}
        deltas = {k.split("/", 1)[1]: blob(v) for k, v in files.items()
                  if k.startswith("delta/") and blob(v) is not None}
        for data in configs.values():
            out["parse"].append(data)
            out["export_fixpoint"].append(data)
            out["shell_eval"].append(b"\x00" + data)
        for name, data in deltas.items():
            if name != "network":
                data = re.sub(rb"(^|\n)([-+@^|~]?)" + re.escape(name.encode()) + rb"\.",
                              rb"\1\2network.", data)
            conf = configs.get(name)
            if conf is None:
                out["delta"].append(data)
            else:
                out["delta"].append(conf + b"\n%%\n" + data)
        for step in case.get("steps", []):
            argv = [blob(a) for a in step.get("argv", [])]
            stdin = blob(step.get("stdin"))
            if b"batch" in argv and stdin is not None and b"/" not in stdin:
                out["batch"].append(stdin)
            if b"import" in argv and stdin is not None:
                out["parse"].append(stdin)
            args = [a for a in argv if a is not None]
            if len(args) == len(argv) and not any(b"{root}" in a or b"/" in a or b".." in a for a in args):
                # without the -c/-t the harness adds
                out["argv"].append(b"\x00".join(args))
            elif len(args) == len(argv) and args[:4] == [b"-c", b"{root}/config", b"-t", b"{root}/delta"]:
                rest = args[4:]
                if rest and not any(b"/" in a or b".." in a or a == b"" for a in rest):
                    out["argv"].append(b"\x00".join(rest))
            for a in argv:
                if a is None or b"{root}" in a or a.startswith(b"-") or (b"." not in a and b"@" not in a):
                    continue
                out["tuple"].append(a)
    for v in SHELL_VALUES:
        out["shell_eval"].append(b"\x01" + v + b"\x00" + v)
    out["shell_eval"].append(b"\x01" + b"\x00".join(SHELL_VALUES))
    return out


def seeds_from_testdata(testdata: Path):
    out = {t: [] for t in TARGETS}
    for sub in ("realworld", "realworld_invalid"):
        for f in sorted((testdata / sub).rglob("*")):
            if not f.is_file() or f.suffix in (".md", ".tsv"):
                continue
            data = f.read_bytes()
            out["parse"].append(data)
            out["export_fixpoint"].append(data)
            out["shell_eval"].append(b"\x00" + data)
    return out


def write(out, dest: Path, max_size: int):
    for target, seeds in out.items():
        d = dest / target
        d.mkdir(parents=True, exist_ok=True)
        seen = set()
        kept = 0
        # smallest first, so the cap keeps many small distinct seeds
        for data in sorted(set(seeds), key=lambda s: (len(s), s)):
            if len(data) > max_size or kept >= MAX_PER_TARGET:
                continue
            h = hashlib.sha1(data).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            (d / h).write_bytes(data)
            kept += 1
        print(f"{target}: {kept} seeds in {d}")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("conformance", "testdata"):
        sys.exit(__doc__)
    kind, src, dest = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if not src.is_dir():
        sys.exit(f"{src} is not a directory")
    out = seeds_from_cases(src) if kind == "conformance" else seeds_from_testdata(src)
    write(out, dest, MAX_SIZE if kind == "conformance" else MAX_SIZE_TESTDATA)


if __name__ == "__main__":
    main()
