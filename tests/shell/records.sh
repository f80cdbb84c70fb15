# Callbacks for `eval "$(uci -S -n export <pkg>)"` that print what they were
# given, so a test can compare it byte for byte with the model.
#
# Each call writes NUL-terminated fields: the keyword, the number of
# arguments it received, then every argument. A value that the shell split,
# joined or expanded shows up as a wrong count or wrong bytes.
package() { printf 'package\0%s\0' "$#"; for a in "$@"; do printf '%s\0' "$a"; done; }
config() { printf 'config\0%s\0' "$#"; for a in "$@"; do printf '%s\0' "$a"; done; }
option() { printf 'option\0%s\0' "$#"; for a in "$@"; do printf '%s\0' "$a"; done; }
list() { printf 'list\0%s\0' "$#"; for a in "$@"; do printf '%s\0' "$a"; done; }
