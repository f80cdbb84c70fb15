#!/usr/bin/env bash
# scripts/cross.sh [--check] [--no-install] [--no-build] [TARGET...]
#
# Cross-builds the workspace for musl router targets, strips the artifacts
# and prints their sizes; with --check also runs the conformance cases on
# them under qemu-user.
#
#   TARGET      aarch64-unknown-linux-musl and/or armv7-unknown-linux-musleabihf
#               (default: both)
#   --check     after the build, run the CLI and C API conformance cases
#               (testdata/conformance) against the cross artifacts under
#               qemu-user; exit non-zero if any case fails
#   --no-install  do not apt-get/rustup anything (fail if something is missing)
#   --no-build  measure/check what target/cross/TARGET/ already holds
#   UCIX_CROSS_CARGO_ARGS  extra cargo build arguments (e.g. --no-default-features)
#   UCIX_CROSS_FILTER      --check runs only the CLI cases whose name contains it
#                          (all 2582 cases take ~30 min per target under qemu)
#   CONFORMANCE_JOBS       parallel cases (default: nproc)
#
# What it uses and why (all from Debian packages plus rustup):
#   * the Debian cross gcc (gcc-aarch64-linux-gnu / gcc-arm-linux-gnueabihf)
#     driven by the musl-gcc wrapper of Debian's multiarch musl-dev:ARCH
#     (/usr/bin/aarch64-linux-musl-gcc, /usr/bin/arm-linux-musleabihf-gcc), and
#     musl:ARCH for the dynamic libc.so + /lib/ld-musl-ARCH.so.1.
#     libuci.so and the Lua module are shared objects, so everything is linked
#     dynamically against musl (-C target-feature=-crt-static), as on OpenWrt;
#     Rust's self-contained musl (crt-static) cannot produce them. The same
#     loader is the one qemu-user runs the binaries with, so link time and run
#     time agree, and no download outside apt/rustup is needed.
#   * rustc links dynamic musl programs against the shared unwinder (-lgcc_s).
#     Debian has no musl-built libgcc_s, so the linker wrapper links libgcc's
#     static unwinder (libgcc_eh.a) instead. On OpenWrt the SDK toolchain has a
#     musl libgcc_s.so.1; there each artifact would be a little smaller.
#   * the Rust standard library for the target comes from `rustup target add`;
#     when rustup cannot fetch it (no rust-std for that target on the mirror),
#     it is built from rust-src with -Zbuild-std (RUSTC_BOOTSTRAP=1 on stable).
#   * qemu-user (qemu-aarch64, qemu-arm), run explicitly (no binfmt needed):
#     target/cross/TARGET/run/uci is a two-line wrapper that execs qemu with the
#     real binary, so the conformance runners use it as "the uci binary" (and
#     --isolate still works: it is an ordinary executable).
#
# Output (under $CARGO_TARGET_DIR, default target/): target/cross/TARGET/ holds the stripped artifacts (the sizes in the
# table are of these files), run/ the qemu wrappers.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'scripts/cross.sh: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

if ! have cargo && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

# --- the artifacts measured ------------------------------------------------
# NAME:KIND (KIND core = counted in the "core total", the on-device budget of
# issue #16: uci + libuci.so + Lua module <= 1 MiB; ext = reported apart).
# For the Lua module the first of its candidate names that exists is used;
# a symlink counts 0 bytes (the planned layout: uci.so -> libuci.so).
# uci is the launcher (uci-compat/launcher) once libuci.so is built;
# uci-standalone the Rust uci with its own core (not installed on devices).
ARTIFACTS=(uci:core libuci.so:core LUA:core uci-standalone:ext ucix:ext)
LUA_CANDIDATES=(uci.so libucix_lua.so)

check=0 install=1 build=1 targets=()
for a in "$@"; do
    case $a in
        --check) check=1 ;;
        --no-install) install=0 ;;
        --no-build) build=0 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $a" ;;
        *) targets+=("$a") ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf)

# target -> Debian arch, musl triplet, gnu cross prefix, qemu, musl loader
target_info() {
    case $1 in
        aarch64-unknown-linux-musl)
            deb=arm64 mtrip=aarch64-linux-musl gnu=aarch64-linux-gnu qemu=qemu-aarch64 ldso=ld-musl-aarch64.so.1 ;;
        armv7-unknown-linux-musleabihf)
            deb=armhf mtrip=arm-linux-musleabihf gnu=arm-linux-gnueabihf qemu=qemu-arm ldso=ld-musl-armhf.so.1 ;;
        *) die "unsupported target $1 (known: aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf)" ;;
    esac
}

# --- 1. system packages and the Rust target ------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
apt_updated=0
apt_install() {
    [ "$install" = 1 ] || die "missing packages: $* (run without --no-install)"
    [ "$(id -u)" -eq 0 ] || die "not root; install by hand: apt-get install $*"
    if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

for t in "${targets[@]}"; do
    target_info "$t"
    if ! grep -qx "$deb" <<<"$(dpkg --print-foreign-architectures)"; then
        [ "$install" = 1 ] || die "Debian architecture $deb is not enabled (dpkg --add-architecture $deb)"
        log "dpkg --add-architecture $deb"
        dpkg --add-architecture "$deb"
        apt_updated=0
    fi
    missing=()
    have "$gnu-gcc" || missing+=("gcc-$gnu")
    installed "musl:$deb" || missing+=("musl:$deb")
    installed "musl-dev:$deb" || missing+=("musl-dev:$deb")
    have "$qemu" || missing+=(qemu-user)
    if [ ${#missing[@]} -gt 0 ]; then
        log "apt-get install ${missing[*]}"
        apt_install "${missing[@]}"
    fi
done

sysroot=$(rustc --print sysroot)
declare -A build_std=()
for t in "${targets[@]}"; do
    if [ -d "$sysroot/lib/rustlib/$t/lib" ]; then
        continue
    fi
    if [ "$install" = 1 ] && have rustup && rustup target add "$t" >/dev/null 2>&1; then
        continue
    fi
    # no prebuilt std for this target: build it from source
    if [ ! -d "$sysroot/lib/rustlib/src/rust/library" ]; then
        [ "$install" = 1 ] && have rustup || die "no std for $t and no rust-src"
        rustup component add rust-src >/dev/null
    fi
    echo "note: no prebuilt Rust std for $t: building it with -Zbuild-std" >&2
    build_std[$t]=1
done

# --- 2. build --------------------------------------------------------------------
tdir=${CARGO_TARGET_DIR:-$repo/target}
case $tdir in /*) ;; *) tdir=$repo/$tdir ;; esac
tools=$tdir/cross/tools
mkdir -p "$tools"
upper() { printf '%s' "$1" | tr 'a-z-' 'A-Z_'; }

# The linker: Debian's musl-gcc wrapper for the target, with -lgcc_s mapped to
# the static unwinder (see the header).
make_linker() { # make_linker TARGET -> prints the wrapper path
    local w=$tools/$1-cc unwind="-lgcc_eh -lgcc"
    local sc=$sysroot/lib/rustlib/$1/lib/self-contained/libunwind.a
    # Rust's own musl build of LLVM libunwind, when rust-std ships it
    # (Debian's libgcc_eh.a is built for glibc and needs glibc's _dl_find_object)
    [ -f "$sc" ] && unwind=$sc
    cat >"$w" <<EOF
#!/usr/bin/env bash
# generated by scripts/cross.sh: link for $1 against dynamic musl
args=()
for a in "\$@"; do
    if [ "\$a" = -lgcc_s ]; then args+=($unwind); else args+=("\$a"); fi
done
exec $mtrip-gcc "\${args[@]}"
EOF
    chmod +x "$w"
    printf '%s' "$w"
}

declare -A build_secs=() ucix_features=()
for t in "${targets[@]}"; do
    target_info "$t"
    out=$tdir/cross/$t
    mkdir -p "$out/run"
    if [ "$build" = 1 ]; then
        linker=$(make_linker "$t")
        T=$(upper "$t")
        export "CARGO_TARGET_${T}_LINKER=$linker"
        export "CARGO_TARGET_${T}_RUSTFLAGS=-C target-feature=-crt-static ${UCIX_CROSS_RUSTFLAGS:-}"
        export "CC_${t//-/_}=$mtrip-gcc" "AR_${t//-/_}=$gnu-ar"
        # libuci.so links the target's libubox.so (the uci_blob helpers)
        # (no outline atomics on aarch64: their init calls glibc's
        # __getauxval, which musl does not have)
        cflags=
        case $t in aarch64*) cflags=-mno-outline-atomics ;; esac
        LIBUBOX_CROSS_CC=$mtrip-gcc LIBUBOX_CROSS_CFLAGS=$cflags bash "$repo/scripts/libubox.sh" "$out/libubox" >&2 ||
            die "libubox for $t failed"
        export UCIX_LIBUBOX_DIR=$out/libubox/install UCIX_LIBUBOX_RPATH=0
        cargo_args=(build --release --workspace --target "$t")
        if [ -n "${build_std[$t]:-}" ]; then
            cargo_args+=(-Zbuild-std=std,panic_unwind)
            export RUSTC_BOOTSTRAP=1
        fi
        log "cargo ${cargo_args[*]}"
        start=$SECONDS
        # UCIX_CROSS_CARGO_ARGS: extra cargo arguments, e.g. "--no-default-features"
        # to leave ucix's remote (postgres) and serve (zbus) parts out
        read -r -a extra <<<"${UCIX_CROSS_CARGO_ARGS:-}"
        features=${UCIX_CROSS_CARGO_ARGS:-default}
        cargo "${cargo_args[@]}" "${extra[@]}"
        build_secs[$t]=$((SECONDS - start))
        ucix_features[$t]=$features
        unset RUSTC_BOOTSTRAP
        printf '%s\n%s\n' "${build_secs[$t]}" "$features" >"$out/build-info"

        rel=$tdir/$t/release
        rm -f "$out"/*.so "$out"/*.so.* "$out/uci" "$out/uci-standalone" "$out/ucix"
        for f in uci ucix libuci.so "${LUA_CANDIDATES[@]}"; do
            if [ -L "$rel/$f" ]; then
                cp -P "$rel/$f" "$out/$f"
            elif [ -f "$rel/$f" ]; then
                cp "$rel/$f" "$out/$f"
                "$gnu-strip" --strip-all "$out/$f"
            fi
        done
        # the Lua module under its installed name (the file Lua's require finds)
        if [ ! -e "$out/uci.so" ] && [ -e "$out/libucix_lua.so" ]; then
            mv "$out/libucix_lua.so" "$out/uci.so"
        fi
        # the device layout (scripts/install.sh does the same on the host):
        # uci is the C launcher over libuci.so, which also is the Lua module
        if [ -f "$out/libuci.so" ]; then
            [ -f "$out/uci" ] && mv "$out/uci" "$out/uci-standalone"
            CC=$mtrip-gcc sh "$repo/uci-compat/launcher/build.sh" "$out/uci" "$out" $cflags \
                "-Wl,-rpath-link,$out/libubox/install/lib" || die "launcher for $t failed"
            [ -e "$out/uci.so" ] || ln -s libuci.so "$out/uci.so"
        fi
        # libubox.so (a system library on OpenWrt) beside them for qemu runs
        cp -P "$out/libubox/install/lib"/libubox.so* "$out/"
    elif [ -f "$out/build-info" ]; then
        { read -r s; read -r f; } <"$out/build-info"
        build_secs[$t]=$s ucix_features[$t]=$f
    fi

    # qemu wrappers: run/uci is "the uci binary" for the runners
    for b in uci ucix; do
        [ -x "$out/$b" ] || continue
        cat >"$out/run/$b" <<EOF
#!/bin/sh
exec $(command -v "$qemu") -L / -E LD_LIBRARY_PATH=$out -0 $b $out/$b "\$@"
EOF
        chmod +x "$out/run/$b"
    done
    # C API cases: compiled with the musl cross gcc; the "binary" the runner
    # executes is a launcher that runs the real one under qemu
    cc=$tools/$t-capi-cc
    cat >"$cc" <<EOF
#!/usr/bin/env bash
# generated by scripts/cross.sh: compile a C API case for $t, leave a qemu launcher at -o
args=() o=
while [ \$# -gt 0 ]; do
    if [ "\$1" = -o ]; then o=\$2; args+=(-o "\$2.$deb"); shift 2; else args+=("\$1"); shift; fi
done
$mtrip-gcc "\${args[@]}" || exit
[ -n "\$o" ] || exit 0
printf '#!/bin/sh\nexec %s -L / %s "\$@"\n' "$(command -v "$qemu")" "\$o.$deb" >"\$o"
chmod +x "\$o"
EOF
    chmod +x "$cc"
done

# --- 3. sizes ----------------------------------------------------------------------
kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
size_of() { # size_of DIR NAME -> "bytes note"
    local p=$1/$2
    if [ -L "$p" ]; then
        echo "0 symlink->$(readlink "$p")"
    elif [ -f "$p" ]; then
        echo "$(stat -c %s "$p") -"
    else
        echo "- missing"
    fi
}
printf '\n%-32s %-16s %10s %9s  %s\n' target artifact bytes KiB note
for t in "${targets[@]}"; do
    out=$tdir/cross/$t
    total=0
    for spec in "${ARTIFACTS[@]}"; do
        name=${spec%%:*} kind=${spec##*:}
        if [ "$name" = LUA ]; then
            name=${LUA_CANDIDATES[0]}
            for c in "${LUA_CANDIDATES[@]}"; do
                if [ -e "$out/$c" ] || [ -L "$out/$c" ]; then name=$c; break; fi
            done
            label="$name (Lua)"
        else
            label=$name
        fi
        read -r bytes note < <(size_of "$out" "$name")
        if [ "$bytes" = - ]; then
            printf '%-32s %-16s %10s %9s  %s\n' "$t" "$label" - - "$note"
            continue
        fi
        [ "$kind" = core ] && total=$((total + bytes))
        [ "$name" = ucix ] && note="$note features=${ucix_features[$t]:-?}"
        printf '%-32s %-16s %10d %9s  %s\n' "$t" "$label" "$bytes" "$(kib "$bytes")" "$note"
    done
    verdict="<= 1 MiB"; [ "$total" -le 1048576 ] || verdict="> 1 MiB"
    printf '%-32s %-16s %10d %9s  %s\n' "$t" "core total" "$total" "$(kib "$total")" "uci+libuci.so+Lua, $verdict"
    [ -n "${build_secs[$t]:-}" ] && printf '%-32s %-16s %10s\n' "$t" "build time" "${build_secs[$t]}s"
done

[ "$check" = 1 ] || exit 0

# --- 4. conformance under qemu-user ----------------------------------------------------
# C API cases whose expected output is the x86_64 (LP64) layout: they print
# sizes/offsets of the structs, which follow the target's jmp_buf (aarch64,
# arm) and pointer/long size (arm). Any other failure, or one of these
# passing, fails --check. The CLI cases have no known failures.
declare -A CAPI_ARCH_SPECIFIC=(
    [aarch64-unknown-linux-musl]="capi/abi_header_only capi/abi_offsets capi/abi_sizes"
    [armv7-unknown-linux-musleabihf]="capi/abi_constants capi/abi_header_only capi/abi_list_macros capi/abi_offsets capi/abi_sizes"
)
failures() { sed -n 's/^FAIL \([^:]*\):.*/\1/p' "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
conf=$repo/testdata/conformance
isolate=()
if [ "$(id -u)" -eq 0 ] && have unshare; then isolate=(--isolate); else
    echo "note: not root: running the conformance cases without --isolate" >&2
fi
jobs=${CONFORMANCE_JOBS:-$(nproc)}
status=0
summary=()
for t in "${targets[@]}"; do
    target_info "$t"
    out=$tdir/cross/$t
    [ -x "$out/run/uci" ] || die "$out/uci was not built"

    log "$t: CLI conformance under $qemu"
    start=$SECONDS
    filter=()
    [ -z "${UCIX_CROSS_FILTER:-}" ] || filter=(--filter "$UCIX_CROSS_FILTER")
    if python3 "$conf/run_conformance.py" "${isolate[@]}" --jobs "$jobs" "${filter[@]}" "$out/run/uci" "$conf/cases" >"$out/cli-conformance.log" 2>&1; then :; else
        status=1
        grep -E '^FAIL' "$out/cli-conformance.log" | head -20 >&2 || true
    fi
    summary+=("$t CLI: $(tail -n 1 "$out/cli-conformance.log") ($((SECONDS - start))s)")

    if [ -f "$out/libuci.so" ]; then
        cc=$tools/$t-capi-cc
        log "$t: C API conformance under $qemu"
        start=$SECONDS
        python3 "$conf/run_capi_conformance.py" "${isolate[@]}" --jobs "$jobs" --cc "$cc" \
            "$repo/uci-compat/include" "$out" "$conf/capi" >"$out/capi-conformance.log" 2>&1 || true
        got=$(failures "$out/capi-conformance.log")
        want=$(tr ' ' '\n' <<<"${CAPI_ARCH_SPECIFIC[$t]:-}" | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//')
        grep -qE '^[0-9]+ passed, [0-9]+ failed' "$out/capi-conformance.log" || { got="(runner error)"; }
        if [ "$got" != "$want" ]; then
            echo "$t C API: failing [$got], expected exactly the layout cases [$want]" >&2
            status=1
        fi
        summary+=("$t C API: $(tail -n 1 "$out/capi-conformance.log") ($((SECONDS - start))s; layout cases with x86_64 numbers: ${want:-none})")
    fi
done
log "conformance under qemu-user (logs: target/cross/TARGET/*-conformance.log)"
printf '%s\n' "${summary[@]}"
exit "$status"
