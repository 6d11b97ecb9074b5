#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# install-check.sh DESTDIR KTREE: `make install PREFIX=/usr DESTDIR=...`
# into DESTDIR (emptied first), then check that the tree is complete, that
# its man pages format without warnings, that the installed perfex runs,
# and that the installed dkms.conf builds the module the way DKMS would,
# against the kernel tree KTREE.
set -eu
dest=$1
ktree=$2
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
	echo "install-check: ${#expected[@]} paths, $pages man pages clean, dkms.conf builds perfctr.ko for $release"
)
