#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Stock mode's mount unit, sys-fs-perfctr.mount (systemd/), as make install
# PREFIX=/usr installs it: the guest has no systemd, so what the unit says
# is done by hand.  Run after the tests that count, as it unmounts the
# files for a moment.

load helpers

UNIT=/usr/lib/systemd/system/sys-fs-perfctr.mount

# mounted DIR: something is mounted on DIR (busybox has no mountpoint)
mounted() {
	awk -v d="$1" '$2 == d { f = 1 } END { exit !f }' /proc/mounts
}

teardown() {
	# as init mounted it, for the tests after this one
	if [ "$PERFCTR_ROOT" != /proc ] && ! mounted "$PERFCTR_ROOT"; then
		mount -t perfctr perfctr "$PERFCTR_ROOT"
	elif [ -n "${REMOUNT:-}" ]; then
		umount "$PERFCTR_ROOT" && mount -t perfctr perfctr "$PERFCTR_ROOT"
	fi
}

# unit_field SECTION KEY: KEY's value in the unit's [SECTION]
unit_field() {
	sed -n "/^\[$1\]/,/^\[/s/^$2=//p" "$UNIT"
}

@test "the mount unit is installed, named after its Where=, and loads the module first" {
	[ -f "$UNIT" ]
	where=$(unit_field Mount Where)
	name=${where#/}
	[ "$(basename "$UNIT")" = "${name//\//-}.mount" ]
	[ "$(unit_field Unit Wants)" = modprobe@perfctr.service ]
	[ "$(unit_field Unit After)" = modprobe@perfctr.service ]
	driver_present
}

@test "patched mode: the mount unit's condition fails, so systemd skips it" {
	[ "$PERFCTR_ROOT" = /proc ] || skip "stock mode: the next test mounts it"
	condition=$(unit_field Unit ConditionPathExists)
	[ -n "$condition" ]
	[ ! -e "$condition" ]
}

@test "stock mode: the unit's What=, Where=, Type= and Options= mount the files by hand" {
	[ "$PERFCTR_ROOT" != /proc ] || skip "patched mode: the files are in /proc, the unit is skipped"
	what=$(unit_field Mount What)
	where=$(unit_field Mount Where)
	type=$(unit_field Mount Type)
	options=$(unit_field Mount Options)
	echo "What=$what Where=$where Type=$type Options=$options"
	[ -n "$what" ] && [ -n "$type" ] && [ -n "$options" ]
	[ "$where" = "$PERFCTR_ROOT" ]
	# the condition holds once the module is loaded: systemd would mount
	[ -d "$(unit_field Unit ConditionPathExists)" ]
	umount "$where"
	run mounted "$where"
	[ "$status" -eq 1 ]
	[ ! -e "$where/stock" ]
	REMOUNT=1
	mount -t "$type" -o "$options" "$what" "$where"
	line=$(awk -v w="$where" '$2 == w' /proc/mounts)
	echo "$line"
	read -r source point fstype flags _ <<<"$line"
	[ "$source $point $fstype" = "$what $where $type" ]
	for o in ${options//,/ }; do
		[[ ,$flags, == *,$o,* ]]
	done
	# and the files are there, and count
	[ -f "$where/stock" ]
	run bash -c 'echo tsc task-clock > $1/$$/perfctr/control && exec cat $1/self/perfctr/control' _ "$where"
	[ "$output" = "tsc task-clock" ]
	missed_nothing
}
