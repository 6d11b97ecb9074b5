#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# install-check.sh DESTDIR KTREE STOCK_HEADERS: `make install PREFIX=/usr
# DESTDIR=...` into DESTDIR (emptied first), then check that the tree is
# complete, that its man pages format without warnings, that the installed
# perfex runs, that the mount unit mounts the module's filesystem where the
# module makes its mount point, that the module's sources hold what
# dkms.conf and the Kbuild file need, and that the installed dkms.conf
# builds the module the way DKMS would, against the kernel tree KTREE.
# Then scripts/install-stock.sh, staged (--stage) below DESTDIR.stage: its
# dry run, its refusals, an install that builds and installs the module
# with DKMS against STOCK_HEADERS (Debian's stock headers,
# qemu/stock-kernel.sh), a second one that finds it done, and the
# uninstall; nothing outside DESTDIR.stage is touched.
set -eu
dest=$1
ktree=$2
stock_headers=$3
rm -rf "$dest"
make -s install PREFIX=/usr DESTDIR="$dest" >/dev/null

fail() {
	echo "install-check: FAILED: $*" >&2
	exit 1
}

expected=(
	usr/bin/perfex
	usr/include/perfctr.h
	usr/include/linux/perfctr.h
	usr/lib/libperfctr.a
	usr/lib/libperfctr.so
	usr/lib/libperfctr.so.1
	usr/lib/pkgconfig/perfctr.pc
	usr/share/man/man1/perfex.1
	usr/share/man/man3/libperfctr.3
	usr/share/man/man3/perfctr_open.3
	usr/share/man/man3/perfctr_read.3
	usr/share/man/man5/perfctr.5
	usr/share/perfctr/kernel/series
	usr/share/doc/perfctr/perfctr.rst
	usr/src/perfctr-1.0/dkms.conf
	usr/src/perfctr-1.0/driver/Makefile
	usr/src/perfctr-1.0/driver/main.c
	usr/src/perfctr-1.0/include/uapi/linux/perfctr.h
	usr/lib/systemd/system/sys-fs-perfctr.mount
)
for f in "${expected[@]}"; do
	[ -e "$dest/$f" ] || fail "$f is missing"
done
while read -r patch; do
	[ -f "$dest/usr/share/perfctr/kernel/$patch" ] || fail "kernel patch $patch is missing"
done < kernel/series
if find "$dest/usr/src" -name '*.o' -o -name '*.ko' -o -name '*.mod.c' | grep -q .; then
	fail "build outputs in the installed module sources"
fi

# every man page, as man would format it (.so links resolved from man/)
pages=0
while read -r page; do
	out=$(cd "$dest/usr/share/man" && groff -man -ww -z -Tutf8 "${page#"$dest"/usr/share/man/}" 2>&1)
	[ -z "$out" ] || fail "$page: $out"
	pages=$((pages + 1))
done < <(find "$dest/usr/share/man" -type f)

"$dest/usr/bin/perfex" --help >/dev/null || fail "the installed perfex --help"

# The mount unit: systemd accepts it, and it mounts the filesystem the
# module registers on the mount point the module creates, loading the
# module DKMS installs first.
unit=$dest/usr/lib/systemd/system/sys-fs-perfctr.mount
field() {
	sed -n "s/^$1=//p" "$unit"
}
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify --man=no "$unit" 2>&1) || fail "systemd-analyze verify $unit: $out"
fi
fs_type=$(sed -n 's/^\t\.name\t*= "\(.*\)",$/\1/p' driver/stock-fs.c)
mount_point=/sys/fs/$(sed -n 's/.*sysfs_create_mount_point(fs_kobj, "\(.*\)");/\1/p' driver/stock-fs.c)
module=$(sed -n 's/^BUILT_MODULE_NAME\[0\]="\(.*\)"$/\1/p' dkms.conf)
if [ -z "$fs_type" ] || [ "$mount_point" = /sys/fs/ ] || [ -z "$module" ]; then
	fail "the filesystem's name or mount point in driver/stock-fs.c, or the module's name in dkms.conf"
fi
[ "$(field Type)" = "$fs_type" ] || fail "$unit: Type=$(field Type), the module registers $fs_type"
[ "$(field What)" = "$fs_type" ] || fail "$unit: What=$(field What), not $fs_type"
[ "$(field Where)" = "$mount_point" ] || fail "$unit: Where=$(field Where), the module's mount point is $mount_point"
[ "$(systemd-escape --path --suffix=mount "$mount_point" 2>/dev/null || echo sys-fs-perfctr.mount)" = \
	"$(basename "$unit")" ] || fail "$unit: named other than its Where="
[ "$(field Options)" = nosuid,nodev,noexec ] || fail "$unit: Options=$(field Options)"
[ "$(field ConditionPathExists)" = "$mount_point" ] || fail "$unit: not conditional on $mount_point"
if [ "$(field Wants)" != "modprobe@$module.service" ] || [ "$(field After)" != "modprobe@$module.service" ]; then
	fail "$unit: does not load $module first (Wants=, After=modprobe@$module.service)"
fi
[ "$(field WantedBy)" = sysinit.target ] || fail "$unit: WantedBy=$(field WantedBy)"

# The module's sources: exactly driver/'s and the UAPI header, dkms.conf's
# build location with its Makefile, every object of the Makefile (both
# modes) from a source beside it, every quoted include found there, and the
# UAPI header where the Makefile's include path and the <uapi/...> includes
# look.
msrc=$dest/usr/src/perfctr-1.0
want=$( (for f in driver/Makefile driver/*.[ch] dkms.conf include/uapi/linux/perfctr.h; do
	[[ $f == *.mod.c ]] || echo "$f"
done) | sort)
[ "$(cd "$msrc" && find . -type f | sed 's|^\./||' | sort)" = "$want" ] ||
	fail "$msrc holds other files than driver/'s sources, dkms.conf and the UAPI header"
loc=$(sed -n 's/^BUILT_MODULE_LOCATION\[0\]="\(.*\)"$/\1/p' dkms.conf)
[ -f "$msrc/${loc}Makefile" ] || fail "dkms.conf's BUILT_MODULE_LOCATION $loc has no Makefile"
grep -q "M=\${dkms_tree}/\${PACKAGE_NAME}/\${PACKAGE_VERSION}/build/${loc%/} " dkms.conf ||
	fail "dkms.conf's MAKE[0] does not build in $loc"
objs=$(sed -n 's/^\(perfctr-y\|obj-m\) *+\?:\?= *//p' "$msrc/driver/Makefile")
[ -n "$objs" ] || fail "no objects in the installed driver/Makefile"
for o in $objs; do
	[ "$o" = "$module.o" ] || [ -f "$msrc/driver/${o%.o}.c" ] || fail "driver/Makefile's $o has no source"
done
for h in $(sed -n 's/^#include "\(.*\)"/\1/p' "$msrc"/driver/*.[ch] | sort -u); do
	[ -f "$msrc/driver/$h" ] || fail "#include \"$h\": not in the installed driver/"
done
grep -q '^ccflags-y := -I$(src)/../include$' "$msrc/driver/Makefile" ||
	fail "driver/Makefile's include path is not ../include"
for h in $(sed -n 's/^#include <\(uapi\/.*\)>/\1/p' "$msrc"/driver/*.[ch] | sort -u); do
	[ -f "$msrc/include/$h" ] || fail "#include <$h>: not in the installed include/"
done

# DKMS builds in $dkms_tree/NAME/VERSION/build from a copy of the sources,
# with the variables of dkms.conf expanded as it sources the file.
[ -f "$ktree/.config" ] || fail "$ktree: no kernel tree"
grep -q '^CONFIG_PERFCTR=y' "$ktree/.config" || fail "$ktree lacks CONFIG_PERFCTR"
dkms_tree=$(mktemp -d)
trap 'rm -rf "$dkms_tree"' EXIT
mkdir -p "$dkms_tree/perfctr/1.0"
cp -r "$dest/usr/src/perfctr-1.0" "$dkms_tree/perfctr/1.0/build"
(
	kernel_source_dir=$ktree
	# shellcheck disable=SC1091
	. "$dkms_tree/perfctr/1.0/build/dkms.conf"
	[ "$PACKAGE_NAME/$PACKAGE_VERSION" = perfctr/1.0 ] || fail "dkms.conf names $PACKAGE_NAME/$PACKAGE_VERSION"
	# shellcheck disable=SC2086
	${MAKE[0]} >"$dkms_tree/make.log" 2>&1 || { cat "$dkms_tree/make.log"; fail "dkms.conf's MAKE[0]"; }
	ko=$dkms_tree/perfctr/1.0/build/${BUILT_MODULE_LOCATION[0]}${BUILT_MODULE_NAME[0]}.ko
	[ -f "$ko" ] || fail "no $ko after MAKE[0]"
	release=$(make -s -C "$ktree" kernelrelease)
	strings "$ko" | grep -q "^vermagic=$release " || fail "$ko is not built for $release"
	echo "install-check: ${#expected[@]} paths, $pages man pages clean, the mount unit and the module's sources complete, dkms.conf builds perfctr.ko for $release"
)

# scripts/install-stock.sh, staged.
stage=$dest.stage
rm -rf "$stage"
log=$(mktemp)
trap 'rm -rf "$dkms_tree" "$log"' EXIT
stock() {
	scripts/install-stock.sh "$@" >"$log" 2>&1
}
stock_fails() {
	! stock "$@" || fail "install-stock.sh $* succeeded: $(cat "$log")"
}
said() {
	grep -qF -- "$1" "$log" || { cat "$log" >&2; fail "install-stock.sh did not say: $1"; }
}
[ -f "$stock_headers/include/config/kernel.release" ] || fail "$stock_headers: no stock headers"
srelease=$(cat "$stock_headers/include/config/kernel.release")
ko=$stage/lib/modules/$srelease/updates/dkms/perfctr.ko

# refusals, each with its reason
stock_fails --bogus
said "unknown argument '--bogus'"
stock_fails --kernel-source "$stock_headers"
said "--kernel-source is for a staged install"
stock_fails --stage "$stage"
said "--stage needs --kernel-source"
fake=$(mktemp -d)
mkdir -p "$fake/self/perfctr" "$fake/include/config"
PERFCTR_PROC=$fake stock --dry-run || fail "install-stock.sh on a patched kernel: $(cat "$log")"
said "has the perfctr series"
! grep -q '^+ ' "$log" || fail "install-stock.sh on a patched kernel went on: $(cat "$log")"
echo 6.1.0-28-amd64 >"$fake/include/config/kernel.release"
stock_fails --stage "$stage" --kernel-source "$fake" --dry-run
said "knows Linux 6.12's internals only"
rm -rf "$fake"
[ ! -e "$stage" ] || fail "a refused install-stock.sh wrote $stage"

# the dry run: every step, nothing written
stock --stage "$stage" --kernel-source "$stock_headers" --dry-run ||
	{ cat "$log" >&2; fail "install-stock.sh --dry-run"; }
steps=$(sed -n 's/^+ \([a-z]*\) .*/\1/p' "$log" | tr '\n' ' ')
[ "$steps" = "make mkdir dkms dkms dkms modprobe systemctl systemctl sh " ] ||
	{ cat "$log" >&2; fail "install-stock.sh --dry-run's steps: $steps"; }
said "+ make -s -C $PWD install PREFIX=/usr BUILD="
said " DESTDIR=$stage"
said "add -m perfctr -v 1.0"
said "build -m perfctr -v 1.0 -k $srelease"
said "install -m perfctr -v 1.0 -k $srelease"
said "+ systemctl enable --now sys-fs-perfctr.mount (staged: not run)"
[ ! -e "$stage" ] || fail "install-stock.sh --dry-run wrote $stage"

# the dry run on the running system, as if it ran the stock kernel (uname
# says so): what it would do here, read-only
fakebin=$(mktemp -d)
printf '#!/bin/sh\n[ "$1" = -r ] && echo %s || exec /bin/uname "$@"\n' "$srelease" >"$fakebin/uname"
chmod +x "$fakebin/uname"
before=$(ls -d /usr/src/perfctr-* /var/lib/dkms/perfctr 2>/dev/null || true)
PATH=$fakebin:$PATH stock --dry-run || { cat "$log" >&2; fail "install-stock.sh --dry-run, unstaged"; }
rm -rf "$fakebin"
steps=$(sed -n 's/^+ \([a-z-]*\) .*/\1/p' "$log" | tr '\n' ' ')
[[ $steps =~ ^(apt-get\ )?(rm\ )?make\ (dkms\ )+modprobe\ (systemctl\ systemctl|mount)\ sh\ $ ]] ||
	{ cat "$log" >&2; fail "install-stock.sh --dry-run's steps on the running system: $steps"; }
said "+ make -s -C $PWD install PREFIX=/usr BUILD="
said "build -m perfctr -v 1.0 -k $srelease"
said "dry run: nothing was changed"
if ! dpkg-query -W -f='${Status}\n' "linux-headers-$srelease" 2>/dev/null | grep -q 'ok installed'; then
	said "linux-headers-$srelease"
fi
[ "$(ls -d /usr/src/perfctr-* /var/lib/dkms/perfctr 2>/dev/null || true)" = "$before" ] ||
	fail "install-stock.sh --dry-run changed /usr/src or /var/lib/dkms"

# for real: DKMS builds and installs stock mode's module for the stock kernel
stock --stage "$stage" --kernel-source "$stock_headers" ||
	{ cat "$log" >&2; fail "install-stock.sh --stage"; }
[ -f "$ko" ] || { cat "$log" >&2; fail "install-stock.sh installed no $ko"; }
strings "$ko" | grep -q "^vermagic=$srelease " || fail "$ko is not built for $srelease"
strings "$ko" | grep -q "stock mode, files at $mount_point" || fail "$ko is not stock mode's"
cmp -s "$unit" "$stage/usr/lib/systemd/system/sys-fs-perfctr.mount" || fail "install-stock.sh: no mount unit"
# again: done already, no new build
stock --stage "$stage" --kernel-source "$stock_headers" ||
	{ cat "$log" >&2; fail "install-stock.sh --stage, the second time"; }
said "perfctr/1.0 is installed for $srelease, from these sources"
! grep -q ' build -m ' "$log" || fail "install-stock.sh built the module again: $(cat "$log")"
# and away: nothing of it is left
stock --stage "$stage" --uninstall || { cat "$log" >&2; fail "install-stock.sh --uninstall"; }
left=$(find "$stage" ! -type d ! -path "$stage/var/lib/dkms/*")
[ -z "$left" ] || fail "left after install-stock.sh --uninstall: $left"
[ -z "$(find "$stage/var/lib/dkms" -mindepth 1 ! -type d)" ] || fail "DKMS's tree not empty after the uninstall"
rm -rf "$stage"
echo "install-check: install-stock.sh (staged): refusals, dry run, DKMS build and install of perfctr.ko for $srelease, idempotent, uninstalled"
