#!/usr/bin/env python3
"""Builds seed corpora for the fuzz targets.

    fuzz/seeds.py conformance CASES_DIR OUT_DIR
        small seeds derived from the conformance cases (config files, delta
        files, tuples, batch scripts); this is what fuzz/corpus/ holds.
    fuzz/seeds.py testdata TESTDATA_DIR OUT_DIR
        config files from ../shared/testdata (real-world, invalid), built at
        run time by scripts/fuzz.sh and never committed.

With UCI_BIN set to a built `uci`, the `cache_index` seeds also hold index
files written by the cache writer (`uci show` of each config, with every
UCIX_* location in a temporary directory), each as is, with one byte
flipped and truncated at a few lengths.

Writes OUT_DIR/<target>/<sha1 of the seed>; at most MAX_SIZE bytes per seed
(MAX_SIZE_TESTDATA for testdata; the fuzzer truncates to its -max_len).
Only the Python standard library is used.
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

MAX_SIZE = 4096
MAX_SIZE_TESTDATA = 65536
MAX_PER_TARGET = 5000
# cache_index gets config seeds and index files (see index_seeds)
MAX_FOR = {"cache_index": 10000}
TARGETS = ["parse", "export_fixpoint", "delta", "tuple", "batch", "shell_eval", "argv",
           "cache_index", "cache_roundtrip", "capi"]

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
            out["cache_roundtrip"].append(data)
            # written by the cache writer, opened from the file
            out["cache_index"].append(b"\x06" + data)
        for name, data in deltas.items():
            if name != "network":
                data = re.sub(rb"(^|\n)([-+@^|~]?)" + re.escape(name.encode()) + rb"\.",
                              rb"\1\2network.", data)
            conf = configs.get(name)
            if conf is None:
                out["delta"].append(data)
            else:
                out["delta"].append(conf + b"\n%%\n" + data)
                out["cache_roundtrip"].append(conf + b"\n%%\n" + data)
        script = []
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
                if rest and not rest[0].startswith(b"-") and rest[0] != b"batch" and not any(b"/" in a or b"\0" in a for a in rest):
                    script.append(b" ".join(batch_word(a) for a in rest))
            if b"batch" in argv and stdin is not None and b"/" not in stdin and b"\0" not in stdin:
                script.append(stdin.rstrip(b"\n"))
            for a in argv:
                if a is None or b"{root}" in a or a.startswith(b"-") or (b"." not in a and b"@" not in a):
                    continue
                out["tuple"].append(a)
        if script:
            # the case's configs as one stream of packages, its commands as
            # a script (the capi target reads it with uci_parse_argument)
            stream = b"".join(b"package " + n.encode() + b"\n" + c + b"\n"
                              for n, c in sorted(configs.items())
                              if re.fullmatch(r"[A-Za-z0-9_]+", n) and b"\0" not in c)
            out["capi"].append(b"\x00" + stream + b"\x00" + b"\n".join(script) + b"\n")
    for v in SHELL_VALUES:
        out["shell_eval"].append(b"\x01" + v + b"\x00" + v)
    out["shell_eval"].append(b"\x01" + b"\x00".join(SHELL_VALUES))
    return out


def batch_word(a: bytes) -> bytes:
    """`a` as one word of a batch line (quoted unless it is plain)."""
    if a and re.fullmatch(rb"[A-Za-z0-9_.@\[\]=:+-]+", a):
        return a
    return b"'" + a.replace(b"'", b"'\\''") + b"'"


def index_seeds(configs, uci: str):
    """Index files of the cache writer for each (config, delta) pair, as
    cache_index seeds: as is, with one byte flipped (raw and resealed), and
    truncated."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        for var, sub in [("UCIX_STATE_DIR", "state"), ("UCIX_CACHE_DIR", "cache"),
                         ("UCIX_HOOKS_DIR", "hooks.d"), ("UCIX_SCHEMA_DIR", "schema"),
                         ("UCIX_CONFIG_MD5", "config.md5"), ("UCIX_UBUS_SOCKET", "ubus.sock")]:
            env[var] = str(t / "ucix" / sub)
        (t / "ucix").mkdir()
        (t / "config").mkdir()
        (t / "delta").mkdir()
        for conf, delta in configs:
            cache = t / "ucix" / "cache"
            for f in list(cache.glob("*")) + list((t / "delta").glob("*")):
                f.unlink()
            (t / "config" / "fuzz").write_bytes(conf)
            if delta is not None:
                (t / "delta" / "fuzz").write_bytes(delta)
            subprocess.run([uci, "-c", str(t / "config"), "-t", str(t / "delta"), "-C", "", "show", "fuzz"],
                           env=env, cwd=tmp, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            for f in cache.glob("fuzz.*"):
                idx = f.read_bytes()
                n = len(idx)
                out.append(b"\x00" + idx)
                for at in (16, 40, n // 2, n - 8):
                    flipped = bytearray(idx)
                    flipped[at % n] ^= 0x41
                    out.append(b"\x00" + bytes(flipped))
                    out.append(b"\x01" + bytes(flipped))
                for cut in (8, 152, n // 2, n - 1):
                    out.append(b"\x00" + idx[:cut])
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
            out["cache_roundtrip"].append(data)
            out["cache_index"].append(b"\x06" + data)
            if b"\0" not in data:
                # imported as package `fuzz` (single), no script
                out["capi"].append(b"\x03" + data)
    return out


def write(out, dest: Path, max_size: int):
    for target, seeds in out.items():
        d = dest / target
        d.mkdir(parents=True, exist_ok=True)
        seen = set()
        kept = 0
        # smallest first, so the cap keeps many small distinct seeds
        for data in sorted(set(seeds), key=lambda s: (len(s), s)):
            if len(data) > max_size or kept >= MAX_FOR.get(target, MAX_PER_TARGET):
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
    uci = os.environ.get("UCI_BIN")
    if kind == "conformance" and uci:
        pairs = []
        for seed in out["cache_roundtrip"]:
            conf, sep, delta = seed.partition(b"\n%%\n")
            pairs.append((conf, re.sub(rb"(^|\n)([-+@^|~]?)network\.", rb"\1\2fuzz.", delta) if sep else None))
        # the smallest distinct ones (the merge keeps what adds coverage)
        pairs = sorted(set(pairs), key=lambda p: (len(p[0]) + len(p[1] or b""), p))[:400]
        out["cache_index"].extend(index_seeds(pairs, uci))
    write(out, dest, MAX_SIZE if kind == "conformance" else MAX_SIZE_TESTDATA)


if __name__ == "__main__":
    main()
