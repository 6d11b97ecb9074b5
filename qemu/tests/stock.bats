#!/usr/bin/env bats
# KERNEL=stock's argument checks, which need no download and no guest:
# what it does not support yet fails at once, and says why.

setup() {
	top=$BATS_TEST_DIRNAME/../..
}

@test "make KERNEL=stock with ARCH=arm64 says x86_64 only" {
	run make -C "$top" -n check KERNEL=stock ARCH=arm64
	[ "$status" -ne 0 ]
	[[ "$output" == *"KERNEL=stock boots Debian's x86_64 kernel only for now"* ]]
}

@test "make KERNEL=stock refuses the patched kernel's other targets by name" {
	run make -C "$top" -n bench-memory KERNEL=stock
	[ "$status" -ne 0 ]
	[[ "$output" == *"KERNEL=stock supports check, shell, demo"* ]]
	[[ "$output" == *"run bench-memory without KERNEL=stock"* ]]
}

@test "make KERNEL=other is refused" {
	run make -C "$top" -n check KERNEL=other
	[ "$status" -ne 0 ]
	[[ "$output" == *"KERNEL=other: the guest's kernel is patched (the default), stock or builtin"* ]]
}

@test "make KERNEL=builtin refuses what needs a module, and arm64, by name" {
	run make -C "$top" -n bench KERNEL=builtin
	[ "$status" -ne 0 ]
	[[ "$output" == *"KERNEL=builtin supports check, shell, demo"* ]]
	[[ "$output" == *"run bench without KERNEL=builtin"* ]]
	run make -C "$top" -n check KERNEL=builtin ARCH=arm64
	[ "$status" -ne 0 ]
	[[ "$output" == *"KERNEL=builtin is x86_64 only"* ]]
	run env KERNEL=builtin ARCH=arm64 "$top/qemu/run-vm.sh" check /nonexistent /nonexistent "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ "$output" == *"x86_64 only"* ]]
}

@test "build-builtin.sh refuses arm64 before building anything" {
	run env ARCH=arm64 "$top/qemu/build-builtin.sh" "$BATS_TEST_TMPDIR/cache" "$BATS_TEST_TMPDIR/link"
	[ "$status" -eq 2 ]
	[[ "$output" == *"x86_64 only"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/cache" ]
}

@test "run-vm.sh refuses an unknown KERNEL, and stock on arm64, before booting" {
	run env KERNEL=other "$top/qemu/run-vm.sh" check /nonexistent /nonexistent "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown kernel 'other'"* ]]
	run env KERNEL=stock ARCH=arm64 "$top/qemu/run-vm.sh" check /nonexistent /nonexistent "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ "$output" == *"x86_64 only"* ]]
}

@test "stock-kernel.sh refuses arm64 before downloading" {
	run env ARCH=arm64 "$top/qemu/stock-kernel.sh" "$BATS_TEST_TMPDIR/cache" "$BATS_TEST_TMPDIR/link"
	[ "$status" -eq 2 ]
	[[ "$output" == *"x86_64 only"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/link" ]
}
