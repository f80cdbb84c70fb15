# A small stand-in for the config part of OpenWrt's /lib/functions.sh:
# `config`, `option` and `list` store what `eval "$(uci -S -n export P)"`
# feeds them in CONFIG_<section>_<option> variables with `export`, the way
# config_load does, and `config_get` reads one back through `eval`.
# Written for dash and BusyBox ash (POSIX sh plus `local`).
CONFIG_SECTIONS=
CONFIG_SECTION=
CONFIG_COUNT=0

package() { return 0; }

config() {
	local type="$1" name="$2"
	CONFIG_COUNT=$((CONFIG_COUNT + 1))
	[ -n "$name" ] || name="cfg$CONFIG_COUNT"
	CONFIG_SECTIONS="$CONFIG_SECTIONS $name"
	CONFIG_SECTION="$name"
	export "CONFIG_${name}_TYPE=$type"
}

option() {
	local name="$1"
	shift
	export "CONFIG_${CONFIG_SECTION}_${name}=$*"
}

list() {
	local name="$1" n
	shift
	eval "n=\${CONFIG_${CONFIG_SECTION}_${name}_LENGTH:-0}"
	n=$((n + 1))
	export "CONFIG_${CONFIG_SECTION}_${name}_ITEM${n}=$*"
	export "CONFIG_${CONFIG_SECTION}_${name}_LENGTH=$n"
}

# config_get <var> <section> <option>
config_get() {
	eval "$1=\${CONFIG_${2}_${3}}"
}

# Prints option <section>.<option> followed by a NUL byte.
dump_option() {
	local v
	config_get v "$1" "$2"
	printf '%s\0' "$v"
}

# Prints every item of list <section>.<option>, each followed by a NUL byte.
dump_list() {
	local n i=1 v
	config_get n "$1" "${2}_LENGTH"
	while [ "$i" -le "${n:-0}" ]; do
		config_get v "$1" "${2}_ITEM$i"
		printf '%s\0' "$v"
		i=$((i + 1))
	done
}
