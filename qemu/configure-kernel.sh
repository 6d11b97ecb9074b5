#!/bin/bash
# Configure kernel tree $1 as `make tinyconfig` plus the fragments $2...,
# merged in order, then check that each fragment really took effect:
# olddefconfig silently drops symbols whose dependencies tinyconfig turned
# off (SLUB_TINY hides KASAN).  Symbols below a fragment's "optional" marker
# are only warned about.
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

failed=0
for fragment in "${fragments[@]}"; do
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
