#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# in-tree.sh KERNEL-SOURCE: put the perfctr driver into a kernel source tree
# that has kernel/series applied, as drivers/perfctr/, with the option
# CONFIG_PERFCTR_DRIVER: built into the kernel (y), a module (m), or not
# built.  The same driver/ serves the out-of-tree module (its Makefile
# tells the two builds apart by KBUILD_EXTMOD).
#
# Built in, the driver registers with the hooks at boot, and the hooks'
# static calls then call it directly, as they call a loaded module.
# Running the script again refreshes the copy; `git diff` in the kernel
# tree, if it is a git tree, gives the whole as one patch.
set -eu

die() {
	echo "in-tree: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: kernel/in-tree.sh KERNEL-SOURCE"
tree=$1
top=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -f "$tree/drivers/Kconfig" ] || [ ! -f "$tree/drivers/Makefile" ]; then
	die "$tree is not a kernel source tree (no drivers/Kconfig)"
fi
[ -f "$tree/include/linux/perfctr.h" ] ||
	die "$tree has no include/linux/perfctr.h: apply kernel/series first"

# The driver's sources, less stock mode, which an in-tree build never uses
# (a kernel with the series has CONFIG_PERFCTR), and kbuild's output.
dest=$tree/drivers/perfctr
rm -rf "$dest"
mkdir -p "$dest"
for f in "$top"/driver/*.[ch] "$top"/driver/Makefile; do
	case ${f##*/} in
	stock-* | *.mod.c) continue ;;
	esac
	cp "$f" "$dest/"
done
cp "$top/include/uapi/linux/perfctr.h" "$tree/include/uapi/linux/perfctr.h"

cat >"$dest/Kconfig" <<'EOF'
# SPDX-License-Identifier: GPL-2.0
config PERFCTR_DRIVER
	tristate "Per-task performance counters with inheritance"
	depends on PERFCTR
	help
	  The driver behind the perfctr hooks: per-task counters that
	  children inherit at fork, whose final counts are added to the
	  parent's when the child is reaped, read and programmed through
	  /proc/<pid>/perfctr/.  Built in, it is ready at boot; as a
	  module, it can be loaded and unloaded once no task counts.

	  If unsure, say N.
EOF

# Hook the directory into drivers/ once, however often the script runs.
grep -qx 'source "drivers/perfctr/Kconfig"' "$tree/drivers/Kconfig" ||
	sed -i '/^endmenu$/i source "drivers/perfctr/Kconfig"\n' "$tree/drivers/Kconfig"
# shellcheck disable=SC2016 # $(CONFIG_PERFCTR_DRIVER) is make's, not ours
rule='obj-$(CONFIG_PERFCTR_DRIVER)'
grep -qF "$rule" "$tree/drivers/Makefile" ||
	printf '%s\t+= perfctr/\n' "$rule" >>"$tree/drivers/Makefile"

echo "in-tree: the driver is in $dest; set CONFIG_PERFCTR_DRIVER=y or m"
