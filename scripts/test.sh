#!/usr/bin/env bash
# The whole test suite, on a fresh machine:
#   1. installs the system packages the tests need (only when something is
#      missing; apt-get as root, or through sudo),
#   2. cargo build --release --workspace   (uci, ucix, libuci.so = C API + uci command + Lua module)
#   3. cargo test  --release --workspace   (unit tests, integration tests and the
#      CLI / C API / Lua conformance runs against the release artifacts)
#   4. scripts/fuzz.sh --corpus-only 5     (each fuzz target for 5 seconds on
#      the committed corpus; FUZZ_SECONDS changes the time)
#   5. only with UCIX_CROSS=1: scripts/cross.sh --check (cross builds for
#      aarch64/armv7 musl and their conformance runs under qemu-user; opt-in
#      because it takes far longer than the rest, see README "Cross builds";
#      UCIX_CROSS_FILTER=<substr> limits the CLI cases)
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -- --nocapture`).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# --- 1. system packages ----------------------------------------------------
missing=()
have lua5.1 || missing+=(lua5.1)
installed liblua5.1-0-dev || missing+=(liblua5.1-0-dev)
have valgrind || missing+=(valgrind)
have unshare || missing+=(util-linux)
{ have gcc && have cc; } || missing+=(gcc)
have pkg-config || missing+=(pkg-config)
have python3 || missing+=(python3)
have nm || missing+=(binutils)
have md5sum || missing+=(coreutils)
have setpriv || missing+=(util-linux)
# tests/shell_safety.rs evaluates export output in dash and BusyBox ash
[ -x /bin/dash ] || [ -x /usr/bin/dash ] || missing+=(dash)
have busybox || missing+=(busybox)
# libuci.so links libubox, built from ../shared/third_party by scripts/libubox.sh
have cmake || missing+=(cmake)
have make || missing+=(make)
installed libjson-c-dev || missing+=(libjson-c-dev)
# the fuzz targets (scripts/fuzz.sh) build libFuzzer, which is C++
have g++ || missing+=(g++)
# tests/remote_*.rs run a PostgreSQL server (initdb, pg_ctl, psql, pg_dump)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
have runuser || missing+=(util-linux)
# tests/serve_*.rs: a private bus and real clients
have dbus-daemon || missing+=(dbus-daemon)
have dbus-send || missing+=(dbus-bin)
have gdbus || missing+=(libglib2.0-bin)

if [ "${#missing[@]}" -gt 0 ]; then
    log "installing missing system packages: ${missing[*]}"
    have apt-get || die "apt-get not found; install by hand: ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        have sudo || die "not root and no sudo; install by hand: ${missing[*]}"
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
else
    log "system packages present (lua5.1, liblua5.1-0-dev, valgrind, cmake, make, libjson-c-dev, unshare, setpriv, gcc, g++, nm, md5sum, pkg-config, python3, dash, busybox, postgresql, dbus-daemon, dbus-send, gdbus)"
fi

# --- 2. toolchain ------------------------------------------------------------
if ! have cargo && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
have cargo || die "cargo not found"
[ "$(id -u)" -eq 0 ] || echo "note: not root: the conformance runs cannot use --isolate (host /tmp/.uci and /var/run/uci may leak in)" >&2
if [ ! -d ../shared ] && [ -z "${UCIX_SHARED:-}" ]; then
    echo "note: ../shared not found: tests that read it will print 'skipped'" >&2
fi
cargo --version
rustc --version

# --- 3. build and test -----------------------------------------------------------
# libubox (libuci.so's uci_blob helpers; tests/c_blob.rs): uci-compat's
# build.rs would build it too, this shows its output
if [ -z "${UCIX_LIBUBOX_DIR:-}" ]; then
    log "scripts/libubox.sh (libubox into target/libubox)"
    scripts/libubox.sh
fi
log "cargo build --release --workspace"
cargo build --release --workspace

target_dir=${CARGO_TARGET_DIR:-target}
for f in "$target_dir"/release/{uci,ucix,libuci.so}; do
    [ -e "$f" ] || die "$f was not built"
done

log "cargo test --release --workspace --no-fail-fast"
start=$SECONDS
cargo test --release --workspace --no-fail-fast "$@"
log "all tests passed ($((SECONDS - start))s of cargo test)"

# --- 4. fuzz smoke run ---------------------------------------------------------
# Every fuzz target for a few seconds on the committed corpus (fuzz/corpus):
# catches a target that no longer builds or an input that crashes again.
log "scripts/fuzz.sh --corpus-only ${FUZZ_SECONDS:-5}"
start=$SECONDS
scripts/fuzz.sh --corpus-only "${FUZZ_SECONDS:-5}"
log "fuzz smoke run passed ($((SECONDS - start))s)"

# --- 5. cross builds (opt-in) ------------------------------------------------------
if [ "${UCIX_CROSS:-0}" = 1 ]; then
    log "scripts/cross.sh --check (UCIX_CROSS=1)"
    start=$SECONDS
    scripts/cross.sh --check
    log "cross builds and qemu conformance passed ($((SECONDS - start))s)"
fi
