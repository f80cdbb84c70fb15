#!/usr/bin/env bash
# scripts/install.sh [PREFIX]   (default PREFIX: /usr/local)
#
# Installs what the release build produced:
#   PREFIX/bin/uci, PREFIX/bin/ucix
#   PREFIX/lib/libuci.so, PREFIX/include/uci.h, PREFIX/include/uci_config.h,
#   PREFIX/include/uci_blob.h
#   PREFIX/lib/lua/5.1/uci.so          (the Lua module, from libucix_lua.so)
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
# target/release/uci is missing. Honours CARGO_TARGET_DIR. DESTDIR, if set, is prepended to every
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
rel=$target_dir/release

if [ ! -x "$rel/uci" ]; then
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

for b in uci ucix; do
    if [ -x "$rel/$b" ]; then
        put 0755 "$rel/$b" "$dest/bin/$b"
    else
        echo "skipped $b (not built)"
    fi
done

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

if [ -f "$rel/libucix_lua.so" ]; then
    put 0755 "$rel/libucix_lua.so" "$dest/lib/lua/5.1/uci.so"
else
    echo "skipped the Lua module (libucix_lua.so not built)"
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
