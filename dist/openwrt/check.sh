#!/usr/bin/env bash
# dist/openwrt/check.sh [TARGET]   (default TARGET: aarch64-unknown-linux-musl)
#
# Checks dist/openwrt/ucix/Makefile without an OpenWrt tree: a scratch TOPDIR
# gets minimal stand-ins of OpenWrt's rules.mk, include/package.mk and the
# packages feed's lang/rust/rust-package.mk (our own stubs: only the variables
# and the BuildPackage hook the recipe uses). Then it
#   1. parses the recipe and prints each package's metadata (TITLE, SECTION,
#      CATEGORY, DEPENDS, PROVIDES, CONFLICTS must be set as expected),
#   2. runs the recipe's real Build/Prepare (copy of this tree),
#   3. prints Build/Compile (the cargo command OpenWrt would run; not run:
#      the recipe's "+" lines would run even under make -n),
#   4. puts the artifacts of scripts/cross.sh TARGET where cargo would leave
#      them and runs every Package/*/install into a scratch root,
#   5. checks the file list and runs the installed /sbin/uci (under qemu-user,
#      with the installed /lib/libuci.so) on the installed /etc/config/ucix.
# Needs the cross artifacts: run scripts/cross.sh TARGET first.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=${1:-aarch64-unknown-linux-musl}
art=$repo/target/cross/$target
[ -x "$art/uci-standalone" ] || { echo "check.sh: $art/uci-standalone missing: run scripts/cross.sh $target" >&2; exit 1; }
# the target's C compiler, as OpenWrt's TARGET_CC (the launcher is built by
# Package/ucix-uci/install); libubox.so comes from the cross build
case $target in
    aarch64-*) qemu=qemu-aarch64 cc=aarch64-linux-musl-gcc cflags=-mno-outline-atomics ;;
    armv7-*) qemu=qemu-arm cc=arm-linux-musleabihf-gcc cflags= ;;
    *) echo "check.sh: unknown target $target" >&2; exit 1 ;;
esac

top=$(mktemp -d /tmp/ucix-openwrt.XXXXXX)
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/include" "$top/feeds/packages/lang/rust" "$top/build" "$top/root"

cat >"$top/rules.mk" <<'EOF'
# stub of OpenWrt's rules.mk: the install helpers the recipe uses
INCLUDE_DIR:=$(TOPDIR)/include
BUILD_DIR:=$(TOPDIR)/build
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
INSTALL_DATA:=install -m0644
INSTALL_CONF:=install -m0600
CP:=cp -fpR
LN:=ln -sf
STAGING_DIR:=$(TOPDIR)/staging_dir/target
TARGET_CC:=$(UCIX_CHECK_CC)
TARGET_CFLAGS:=$(UCIX_CHECK_CFLAGS)
TARGET_LDFLAGS:=$(UCIX_CHECK_LDFLAGS)
EOF

cat >"$top/include/package.mk" <<'EOF'
# stub of OpenWrt's package.mk: BuildPackage records the metadata and makes
# targets meta-NAME (print it) and install-NAME (run Package/NAME/install
# into $(ROOT)/NAME)
PKG_BUILD_DIR?=$(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)
PKG_NAMES:=
META_VARS:=TITLE SECTION CATEGORY DEPENDS PROVIDES CONFLICTS ABI_VERSION
define BuildPackage
$(foreach v,$(META_VARS),$(eval $(v):=))
$(eval $(Package/$(1)))
$(foreach v,$(META_VARS),$(eval META_$(1)_$(v):=$(strip $($(v)))))
PKG_NAMES+=$(1)
meta-$(1):
	@$(foreach v,$(META_VARS),echo '$(1) $(v)=$(META_$(1)_$(v))';)
install-$(1):
	mkdir -p $(ROOT)/$(1)
	$(call Package/$(1)/install,$(ROOT)/$(1))
endef
prepare:
	$(Build/Prepare)
print-compile:
	@: $(info $(Build/Compile))
installdev:
	$(call Build/InstallDev,$(ROOT)/staging)
EOF

cat >"$top/feeds/packages/lang/rust/rust-package.mk" <<EOF
# stub of the packages feed's rust-package.mk: the variables the recipe uses
RUSTC_TARGET_ARCH:=$target
CARGO_PKG_PROFILE:=release
CARGO_PKG_ARGS:=--locked
RUST_ARCH_DEPENDS:=@(aarch64||arm)
CARGO_PKG_VARS:=CARGO_BUILD_TARGET=\$(RUSTC_TARGET_ARCH) RUSTFLAGS=-Ctarget-feature=-crt-static
EOF

mk=(make --no-print-directory -C "$repo/dist/openwrt/ucix" TOPDIR="$top" ROOT="$top/root" UCIX_SRC="$repo"
    UCIX_CHECK_CC="$cc" UCIX_CHECK_CFLAGS="$cflags" UCIX_CHECK_LDFLAGS="-Wl,-rpath-link,$art/libubox/install/lib")
fail() { echo "check.sh: $*" >&2; exit 1; }

echo "==> metadata"
meta=$("${mk[@]}" meta-ucix-libuci meta-ucix-uci meta-ucix-libuci-lua meta-ucix)
echo "$meta"
for want in 'ucix-uci PROVIDES=uci' 'ucix-libuci PROVIDES=libuci' 'ucix-libuci-lua PROVIDES=libuci-lua' \
    'ucix-uci CONFLICTS=uci' 'ucix-libuci ABI_VERSION=20130104' 'ucix-uci SECTION=base' \
    'ucix-uci DEPENDS=@(aarch64||arm) +libgcc +ucix-libuci' \
    'ucix-libuci DEPENDS=@(aarch64||arm) +libgcc +libubox' \
    'ucix-libuci-lua DEPENDS=@(aarch64||arm) +libgcc +ucix-libuci +liblua'; do
    grep -qxF "$want" <<<"$meta" || fail "metadata lacks: $want"
done
grep -q '^ucix TITLE=.' <<<"$meta" || fail "ucix has no TITLE"

echo "==> Build/Prepare"
"${mk[@]}" prepare >/dev/null
bd=$top/build/ucix-0.1.0
[ -f "$bd/Cargo.toml" ] && [ -f "$bd/dist/procd/ucix-serve" ] && [ ! -e "$bd/target" ] || fail "Build/Prepare copy incomplete"

echo "==> Build/Compile (printed, not run)"
"${mk[@]}" print-compile | tee "$top/compile.txt"
grep -q -- "cargo build -v --manifest-path $bd/Cargo.toml --profile release --workspace *--locked" <(tr -s '\t\\\n ' ' ' <"$top/compile.txt") \
    || fail "unexpected Build/Compile command"

echo "==> Package/*/install (artifacts of scripts/cross.sh $target)"
out=$bd/target/$target/release
mkdir -p "$out"
# cargo's uci is the standalone one (not installed: the recipe builds the launcher)
cp -P "$art"/uci-standalone "$out/uci"
cp -P "$art"/ucix "$art"/libuci.so "$out/"
"${mk[@]}" install-ucix-libuci install-ucix-uci install-ucix-libuci-lua install-ucix installdev >/dev/null
(cd "$top/root" && find . \( -type f -o -type l \) | sort) | tee "$top/files.txt"
for f in ucix-uci/sbin/uci ucix-libuci/lib/libuci.so ucix-libuci-lua/usr/lib/lua/uci.so ucix/usr/bin/ucix \
    ucix/etc/config/ucix ucix/etc/init.d/ucix-serve ucix/etc/dbus-1/system.d/org.ucix.Config.conf \
    ucix/usr/share/dbus-1/system-services/org.ucix.Config.service staging/usr/include/uci.h \
    staging/usr/include/uci_config.h staging/usr/include/uci_blob.h staging/usr/lib/libuci.so; do
    grep -qxF "./$f" "$top/files.txt" || fail "not installed: $f"
done
[ -x "$top/root/ucix/etc/init.d/ucix-serve" ] || fail "init script not executable"
grep -q '/usr/bin/ucix serve' "$top/root/ucix/etc/init.d/ucix-serve" || fail "init script: @BINDIR@ not replaced"
grep -q '/usr/bin/ucix' "$top/root/ucix/usr/share/dbus-1/system-services/org.ucix.Config.service" || fail "activation file: @BINDIR@ not replaced"

echo "==> installed /sbin/uci on the installed /etc/config/ucix ($qemu)"
[ -L "$top/root/ucix-libuci-lua/usr/lib/lua/uci.so" ] || fail "the Lua module is not the symlink to libuci.so"
cmp -s "$top/root/ucix-uci/sbin/uci" "$art/uci-standalone" && fail "/sbin/uci is the standalone binary, not the launcher"
shown=$("$qemu" -L / -E LD_LIBRARY_PATH="$top/root/ucix-libuci/lib:$art/libubox/install/lib" "$top/root/ucix-uci/sbin/uci" \
    -c "$top/root/ucix/etc/config" -t "$top/delta" -P "$top/state" get ucix.history.keep)
[ "$shown" = 5 ] || fail "uci get ucix.history.keep printed '$shown'"
echo "ucix.history.keep=$shown"
echo "==> dist/openwrt/ucix/Makefile: ok ($target)"
