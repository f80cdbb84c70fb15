//! Link settings of libuci.so: the SONAME of the reference build
//! (`libuci.so`) and, when the linker is rust-lld (rustc's default on
//! x86_64 Linux), the version script `libuci.map`. rustc already limits the
//! exports to the `#[no_mangle]` items; the map adds a completeness check,
//! because rustc passes `--no-undefined-version` and the link fails when a
//! listed symbol is missing. GNU ld refuses a second anonymous version
//! script, so the map is skipped when RUSTFLAGS pick another linker, or
//! when `UCI_COMPAT_NO_VERSION_SCRIPT` is set. `tests/c_abi.rs` compares
//! `nm -D --defined-only` with the map either way.
//!
//! libubox: like the reference, libuci.so links libubox.so (NEEDED) for the
//! three `uci_blob` helpers (`src/blob.rs`), and `ubox/glue.c` is compiled
//! against its headers. The libubox prefix (with `lib/libubox.so` and
//! `include/libubox/blobmsg.h`) is `UCIX_LIBUBOX_DIR` when set, else
//! `<repo>/target/libubox/install`, which `scripts/libubox.sh` builds from
//! the tarball in `../shared/third_party` when it is missing. The prefix's
//! `lib/` is recorded as the RUNPATH of libuci.so (and of the crate's test
//! binaries) so that programs find that libubox.so without
//! `LD_LIBRARY_PATH`; `UCIX_LIBUBOX_RPATH=0` leaves it out (for packages
//! built against the system libubox).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let map = format!("{dir}/libuci.map");
    println!("cargo:rerun-if-changed=libuci.map");
    println!("cargo:rerun-if-env-changed=UCI_COMPAT_NO_VERSION_SCRIPT");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libuci.so");

    let target = env::var("TARGET").unwrap_or_default();
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let other_linker = flags.contains("fuse-ld") || flags.contains("linker-flavor") || flags.contains("linker-features") || flags.contains("-Clinker=") || flags.contains("linker=");
    let lld_default = target == "x86_64-unknown-linux-gnu";
    if lld_default && !other_linker && env::var_os("UCI_COMPAT_NO_VERSION_SCRIPT").is_none() {
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={map}");
    }

    libubox(Path::new(&dir));
}

/// Finds (or builds) libubox, compiles the glue and links libubox.so.
fn libubox(manifest: &Path) {
    println!("cargo:rustc-check-cfg=cfg(ucix_libubox)");
    println!("cargo:rerun-if-env-changed=UCIX_LIBUBOX_DIR");
    println!("cargo:rerun-if-env-changed=UCIX_LIBUBOX_RPATH");
    println!("cargo:rerun-if-env-changed=UCIX_SHARED");
    println!("cargo:rerun-if-changed=ubox/glue.c");
    let repo = manifest.parent().expect("uci-compat lives inside the repository");
    let script = repo.join("scripts").join("libubox.sh");
    println!("cargo:rerun-if-changed={}", script.display());

    let prefix = match env::var_os("UCIX_LIBUBOX_DIR").filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => {
            let dest = repo.join("target").join("libubox");
            let prefix = dest.join("install");
            if !prefix.join("lib").join("libubox.so").is_file() {
                build_libubox(&script, &dest);
            }
            prefix
        }
    };
    let lib = prefix.join("lib");
    let include = prefix.join("include");
    for need in [lib.join("libubox.so"), include.join("libubox").join("blobmsg.h")] {
        if !need.is_file() {
            panic!(
                "libubox not found: {} is missing. libuci.so links libubox (uci_blob helpers): set UCIX_LIBUBOX_DIR to a prefix with lib/libubox.so and include/libubox/, or unset it to build ../shared/third_party/libubox-*.tar.gz with scripts/libubox.sh",
                need.display()
            );
        }
    }
    println!("cargo:rerun-if-changed={}", lib.join("libubox.so").display());

    cc::Build::new()
        .file(manifest.join("ubox").join("glue.c"))
        .include(&include)
        .flag("-std=gnu99")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("ucix_ubox_glue");

    println!("cargo:rustc-cfg=ucix_libubox");
    println!("cargo:rustc-link-search=native={}", lib.display());
    println!("cargo:rustc-link-lib=dylib=ubox");
    if env::var("UCIX_LIBUBOX_RPATH").map_or(true, |v| v != "0") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}

/// Runs `scripts/libubox.sh DEST`; a clear error when it fails.
fn build_libubox(script: &Path, dest: &Path) {
    println!("cargo:warning=building libubox into {} (scripts/libubox.sh)", dest.display());
    let out = Command::new("bash").arg(script).arg(dest).output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "scripts/libubox.sh failed ({}); libuci.so needs libubox: install cmake, pkg-config and libjson-c-dev (scripts/test.sh does), check ../shared/third_party (or UCIX_SHARED), or set UCIX_LIBUBOX_DIR to an installed libubox prefix\n{}{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("cannot run bash {}: {e}; set UCIX_LIBUBOX_DIR to an installed libubox prefix", script.display()),
    }
}
