#!/usr/bin/env bats
# kernel/in-tree.sh on a kernel tree's skeleton: where the driver goes and
# how drivers/ is told about it.  Building that tree is by hand, as
# Documentation/perfctr.rst says ("Building the driver into the kernel").

setup() {
	top=$BATS_TEST_DIRNAME/../..
	tree=$BATS_TEST_TMPDIR/linux
	mkdir -p "$tree/drivers" "$tree/include/linux" "$tree/include/uapi/linux"
	printf 'menu "Device Drivers"\n\nsource "drivers/base/Kconfig"\n\nendmenu\n' \
		>"$tree/drivers/Kconfig"
	printf 'obj-y\t\t\t\t+= base/\n' >"$tree/drivers/Makefile"
	touch "$tree/include/linux/perfctr.h"
}

@test "in-tree.sh puts the patched mode's driver at drivers/perfctr, with its option" {
	run "$top/kernel/in-tree.sh" "$tree"
	[ "$status" -eq 0 ]
	[ -f "$tree/drivers/perfctr/main.c" ]
	[ -f "$tree/drivers/perfctr/task.c" ]
	[ -f "$tree/drivers/perfctr/Makefile" ]
	cmp "$top/include/uapi/linux/perfctr.h" "$tree/include/uapi/linux/perfctr.h"
	# stock mode never builds in a tree with the series
	! ls "$tree"/drivers/perfctr/stock-* 2>/dev/null
	grep -q '^config PERFCTR_DRIVER$' "$tree/drivers/perfctr/Kconfig"
	grep -q '^	tristate ' "$tree/drivers/perfctr/Kconfig"
	grep -q '^	depends on PERFCTR$' "$tree/drivers/perfctr/Kconfig"
	# sourced inside the Device Drivers menu, before its end
	[ "$(grep -n 'drivers/perfctr/Kconfig' "$tree/drivers/Kconfig" | cut -d: -f1)" -lt \
	  "$(grep -n '^endmenu$' "$tree/drivers/Kconfig" | cut -d: -f1)" ]
	grep -q '^obj-$(CONFIG_PERFCTR_DRIVER)[[:space:]]*+= perfctr/$' "$tree/drivers/Makefile"
}

@test "in-tree.sh run twice hooks drivers/ in once and refreshes the copy" {
	"$top/kernel/in-tree.sh" "$tree"
	echo stale >"$tree/drivers/perfctr/old.c"
	run "$top/kernel/in-tree.sh" "$tree"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'drivers/perfctr/Kconfig' "$tree/drivers/Kconfig")" -eq 1 ]
	[ "$(grep -c 'CONFIG_PERFCTR_DRIVER' "$tree/drivers/Makefile")" -eq 1 ]
	[ ! -e "$tree/drivers/perfctr/old.c" ]
}

@test "in-tree.sh refuses a tree without the series, and changes nothing" {
	rm "$tree/include/linux/perfctr.h"
	cp "$tree/drivers/Kconfig" "$BATS_TEST_TMPDIR/Kconfig.before"
	run "$top/kernel/in-tree.sh" "$tree"
	[ "$status" -eq 1 ]
	[[ "$output" == *"apply kernel/series first"* ]]
	[ ! -e "$tree/drivers/perfctr" ]
	cmp "$tree/drivers/Kconfig" "$BATS_TEST_TMPDIR/Kconfig.before"
}

@test "in-tree.sh refuses what is not a kernel tree" {
	run "$top/kernel/in-tree.sh" "$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not a kernel source tree"* ]]
	run "$top/kernel/in-tree.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *"usage: kernel/in-tree.sh KERNEL-SOURCE"* ]]
}

@test "driver/Makefile builds a module out of tree and follows CONFIG_PERFCTR_DRIVER in one" {
	# make -p prints the makefile's variables as kbuild would see them
	run make -s -f "$top/driver/Makefile" -p KBUILD_EXTMOD=/x src=/x CONFIG_PERFCTR=y /dev/null
	[[ "$output" == *"obj-m := perfctr.o"* ]]
	[[ "$output" != *"obj-y = perfctr.o"* ]]
	run make -s -f "$top/driver/Makefile" -p CONFIG_PERFCTR=y CONFIG_PERFCTR_DRIVER=y /dev/null
	[[ "$output" == *"obj-y = perfctr.o"* ]]
	[[ "$output" != *"obj-m := perfctr.o"* ]]
	[[ "$output" == *"perfctr-y := control.o"*"main.o records.o"* ]]
}
