#!/usr/bin/env python3
"""Side-by-side timings of `uci` commands; driven by scripts/bench-cli.sh.

usage: bench_cli.py OURS REF|"" SHARED SCRATCH RUNS

Each case runs every variant in turn (ucix with the cache, ucix with
UCIX_CACHE=0, the reference when given), RUNS times or until its time budget
is spent (3 runs at least), and prints median wall time, median peak RSS
and ratios. The commands' outputs are compared once between the variants.
For the write cases it also prints the original uci's figures recorded in
issue #17 (there is no original binary here) and the ratios against them,
labelled "recorded". Every UCIX_* location points into SCRATCH.
"""
import os
import shutil
import statistics
import sys
import time

OURS, REF, SHARED, SCRATCH, RUNS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
LARGE = os.path.join(SHARED, "testdata", "large")
SMALL = os.path.join(SHARED, "testdata", "realworld", "mattytap_bakesale", "etc__config__network")
BUDGET_S = float(os.environ.get("BUDGET", "40"))

CONF = os.path.join(SCRATCH, "config")
DELTA = os.path.join(SCRATCH, "delta")
CACHE = os.path.join(SCRATCH, "cache")
PRISTINE = os.path.join(SCRATCH, "pristine")
DEVNULL = "/dev/null"

FILES = {
    "dhcp50": os.path.join(LARGE, "50k", "dhcp"),
    "firewall": os.path.join(LARGE, "10k", "firewall"),
    "dhcp5": os.path.join(LARGE, "5k", "dhcp"),
    "dhcpb": os.path.join(LARGE, "5k", "dhcp"),
    "network": SMALL,
}


STATE = os.path.join(SCRATCH, "state")

# OpenWrt uci's figures recorded in issue #17 (no original binary here):
# case title -> (median ms, peak RSS KiB).
RECORDED = {
    "set+commit 5k/dhcp": (87.0, 4.8 * 1024),
    "batch 1000 sets 5k/dhcp": (26200.0, 4.8 * 1024),
}


def env_for(cache):
    # every ucix location inside the scratch directory: no history, audit
    # log, hooks or schemas of the host are read or written
    e = {
        "PATH": "/usr/bin:/bin",
        "UCIX_CACHE_DIR": CACHE,
        "UCIX_STATE_DIR": STATE,
        "UCIX_HOOKS_DIR": os.path.join(SCRATCH, "hooks"),
        "UCIX_SCHEMA_DIR": os.path.join(SCRATCH, "schema"),
        "UCIX_CONFIG_MD5": os.path.join(SCRATCH, "config.md5"),
        "UCIX_UBUS_SOCKET": os.path.join(SCRATCH, "ubus.sock"),
        "UCIX_SYSLOG_SOCKET": os.path.join(SCRATCH, "log"),
    }
    if not cache:
        e["UCIX_CACHE"] = "0"
    return e


def spawn(argv, env, stdin=DEVNULL, stdout=DEVNULL):
    """Runs argv; returns (ns, peak RSS KiB, exit status)."""
    acts = [
        (os.POSIX_SPAWN_OPEN, 0, stdin, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, DEVNULL, os.O_WRONLY, 0),
    ]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=acts)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    return t1 - t0, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def peak_rss(argv, env, stdin):
    """Peak RSS (KiB) of argv, measured by GNU time: a child of a small
    process, so that the figure is not the RSS of this Python interpreter
    (which a child forked from it inherits in ru_maxrss)."""
    if not TIME:
        return None
    out = os.path.join(SCRATCH, "rss")
    spawn([TIME, "-f", "%M", "-o", out] + argv, env, stdin)
    with open(out) as f:
        return int(f.read().split()[-1])


def last_named_host(path):
    name = None
    with open(path, "rb") as f:
        for line in f:
            s = line.strip()
            if s.startswith(b"config host '"):
                name = s.split(b"'")[1].decode()
    return name


def write_batch():
    path = os.path.join(SCRATCH, "batch1000")
    with open(path, "w") as f:
        for i in range(1000):
            f.write("set dhcpb.@host[%d].ip='10.%d.%d.%d'\n" % (i, i // 65536 % 256, i // 256 % 256, i % 256))
    return path


def reset_delta(names):
    for n in names:
        try:
            os.unlink(os.path.join(DELTA, n))
        except FileNotFoundError:
            pass


def reset_config(names):
    reset_delta(names)
    for n in names:
        shutil.copyfile(os.path.join(PRISTINE, n), os.path.join(CONF, n))


def main():
    for d in (CONF, DELTA, CACHE, PRISTINE, STATE):
        os.makedirs(d, exist_ok=True)
    for n, src in FILES.items():
        shutil.copyfile(src, os.path.join(PRISTINE, n))
        shutil.copyfile(src, os.path.join(CONF, n))
    host = last_named_host(FILES["dhcp50"])
    batch = write_batch()
    base = ["-c", CONF, "-t", DELTA]

    variants = [("ucix", OURS, True), ("ucix-nocache", OURS, False)]
    if REF:
        variants.append(("ref", REF, None))

    def argv(binary, words):
        return [binary] + base + words

    # (title, steps [(words, stdin)], reset before each run)
    cases = [
        ("get 50k/dhcp host_N.mac (named)", [(["get", "dhcp50.%s.mac" % host], DEVNULL)], None),
        ("get @rule[-1].name 10k/firewall", [(["get", "firewall.@rule[-1].name"], DEVNULL)], None),
        ("show 10k/firewall", [(["show", "firewall"], DEVNULL)], None),
        ("-S -n export 10k/firewall", [(["-S", "-n", "export", "firewall"], DEVNULL)], None),
        ("get small real config", [(["get", "network.loopback.ipaddr"], DEVNULL)], None),
        ("set+commit 5k/dhcp", [(["set", "dhcp5.@host[0].ip=10.9.9.9"], DEVNULL), (["commit", "dhcp5"], DEVNULL)],
         lambda: reset_config(["dhcp5"])),
        ("batch 1000 sets 5k/dhcp", [(["batch"], batch)], lambda: reset_delta(["dhcpb"])),
    ]

    # Let every copied file age past the racy window, as configs on a
    # router do, then warm the cache.
    time.sleep(3.5)
    floor = []
    for _ in range(max(RUNS, 20)):
        floor.append(spawn(["/bin/true"], {})[0])
    floor_ms = statistics.median(floor) / 1e6

    print("ours: %s" % OURS)
    print("ref:  %s" % (REF or "(none: set UCI_REF=/path/to/uci)"))
    print("floor: exec /bin/true %.3f ms (median of %d in a row; each case also times it between its runs)" % (floor_ms, len(floor)))
    print()
    head = "| case | " + " | ".join("%s ms" % v[0] for v in variants) + " | " + \
        " | ".join("%s RSS KiB" % v[0] for v in variants) + " | floor ms | ucix/floor | ucix/nocache |" + \
        (" ucix/ref |" if REF else "") + \
        " orig ms (recorded #17) | orig/ucix (recorded) | orig RSS KiB (recorded) | ucix RSS/orig (recorded) |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    only = os.environ.get("CASES", "")
    for title, steps, reset in cases:
        if only and only not in title:
            continue
        # outputs must agree
        outs = []
        for name, binary, cache in variants:
            if reset:
                reset()
            out = []
            for words, stdin in steps:
                path = os.path.join(SCRATCH, "out")
                spawn(argv(binary, words), env_for(cache is not False), stdin, path)
                with open(path, "rb") as f:
                    out.append(f.read())
            outs.append(out)
        if any(o != outs[0] for o in outs[1:]):
            print("| %s | outputs differ between variants! |" % title)
        times = {v[0]: [] for v in variants}
        case_floor = []
        rss = {}
        start = time.monotonic()
        n = 0
        while n < RUNS and (n < 3 or time.monotonic() - start < BUDGET_S):
            # the floor too, in the same alternation (same cache and CPU state)
            case_floor.append(spawn(["/bin/true"], {})[0])
            for name, binary, cache in variants:
                if reset:
                    reset()
                total = 0
                for words, stdin in steps:
                    ns, _, _ = spawn(argv(binary, words), env_for(cache is not False), stdin)
                    total += ns
                times[name].append(total)
            n += 1
        for name, binary, cache in variants:
            if reset:
                reset()
            peaks = [peak_rss(argv(binary, words), env_for(cache is not False), stdin) for words, stdin in steps]
            rss[name] = None if None in peaks else max(peaks)
        med = {k: statistics.median(v) / 1e6 for k, v in times.items()}
        mrss = {k: ("%d" % v if v is not None else "n/a") for k, v in rss.items()}
        row = "| %s (n=%d) | " % (title, n) + " | ".join("%.2f" % med[v[0]] for v in variants) + " | " + \
            " | ".join(mrss[v[0]] for v in variants) + " | %.3f | %.2f | %.3f |" % (
                statistics.median(case_floor) / 1e6, med["ucix"] / (statistics.median(case_floor) / 1e6),
                med["ucix"] / med["ucix-nocache"])
        if REF:
            row += " %.3f |" % (med["ucix"] / med["ref"])
        rec = RECORDED.get(title)
        if rec:
            r_rss = rss.get("ucix")
            row += " %.1f | %.1fx | %d | %s |" % (
                rec[0], rec[0] / med["ucix"], rec[1], "%.2fx" % (r_rss / rec[1]) if r_rss else "n/a")
        else:
            row += " - | - | - | - |"
        print(row, flush=True)


main()
