#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# From this clone to counting on a Debian 12 machine that runs Debian's own
# (stock) 6.12 kernel: stock mode (Documentation/perfctr-stock.rst).
#
#   scripts/install-stock.sh [--dry-run]            install (as root)
#   scripts/install-stock.sh --uninstall [--dry-run] undo it (as root)
#   scripts/install-stock.sh --stage DIR --kernel-source HEADERS [--dry-run]
#   scripts/install-stock.sh --stage DIR --uninstall [--dry-run]
#
# Installing, where a step is done already it is not done again:
#  1. checks the running kernel: one with the perfctr series has its files
#     in /proc/<pid>/perfctr/ and needs no module from here (it says so and
#     stops); the module knows 6.12 only (dkms.conf's BUILD_EXCLUSIVE_KERNEL);
#  2. installs the Debian packages that are missing: dkms, the running
#     kernel's headers, make, gcc and the C library's static half;
#  3. make install PREFIX=/usr: libperfctr, perfex, the module's sources
#     with dkms.conf in /usr/src/perfctr-1.0, and the mount unit
#     sys-fs-perfctr.mount (systemd/); built in a temporary directory,
#     so that root leaves nothing of its own in the clone;
#  4. dkms add, build and install perfctr/1.0 for the running kernel
#     (again, after dkms remove, when the sources in /usr/src differ from
#     this clone's);
#  5. loads the module (reloads it, if DKMS built a new one);
#  6. systemctl enable --now sys-fs-perfctr.mount: the filesystem mounted
#     at /sys/fs/perfctr now and at every boot (the unit loads the module
#     first); without systemd, mounts it now and says what to do at boot;
#  7. counts a command through the files, and prints how.
# Uninstalling: disables and stops the unit, unloads the module, dkms
# remove, make uninstall PREFIX=/usr.  The Debian packages stay.
#
# --dry-run prints each command that would change the system, as "+ CMD",
# and runs none; what it reads to decide (dpkg, dkms status, /proc) it
# reads.  --stage DIR is for tests: every file goes below DIR (make
# install's DESTDIR, DKMS's trees with --dkmstree, --sourcetree,
# --installtree and no depmod), the module is built against HEADERS (a
# kernel's headers dir, whose release replaces uname -r), and what acts on
# the running system (apt-get, modprobe, systemctl, mount, the count) is
# printed as "+ CMD (staged: not run)".  PERFCTR_PROC (default /proc) is
# where the patched-kernel check looks, for tests too.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
me=install-stock
unit=sys-fs-perfctr.mount
unit_src=$here/systemd/$unit
proc=${PERFCTR_PROC:-/proc}

# usage [STATUS]: the synopsis, on stderr unless asked for (-h)
usage() {
	if [ "${1:-2}" = 0 ]; then
		sed -n '6,9s/^#   /usage: /p' "$0"
		echo "see the comment at the top of $0"
		exit 0
	fi
	sed -n '6,9s/^#   /usage: /p' "$0" >&2
	echo "see the comment at the top of $0" >&2
	exit 2
}

say() {
	echo "$me: $*"
}

die() {
	echo "$me: error: $*" >&2
	exit 1
}

dry=no
stage=
ksrc=
action=install
while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) dry=yes ;;
	--uninstall) action=uninstall ;;
	--stage)
		[ $# -ge 2 ] || usage
		stage=$2
		shift ;;
	--kernel-source)
		[ $# -ge 2 ] || usage
		ksrc=$2
		shift ;;
	-h | --help) usage 0 ;;
	*)
		echo "$me: unknown argument '$1'" >&2
		usage ;;
	esac
	shift
done
if [ -n "$ksrc" ] && [ -z "$stage" ]; then
	die "--kernel-source is for a staged install (--stage DIR): DKMS finds the running kernel's headers itself"
fi
if [ -n "$stage" ]; then
	case $stage in
	/*) ;;
	*) stage=$PWD/$stage ;;
	esac
	[ "$stage" != / ] || die "--stage /: that is the running system; leave --stage out"
fi

# The package's name, version and the kernels it builds for, from dkms.conf.
conf() {
	sed -n "s/^$1=\"\(.*\)\"\$/\1/p" "$here/dkms.conf"
}
name=$(conf PACKAGE_NAME)
version=$(conf PACKAGE_VERSION)
kernels=$(conf BUILD_EXCLUSIVE_KERNEL)
if [ -z "$name" ] || [ -z "$version" ] || [ -z "$kernels" ]; then
	die "$here/dkms.conf: no PACKAGE_NAME, PACKAGE_VERSION or BUILD_EXCLUSIVE_KERNEL"
fi
src=$stage/usr/src/$name-$version
# The kernel to install for: the running one, or that of --kernel-source.
release=
[ -n "$stage" ] || release=$(uname -r)

# A field of the mount unit's [Mount] section: the mount this script does
# by hand is the one systemd would do.
unit_field() {
	sed -n "/^\[Mount\]/,/^\[/s/^$1=//p" "$unit_src"
}
what=$(unit_field What)
where=$(unit_field Where)
type=$(unit_field Type)
options=$(unit_field Options)
if [ -z "$what" ] || [ -z "$where" ] || [ -z "$type" ]; then
	die "$unit_src: no What=, Where= or Type= in [Mount]"
fi

# show CMD...: prints CMD as "+ CMD", quoted as the shell would need it.
show() {
	local a line=+
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
			line+=" $a"
		else
			line+=" '${a//\'/\'\\\'\'}'"
		fi
	done
	echo "$line${suffix:-}"
}

# run CMD...: a command that changes the system (below DIR, when staged).
run() {
	show "$@"
	[ $dry = yes ] || "$@"
}

# live CMD...: a command that acts on the running system itself.
live() {
	if [ -n "$stage" ]; then
		suffix=" (staged: not run)" show "$@"
	else
		run "$@"
	fi
}

# make install and uninstall, into DIR when staged.  The library and
# perfex are built in a directory of their own, not in the clone's build/,
# which would otherwise belong to root after sudo.
work=$(mktemp -d -t perfctr-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
make_args=(PREFIX=/usr BUILD="$work")
[ -z "$stage" ] || make_args+=(DESTDIR="$stage")

dkms=(dkms)
dkms_build=()
if [ -n "$stage" ]; then
	dkms+=(--dkmstree "$stage/var/lib/dkms" --sourcetree "$stage/usr/src"
		--installtree "$stage/lib/modules")
	# no depmod: it would run on the host's /lib/modules/<release>
	dkms+=(--no-depmod)
fi

# dkms_state: "none", or the status line's state for this package on the
# kernel: "added", "built", "installed" (DKMS 3 prints
# "perfctr/1.0, <release>, x86_64: installed", or "perfctr/1.0: added").
dkms_state() {
	local line
	if ! command -v dkms >/dev/null || { [ -n "$stage" ] && [ ! -d "$stage/var/lib/dkms" ]; }; then
		echo none
		return
	fi
	line=
	if [ -n "$release" ]; then
		line=$("${dkms[@]}" status -m "$name" -v "$version" -k "$release" 2>/dev/null | head -n 1)
	fi
	if [ -z "$line" ]; then
		line=$("${dkms[@]}" status -m "$name" -v "$version" 2>/dev/null | head -n 1)
		[ -n "$line" ] && echo added || echo none
		return
	fi
	line=${line##*: }
	echo "${line%% *}"
}

module_loaded() {
	[ -z "$stage" ] && grep -qs "^$name " /proc/modules
}

mounted() {
	[ -z "$stage" ] && awk -v w="$where" -v t="$type" '$2 == w && $3 == t { f = 1 } END { exit !f }' \
		/proc/mounts 2>/dev/null
}

systemd_running() {
	[ -z "$stage" ] && [ -d /run/systemd/system ]
}

need_root() {
	if [ $dry = no ] && [ -z "$stage" ] && [ "$(id -u)" != 0 ]; then
		die "run as root (sudo $0${1:+ $1}); --dry-run shows the steps without taking them"
	fi
}

# sources_match: /usr/src/perfctr-1.0 holds this clone's module sources
# (those make install puts there), and nothing else.
sources_match() {
	local f files=(dkms.conf driver/Makefile include/uapi/linux/perfctr.h)
	[ -d "$src" ] || return 1
	for f in "$here"/driver/*.[ch]; do
		[[ $f == *.mod.c ]] || files+=("driver/${f##*/}")
	done
	for f in "${files[@]}"; do
		cmp -s "$here/$f" "$src/$f" || return 1
	done
	[ "$(find "$src" -type f | wc -l)" -eq ${#files[@]} ]
}

if [ $action = uninstall ]; then
	need_root --uninstall
	if [ -n "$stage" ] || { systemd_running && systemctl cat "$unit" >/dev/null 2>&1; }; then
		live systemctl disable --now "$unit"
	fi
	if mounted; then
		run umount "$where" || die "cannot unmount $where: a process has a file open there, or a directory as its cwd (fuser -vm $where)"
	fi
	if module_loaded; then
		run modprobe -r "$name" || die "cannot unload $name: in use (lsmod | grep $name); stop what holds it and run this again"
	fi
	if [ "$(dkms_state)" != none ]; then
		run "${dkms[@]}" remove -m "$name" -v "$version" --all
	else
		say "DKMS has no $name/$version: nothing to remove"
	fi
	run make -s -C "$here" uninstall "${make_args[@]}"
	if systemd_running; then
		run systemctl daemon-reload
	fi
	if [ $dry = yes ]; then
		say "dry run: nothing was changed"
	else
		say "uninstalled; the Debian packages (dkms, linux-headers-*) stay: other modules may need them"
	fi
	exit 0
fi

# 1. The kernel.
if [ -n "$stage" ]; then
	[ -n "$ksrc" ] || die "--stage needs --kernel-source HEADERS (the headers of the kernel to build for)"
	[ -f "$ksrc/include/config/kernel.release" ] || die "$ksrc: not a kernel's headers (no include/config/kernel.release)"
	release=$(cat "$ksrc/include/config/kernel.release")
	ksrc=$(cd "$ksrc" && pwd)
	dkms_build=(--kernelsourcedir "$ksrc")
	say "staged in $stage for $release (headers $ksrc)"
else
	release=$(uname -r)
	if [ -e "$proc/self/perfctr" ]; then
		say "this kernel ($release) has the perfctr series: the files are in /proc/<pid>/perfctr/ already, and the module there is the kernel's to load"
		say "stock mode is for Debian's own kernels; nothing to do (the library and perfex alone: make install PREFIX=/usr)"
		exit 0
	fi
fi
if ! [[ $release =~ $kernels ]]; then
	die "the module knows Linux 6.12's internals only (dkms.conf: BUILD_EXCLUSIVE_KERNEL=\"$kernels\"), and the kernel is $release; on Debian 12, install and boot linux-image-6.12.*+deb12-amd64"
fi
need_root

# 2. The packages.  The headers are DKMS's: not needed in a staged run,
# which builds against HEADERS.
packages=(dkms make gcc libc6-dev)
[ -n "$stage" ] || packages+=("linux-headers-$release")
missing=()
if command -v dpkg-query >/dev/null; then
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			missing+=("$p")
	done
else
	for p in dkms make gcc; do
		command -v $p >/dev/null || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] || die "no dpkg (not Debian?): install ${missing[*]} and the headers of $release yourself"
fi
if [ ${#missing[@]} -gt 0 ]; then
	if ! live apt-get install -y "${missing[@]}"; then
		die "apt-get install ${missing[*]} failed; is linux-headers-$release in the configured sources? (apt-cache policy linux-headers-$release; apt-get update)"
	fi
else
	say "packages: ${packages[*]} installed already"
fi
if [ -z "$stage" ] && [ $dry = no ] && [ ! -e "/lib/modules/$release/build" ]; then
	die "no /lib/modules/$release/build after installing linux-headers-$release"
fi

# 3. make install, the sources in /usr/src anew if they differ.
fresh=no
if ! sources_match; then
	fresh=yes
	[ ! -d "$src" ] || run rm -rf "$src"
fi
run make -s -C "$here" install "${make_args[@]}"

# 4. DKMS.
state=$(dkms_state)
if [ $fresh = no ] && [ "$state" = installed ]; then
	say "DKMS: $name/$version is installed for $release, from these sources"
	rebuilt=no
else
	if [ $fresh = yes ] && [ "$state" != none ]; then
		# built from other sources: again, from these
		run "${dkms[@]}" remove -m "$name" -v "$version" --all
		state=none
	fi
	if [ "$state" = none ]; then
		[ -z "$stage" ] || run mkdir -p "$stage/var/lib/dkms" "$stage/lib/modules/$release"
		run "${dkms[@]}" add -m "$name" -v "$version" || die "dkms add $name/$version failed"
	fi
	if ! run "${dkms[@]}" build -m "$name" -v "$version" -k "$release" "${dkms_build[@]}"; then
		log=$stage/var/lib/dkms/$name/$version/build/make.log
		[ ! -f "$log" ] || tail -n 30 "$log" >&2
		die "dkms build failed for $release (log: $log)"
	fi
	run "${dkms[@]}" install -m "$name" -v "$version" -k "$release" "${dkms_build[@]}" || die "dkms install failed for $release"
	rebuilt=yes
fi

# 5. The module.
loaded=no
! module_loaded || loaded=yes
if [ $loaded = yes ] && [ $rebuilt = yes ]; then
	say "reloading $name: DKMS built a new one"
	if systemd_running && systemctl is-active --quiet "$unit"; then
		run systemctl stop "$unit"
	elif mounted; then
		run umount "$where"
	fi || die "cannot unmount $where to reload the module: a process has a file open there (fuser -vm $where)"
	run modprobe -r "$name" || die "cannot unload the old $name: in use (lsmod | grep $name)"
	loaded=no
fi
if [ $loaded = yes ]; then
	say "$name is loaded"
elif ! live modprobe "$name"; then
	die "modprobe $name failed (dmesg | tail): under UEFI Secure Boot the kernel refuses a module signed by no enrolled key: enroll DKMS's (mokutil --import /var/lib/dkms/mok.pub, then reboot), see Documentation/perfctr-stock.rst"
fi
if [ -z "$stage" ] && [ $dry = no ] && [ ! -d "$where" ]; then
	die "$name is loaded but $where does not exist: is this kernel built with the perfctr series after all? (dmesg | grep perfctr)"
fi

# 6. The mount, now and at every boot.
if [ -n "$stage" ] || systemd_running; then
	live systemctl daemon-reload
	live systemctl enable --now "$unit" ||
		die "systemctl enable --now $unit failed (systemctl status $unit)"
elif mounted; then
	say "$where is mounted; no systemd: at boot, load $name and mount it yourself (/etc/modules; fstab: $what $where $type ${options:-defaults} 0 0)"
else
	run mount -t "$type" ${options:+-o "$options"} "$what" "$where" ||
		die "mount -t $type $what $where failed"
	say "no systemd: mounted by hand, not by a unit; at boot, load $name and mount it yourself (/etc/modules; fstab: $what $where $type ${options:-defaults} 0 0)"
fi

# 7. Counting.
check="echo task-clock minor-faults > $where/\$\$/perfctr/control && exec cat $where/self/perfctr/counts"
if [ -n "$stage" ] || [ $dry = yes ]; then
	live sh -c "$check"
	[ $dry = no ] || say "dry run: nothing was changed"
	exit 0
fi
if ! out=$(sh -c "$check" 2>&1) || ! grep -q '^minor-faults [0-9]' <<<"$out"; then
	echo "$out" >&2
	die "the first count failed: $name loaded, $where mounted, but sh -c '$check' did not count"
fi
say "counting; the first count, a shell that programs itself and becomes cat:"
echo "  \$ sh -c '$check'"
while IFS= read -r line; do
	echo "  $line"
done <<<"$out"
say "next: perfex -e minor-faults,task-clock -- make; or by hand:"
echo "  \$ echo minor-faults task-clock > $where/\$\$/perfctr/control"
echo "  \$ make; cat $where/\$\$/perfctr/children"
