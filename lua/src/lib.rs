//! Lua 5.1 module `uci` (filled in by the Lua issue).
