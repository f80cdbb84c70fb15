//! libuci.so C ABI shim (filled in by the shim issue).
