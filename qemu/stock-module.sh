#!/bin/bash
# Build perfctr.ko for Debian's stock kernel the way a user would, through
# DKMS and dkms.conf, against the headers that stock-kernel.sh unpacked:
#   stock-module.sh STOCK DRIVER OUT
#   STOCK   the link stock-kernel.sh made (headers, release)
#   DRIVER  the module's sources (driver/)
#   OUT     work dir; the module ends up as OUT/perfctr.ko
# As `make install` lays the sources out in /usr/src/perfctr-1.0 (dkms.conf,
# driver/, include/uapi/linux/perfctr.h), then `dkms add` and `dkms build -k
# <release> --kernelsourcedir`, with a DKMS tree and a source tree of its
# own in OUT instead of the system's /var/lib/dkms and /usr/src: nothing is
# installed on the host.  DKMS signs the module only where it finds the
# target kernel's sign-file, which Debian ships in linux-kbuild-6.12 under
# /usr/lib, not in our unpacked copy: the module is unsigned, and the stock
# kernel (MODULE_SIG_FORCE off) loads it, tainted.
set -eu
stock=$(cd "$1" && pwd -P)
driver=$2
mkdir -p "$3"
out=$(cd "$3" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
release=$(cat "$stock/release")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$here/dkms.conf")
src=$out/src/perfctr-$version
tree=$out/dkms

rm -rf "${out:?}"/*
mkdir -p "$src/driver" "$src/include/uapi/linux" "$tree"
cp "$here/dkms.conf" "$src/"
# The sources only: kbuild's outputs of a patched-mode build may sit in
# driver/ beside them.
find "$driver" -maxdepth 1 -type f \( -name '*.[ch]' -o -name Makefile -o -name Kbuild \) \
	! -name '*.mod.c' -exec cp {} "$src/driver/" \;
cp "$here/include/uapi/linux/perfctr.h" "$src/include/uapi/linux/"

dkms=(dkms --dkmstree "$tree" --sourcetree "$out/src")
log=$out/dkms.log
if ! { "${dkms[@]}" add -m perfctr -v "$version" &&
	"${dkms[@]}" build -m perfctr -v "$version" -k "$release" \
		--kernelsourcedir "$stock/headers"; } >"$log" 2>&1; then
	cat "$log"
	make_log=$(find "$tree" -name make.log | head -n 1)
	if [ -n "$make_log" ]; then
		echo "== $make_log"
		tail -n 40 "$make_log"
	fi
	echo "stock-module: dkms build failed for $release (log: $log)" >&2
	exit 1
fi
built=$tree/perfctr/$version/$release/x86_64/module
if [ -f "$built/perfctr.ko" ]; then
	cp "$built/perfctr.ko" "$out/perfctr.ko"
elif [ -f "$built/perfctr.ko.xz" ]; then
	# busybox's insmod in the guest takes an uncompressed module.
	xz -dc "$built/perfctr.ko.xz" >"$out/perfctr.ko"
else
	cat "$log"
	echo "stock-module: DKMS built no module in $built" >&2
	exit 1
fi
grep -q "^vermagic=$release " <(strings "$out/perfctr.ko") || {
	echo "stock-module: $out/perfctr.ko is not built for $release" >&2
	exit 1
}
echo "stock-module: $out/perfctr.ko, built by DKMS for $release"
