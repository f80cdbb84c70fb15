#!/usr/bin/env bash
# scripts/install.sh [PREFIX]   (default PREFIX: /usr/local)
#
# Installs what the release build produced:
#   PREFIX/lib/libuci.so, PREFIX/include/uci.h, PREFIX/include/uci_config.h,
#   PREFIX/include/uci_blob.h
#   PREFIX/bin/uci       the launcher (uci-compat/launcher/uci.c, built here
#                        with $CC, default cc) that runs the command inside
#                        libuci.so; rpath $ORIGIN/../lib. Without libuci.so or
#                        a C compiler: the standalone target/release/uci.
#   PREFIX/lib/lua/5.1/uci.so -> ../../libuci.so   (the Lua module: a symlink)
#   PREFIX/bin/ucix
# and, for `ucix serve` (dist/):
#   /etc/dbus-1/system.d/org.ucix.Config.conf             (system bus policy)
#   PREFIX/share/dbus-1/system-services/org.ucix.Config.service  (activation)
#   PREFIX/lib/systemd/system/ucix-serve.service          (systemd unit)
#   /etc/init.d/ucix-serve   (procd init script; only on OpenWrt, i.e. when
#                             /etc/openwrt_release exists, or with UCIX_PROCD=1)
# libuci.so needs libubox.so at run time (NEEDED, as OpenWrt's libuci: the
# uci_blob helpers); it is a system library on every OpenWrt device, and
# uci_blob.h includes its <libubox/blobmsg.h>. It is not installed from
# here: scripts/libubox.sh builds a copy into target/libubox, whose lib/ a
# default build records as RUNPATH; for a package that uses the system's
# libubox build with
#   UCIX_LIBUBOX_DIR=/usr UCIX_LIBUBOX_RPATH=0 cargo build --release --workspace
# Each part only if it was built. Builds the release workspace first when
# target/release/uci or libuci.so is missing. Honours CARGO_TARGET_DIR, and
# UCIX_BUILD_DIR (the directory of the artifacts, never built here; default
# $CARGO_TARGET_DIR/release; e.g. target/device after
# `cargo build --profile device -p uci-compat`). DESTDIR, if set, is prepended to every
# destination (for packaging; ldconfig is then skipped). ldconfig runs when
# PREFIX is /usr or /usr/local.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

prefix=${1:-/usr/local}
case $prefix in
    /*) ;;
    *) echo "install.sh: PREFIX must be an absolute path: $prefix" >&2; exit 1 ;;
esac
prefix=${prefix%/}
[ -n "$prefix" ] || prefix=/
dest=${DESTDIR:-}$prefix
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$repo/$target_dir ;; esac
rel=${UCIX_BUILD_DIR:-$target_dir/release}

if [ -z "${UCIX_BUILD_DIR:-}" ] && { [ ! -x "$rel/uci" ] || [ ! -f "$rel/libuci.so" ]; }; then
    if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
        PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    fi
    echo "==> target/release/uci missing: cargo build --release --workspace"
    cargo build --release --workspace
fi

installed=0
put() { # put MODE SRC DST
    install -D -m "$1" "$2" "$3"
    echo "installed $3"
    installed=$((installed + 1))
}

if [ -f "$rel/libuci.so" ]; then
    put 0755 "$rel/libuci.so" "$dest/lib/libuci.so"
    for h in uci.h uci_config.h uci_blob.h; do
        if [ -f "uci-compat/include/$h" ]; then
            put 0644 "uci-compat/include/$h" "$dest/include/$h"
        else
            echo "skipped include/$h (uci-compat/include/$h missing)"
        fi
    done
    runpath=$(readelf -d "$rel/libuci.so" 2>/dev/null | sed -n 's/.*Library runpath: \[\(.*\)\]/\1/p' || true)
    echo "note: libuci.so needs libubox.so at run time${runpath:+ (RUNPATH $runpath)}"
else
    echo "skipped libuci.so and headers (not built)"
fi

# uci: the launcher over libuci.so, so the core exists once on the device
launcher_built=
if [ -f "$rel/libuci.so" ] && command -v "${CC:-cc}" >/dev/null 2>&1; then
    tmp=$(mktemp -d)
    # shellcheck disable=SC2016 # $ORIGIN is for the dynamic linker
    if uci-compat/launcher/build.sh "$tmp/uci" "$rel" '-Wl,-rpath,$ORIGIN/../lib'; then
        put 0755 "$tmp/uci" "$dest/bin/uci"
        launcher_built=1
    fi
    rm -rf "$tmp"
fi
if [ -z "$launcher_built" ]; then
    if [ -x "$rel/uci" ]; then
        echo "note: no launcher (needs libuci.so and ${CC:-cc}): installing the standalone uci"
        put 0755 "$rel/uci" "$dest/bin/uci"
    else
        echo "skipped uci (not built)"
    fi
fi
if [ -x "$rel/ucix" ]; then
    put 0755 "$rel/ucix" "$dest/bin/ucix"
else
    echo "skipped ucix (not built)"
fi

# the Lua module: libuci.so itself (it exports luaopen_uci)
if [ -f "$rel/libuci.so" ]; then
    mkdir -p "$dest/lib/lua/5.1"
    ln -sfn ../../libuci.so "$dest/lib/lua/5.1/uci.so"
    echo "installed $dest/lib/lua/5.1/uci.so -> ../../libuci.so"
    installed=$((installed + 1))
else
    echo "skipped the Lua module (libuci.so not built)"
fi

# ucix serve: bus policy, activation, systemd unit, procd init script
if [ -x "$rel/ucix" ]; then
    putsub() { # putsub MODE SRC DST: SRC with @BINDIR@ replaced
        tmp=$(mktemp)
        sed "s|@BINDIR@|$prefix/bin|g" "$2" >"$tmp"
        put "$1" "$tmp" "$3"
        rm -f "$tmp"
    }
    put 0644 dist/dbus/org.ucix.Config.conf "${DESTDIR:-}/etc/dbus-1/system.d/org.ucix.Config.conf"
    putsub 0644 dist/dbus/org.ucix.Config.service "$dest/share/dbus-1/system-services/org.ucix.Config.service"
    putsub 0644 dist/systemd/ucix-serve.service "$dest/lib/systemd/system/ucix-serve.service"
    if [ -e /etc/openwrt_release ] || [ "${UCIX_PROCD:-0}" = 1 ]; then
        putsub 0755 dist/procd/ucix-serve "${DESTDIR:-}/etc/init.d/ucix-serve"
    else
        echo "skipped /etc/init.d/ucix-serve (not OpenWrt; UCIX_PROCD=1 installs it)"
    fi
fi

if [ -z "${DESTDIR:-}" ] && { [ "$prefix" = /usr ] || [ "$prefix" = /usr/local ]; }; then
    if [ -f "$dest/lib/libuci.so" ]; then
        if command -v ldconfig >/dev/null 2>&1 || [ -x /sbin/ldconfig ]; then
            echo "==> ldconfig"
            PATH=$PATH:/sbin:/usr/sbin ldconfig
        fi
    fi
fi
echo "==> $installed file(s) installed under $dest"
