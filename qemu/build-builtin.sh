#!/bin/bash
# Build the test kernel with the driver built in, or reuse a cached build,
# and point the symlink $2 at it: build-builtin.sh CACHE LINK
#
# The kernel is build-kernel.sh's test kernel (x86_64) with driver/ put in
# its tree by kernel/in-tree.sh and CONFIG_PERFCTR_DRIVER=y: the driver
# registers with the hooks at boot and no module is ever loaded
# (`make check KERNEL=builtin`).  It starts from a copy of the test
# kernel's cached tree, so that only the driver is compiled and the kernel
# linked again: about 2 minutes on 2 cores, beside the 5 and more of a
# whole build.  The entry, kernel-builtin-<key>, is keyed by the test
# kernel's entry and by what in-tree.sh copies, so that every change of
# driver/ builds it again.
set -eu
cache=$1
link=$2
cd "$(dirname "$0")/.."
keep=2	# entries

if [ "${ARCH:-x86_64}" != x86_64 ]; then
	echo "build-builtin: x86_64 only" >&2
	exit 2
fi

# The test kernel first: built, or found in the cache.
mkdir -p "$(dirname "$link")"
base_link=$(dirname "$link")/linux-test
qemu/build-kernel.sh "$cache" "$base_link" test
base=$(readlink "$base_link")

# What in-tree.sh puts in the tree: the driver less stock mode, the uapi
# header, and the Kconfig and Makefile lines the script writes.
driver_files() {
	local f
	for f in kernel/in-tree.sh include/uapi/linux/perfctr.h driver/Makefile driver/*.[ch]; do
		case ${f##*/} in
		stock-* | *.mod.c) continue ;;
		esac
		echo "$f"
	done
}

key=$(
	{
		echo "base ${base##*/}"
		for f in qemu/build-builtin.sh $(driver_files); do
			echo "== $f"; cat "$f"
		done
	} | sha256sum | cut -c1-16
)
entry=$cache/kernel-builtin-$key

# build-kernel.sh's lock: no build, and no eviction of the base, meanwhile.
exec 9>"$cache/lock"
flock 9

if [ -d "$entry" ]; then
	echo "kernel: reusing $entry"
else
	rm -rf "$cache"/tmp.*
	tmp=$cache/tmp.kernel-builtin-$key
	log=$(dirname "$link")/kernel-build-builtin.log
	echo "kernel: building $entry from ${base##*/} (about 2 minutes; log in $log)"
	cp -a "$base" "$tmp"
	kernel/in-tree.sh "$tmp" >/dev/null
	(
		cd "$tmp"
		scripts/config --enable PERFCTR_DRIVER
		env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s olddefconfig
	)
	if ! grep -qx CONFIG_PERFCTR_DRIVER=y "$tmp/.config"; then
		echo "build-builtin: CONFIG_PERFCTR_DRIVER=y did not survive olddefconfig" >&2
		exit 1
	fi
	if ! env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		make -C "$tmp" -j"$(nproc)" bzImage >"$log" 2>&1; then
		tail -n 40 "$log"
		echo "kernel: build failed; full log in $log" >&2
		exit 1
	fi
	# A warning in the driver's own objects fails the build, as -Werror
	# would (the kernel's build does not stop for one).
	if grep -E '^drivers/perfctr/.*(warning|error):' "$log"; then
		echo "kernel: the driver built in has warnings; full log in $log" >&2
		exit 1
	fi
	mv -T "$tmp" "$entry"
	echo "kernel: built $entry"
fi

touch "$entry"
ls -1dt "$cache"/kernel-builtin-???????????????? | tail -n +$((keep + 1)) | xargs -r rm -rf
ln -sfn "$entry" "$link"
