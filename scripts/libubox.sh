#!/usr/bin/env bash
# scripts/libubox.sh [DEST]   (default DEST: <repo>/target/libubox)
#
# Builds OpenWrt's libubox (ISC licence), which libuci.so links against for
# the three uci_blob helpers, from the tarball kept in the shared directory:
# ${UCIX_SHARED:-<repo>/../shared}/third_party/libubox-*.tar.gz. Nothing of
# libubox is copied into the repository: the tarball is extracted into
# DEST/src, built in DEST/build (cmake; BUILD_LUA=OFF, BUILD_EXAMPLES=OFF) and
# installed into the prefix DEST/install (lib/libubox.so,
# lib/libblobmsg_json.so, include/libubox/*.h).
#
# Needs cmake, make, a C compiler, pkg-config and the json-c headers
# (Debian: libjson-c-dev); scripts/test.sh installs them.
#
# LIBUBOX_CROSS_CC=COMPILER builds for another architecture with that C
# compiler (scripts/cross.sh): only libubox.so itself (the part libuci.so
# links; blobmsg_json would need the target's json-c), installed with its
# headers into the same prefix layout; LIBUBOX_CROSS_CFLAGS adds flags. uci-compat's
# build.rs runs this script when DEST/install/lib/libubox.so is missing and
# UCIX_LIBUBOX_DIR is not set. Concurrent runs wait for each other (flock).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-$repo/target/libubox}
shared=${UCIX_SHARED:-$repo/../shared}

die() { echo "libubox.sh: $*" >&2; exit 1; }

shopt -s nullglob
tarballs=("$shared"/third_party/libubox-*.tar.gz)
shopt -u nullglob
[ "${#tarballs[@]}" -gt 0 ] || die "no libubox tarball: $shared/third_party/libubox-*.tar.gz not found (set UCIX_SHARED, or UCIX_LIBUBOX_DIR to an installed libubox prefix)"
[ "${#tarballs[@]}" -eq 1 ] || die "more than one libubox tarball in $shared/third_party: ${tarballs[*]}"
tarball=${tarballs[0]}

for tool in cmake make pkg-config; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (Debian: apt-get install cmake make pkg-config libjson-c-dev)"
done
pkg-config --exists json-c || die "json-c development files not found (Debian: apt-get install libjson-c-dev)"

mkdir -p "$dest"
exec 9>"$dest/.lock"
flock 9

if [ -f "$dest/install/lib/libubox.so" ] && [ "$(cat "$dest/install/.tarball" 2>/dev/null)" = "$(basename "$tarball")" ]; then
    echo "libubox.sh: $dest/install is up to date ($(basename "$tarball"))"
    exit 0
fi

rm -rf "$dest/src" "$dest/build" "$dest/install"
mkdir -p "$dest/src" "$dest/build"
tar -xzf "$tarball" -C "$dest/src"
srcdir=$(find "$dest/src" -mindepth 1 -maxdepth 2 -name CMakeLists.txt -printf '%h\n' | head -n 1)
[ -n "$srcdir" ] || die "no CMakeLists.txt in $tarball"

if [ -n "${LIBUBOX_CROSS_CC:-}" ]; then
    cmake -S "$srcdir" -B "$dest/build" \
        -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_C_COMPILER="$LIBUBOX_CROSS_CC" \
        -DCMAKE_C_FLAGS="${LIBUBOX_CROSS_CFLAGS:-}" \
        -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_LUA=OFF -DBUILD_EXAMPLES=OFF -DUNIT_TESTING=OFF >"$dest/build.log" 2>&1 ||
        { cat "$dest/build.log" >&2; die "cmake configure failed ($LIBUBOX_CROSS_CC)"; }
    cmake --build "$dest/build" --target ubox -j "$(nproc 2>/dev/null || echo 2)" >>"$dest/build.log" 2>&1 ||
        { tail -n 50 "$dest/build.log" >&2; die "build failed ($LIBUBOX_CROSS_CC)"; }
    mkdir -p "$dest/install/lib" "$dest/install/include/libubox"
    cp -P "$dest/build"/libubox.so* "$dest/install/lib/"
    cp "$srcdir"/*.h "$dest/install/include/libubox/"
    [ -f "$dest/install/lib/libubox.so" ] || die "build finished without $dest/install/lib/libubox.so"
    basename "$tarball" >"$dest/install/.tarball"
    echo "libubox.sh: built $(basename "$tarball") for $LIBUBOX_CROSS_CC into $dest/install"
    exit 0
fi

cmake -S "$srcdir" -B "$dest/build" \
    -DCMAKE_INSTALL_PREFIX="$dest/install" \
    -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_LUA=OFF -DBUILD_EXAMPLES=OFF -DUNIT_TESTING=OFF >"$dest/build.log" 2>&1 ||
    { cat "$dest/build.log" >&2; die "cmake configure failed"; }
cmake --build "$dest/build" -j "$(nproc 2>/dev/null || echo 2)" >>"$dest/build.log" 2>&1 ||
    { tail -n 50 "$dest/build.log" >&2; die "build failed"; }
cmake --install "$dest/build" >>"$dest/build.log" 2>&1 ||
    { tail -n 50 "$dest/build.log" >&2; die "install failed"; }
[ -f "$dest/install/lib/libubox.so" ] || die "build finished without $dest/install/lib/libubox.so"
basename "$tarball" >"$dest/install/.tarball"
echo "libubox.sh: built $(basename "$tarball") into $dest/install"
