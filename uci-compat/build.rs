//! Link settings of libuci.so: the SONAME of the reference build
//! (`libuci.so`) and, when the linker is rust-lld (rustc's default on
//! x86_64 Linux), the version script `libuci.map`. rustc already limits the
//! exports to the `#[no_mangle]` items; the map adds a completeness check,
//! because rustc passes `--no-undefined-version` and the link fails when a
//! listed symbol is missing. GNU ld refuses a second anonymous version
//! script, so the map is skipped when RUSTFLAGS pick another linker, or
//! when `UCI_COMPAT_NO_VERSION_SCRIPT` is set. `tests/c_abi.rs` compares
//! `nm -D --defined-only` with the map either way.

use std::env;

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
}
