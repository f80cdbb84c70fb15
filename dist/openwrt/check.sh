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
[ -x "$art/uci" ] || { echo "check.sh: $art/uci missing: run scripts/cross.sh $target" >&2; exit 1; }
case $target in
    aarch64-*) qemu=qemu-aarch64 ;;
    armv7-*) qemu=qemu-arm ;;
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

mk=(make --no-print-directory -C "$repo/dist/openwrt/ucix" TOPDIR="$top" ROOT="$top/root" UCIX_SRC="$repo")
fail() { echo "check.sh: $*" >&2; exit 1; }

echo "==> metadata"
meta=$("${mk[@]}" meta-ucix-libuci meta-ucix-uci meta-ucix-libuci-lua meta-ucix)
echo "$meta"
for want in 'ucix-uci PROVIDES=uci' 'ucix-libuci PROVIDES=libuci' 'ucix-libuci-lua PROVIDES=libuci-lua' \
    'ucix-uci CONFLICTS=uci' 'ucix-libuci ABI_VERSION=20130104' 'ucix-uci SECTION=base' \
    'ucix-uci DEPENDS=@(aarch64||arm) +libgcc +ucix-libuci' \
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
cp -P "$art"/uci "$art"/ucix "$art"/libuci.so "$out/"
# the cross output names the Lua module uci.so; cargo names it libucix_lua.so
if [ -f "$art/uci.so" ] && [ ! -L "$art/uci.so" ]; then cp "$art/uci.so" "$out/libucix_lua.so"; fi
"${mk[@]}" install-ucix-libuci install-ucix-uci install-ucix-libuci-lua install-ucix installdev >/dev/null
(cd "$top/root" && find . \( -type f -o -type l \) | sort) | tee "$top/files.txt"
for f in ucix-uci/sbin/uci ucix-libuci/lib/libuci.so ucix-libuci-lua/usr/lib/lua/uci.so ucix/usr/bin/ucix \
    ucix/etc/config/ucix ucix/etc/init.d/ucix-serve ucix/etc/dbus-1/system.d/org.ucix.Config.conf \
    ucix/usr/share/dbus-1/system-services/org.ucix.Config.service staging/usr/include/uci.h \
    staging/usr/include/uci_config.h staging/usr/lib/libuci.so; do
    grep -qxF "./$f" "$top/files.txt" || fail "not installed: $f"
done
[ -x "$top/root/ucix/etc/init.d/ucix-serve" ] || fail "init script not executable"
grep -q '/usr/bin/ucix serve' "$top/root/ucix/etc/init.d/ucix-serve" || fail "init script: @BINDIR@ not replaced"
grep -q '/usr/bin/ucix' "$top/root/ucix/usr/share/dbus-1/system-services/org.ucix.Config.service" || fail "activation file: @BINDIR@ not replaced"

echo "==> installed /sbin/uci on the installed /etc/config/ucix ($qemu)"
shown=$("$qemu" -L / -E LD_LIBRARY_PATH="$top/root/ucix-libuci/lib" "$top/root/ucix-uci/sbin/uci" \
    -c "$top/root/ucix/etc/config" -t "$top/delta" -P "$top/state" get ucix.history.keep)
[ "$shown" = 5 ] || fail "uci get ucix.history.keep printed '$shown'"
echo "ucix.history.keep=$shown"
echo "==> dist/openwrt/ucix/Makefile: ok ($target)"
