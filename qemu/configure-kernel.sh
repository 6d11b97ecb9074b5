#!/bin/bash
# Configure kernel tree $1 as `make tinyconfig` plus the fragments $2...,
# merged in order, then check that each fragment really took effect:
# olddefconfig silently drops symbols whose dependencies tinyconfig turned
# off (SLUB_TINY hides KASAN).  Symbols below a fragment's "optional" marker
# are only warned about.  A symbol that a later fragment sets again is
# checked against the later one only: merge_config.sh lets the last
# fragment win (qemu/rt.config turns test.config's PREEMPT off).
set -eu
tree=$1
shift
fragments=()
for f in "$@"; do
	fragments+=("$(realpath "$f")")
done
cd "$tree"

make -s tinyconfig
scripts/kconfig/merge_config.sh -m .config "${fragments[@]}" >/dev/null
make -s olddefconfig

# set_later I SYM: does a fragment after the I-th one set SYM?
set_later() {
	local later=("${fragments[@]:$(($1 + 1))}")
	[ ${#later[@]} -gt 0 ] && grep -qE "^($2=|# $2 is not set)" "${later[@]}"
}

failed=0
for i in "${!fragments[@]}"; do
	fragment=${fragments[$i]}
	optional=no
	while IFS= read -r line; do
		case $line in
		"# --- optional"*) optional=yes; continue ;;
		CONFIG_*=*)
			sym=${line%%=*}
			grep -qxF "$line" .config && continue ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			grep -q "^$sym=" .config || continue ;;
		*) continue ;;
		esac
		set_later "$i" "$sym" && continue
		got=$(grep -E "^($sym=|# $sym is not set)" .config || echo "$sym absent")
		if [ $optional = yes ]; then
			echo "configure-kernel: warning: wanted '$line', got '$got'" >&2
		else
			echo "configure-kernel: error: wanted '$line', got '$got'" >&2
			failed=1
		fi
	done <"$fragment"
done
if [ $failed = 1 ]; then
	echo "configure-kernel: required options did not survive olddefconfig; fix $*" >&2
	exit 1
fi
