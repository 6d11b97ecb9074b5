#!/bin/bash
# Build a guest kernel, or reuse a cached build, and point the symlink $2
# at it: build-kernel.sh CACHE LINK [VARIANT]
#   test     (default) the patches of kernel/series, qemu/kernel.config and
#            qemu/test.config: the debug kernel `make check` boots
#   bench    the patches and qemu/kernel.config alone: no debug options
#   vanilla  qemu/kernel.config without CONFIG_PERFCTR and no patches: the
#            unpatched kernel the benchmarks compare against
#   rt       the test kernel on PREEMPT_RT (qemu/rt.config merged last)
#   kcsan    the test kernel with KCSAN instead of KASAN (qemu/kcsan.config
#            merged last)
# rt and kcsan are booted by `make torture` only, never by `make check`.
# ARCH=arm64 in the environment builds for arm64 (QEMU's `-M virt`) with
# the cross compiler; the default, x86_64, builds for the host.  Each
# architecture adds its own fragment, qemu/$ARCH.config, after
# qemu/kernel.config.
# Builds live in the cache dir as kernel-<variant>-<key> (x86_64) or
# kernel-<variant>-arm64-<key>, where the key hashes every input of the
# build.  The whole built tree is kept, not just
# bzImage: out-of-tree module builds need its Module.symvers, scripts and
# generated headers.
set -eu
cache=$1
link=$2
variant=${3:-test}
cd "$(dirname "$0")/.."
tarball=/usr/src/linux-source-6.12.tar.xz
keep=2	# entries per variant and architecture

# The architecture: what make gets, the image it builds, the entry's name.
arch=${ARCH:-x86_64}
case $arch in
x86_64 | x86)
	arch=x86_64
	kmake=(make)
	image=bzImage
	name=kernel-$variant
	# The kernel's make takes ARCH from the environment: keep it the host's.
	unset ARCH ;;
arm64)
	export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
	kmake=(make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	image=Image
	name=kernel-$variant-arm64 ;;
*)
	echo "build-kernel: unknown architecture '$arch' (x86_64 or arm64)" >&2
	exit 2 ;;
esac

# Patch file names from kernel/series, without comments and blank lines.
patches() {
	[ "$variant" != vanilla ] && [ -f kernel/series ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' kernel/series
}

# The config fragments, in merge order, written to the directory $1.
fragments() {
	case $variant in
	test)
		cp qemu/kernel.config "$1/10-kernel.config"
		cp qemu/test.config "$1/20-test.config" ;;
	bench)
		cp qemu/kernel.config "$1/10-kernel.config" ;;
	vanilla)
		grep -v '^CONFIG_PERFCTR=' qemu/kernel.config >"$1/10-kernel.config" ;;
	rt | kcsan)
		cp qemu/kernel.config "$1/10-kernel.config"
		cp qemu/test.config "$1/20-test.config"
		cp "qemu/$variant.config" "$1/30-$variant.config" ;;
	*)
		echo "build-kernel: unknown variant '$variant'" >&2
		exit 2 ;;
	esac
}

frags=$(mktemp -d)
trap 'rm -rf "$frags"' EXIT
fragments "$frags"
# The architecture's fragment comes after qemu/kernel.config (10-), before
# the variant's own (20- and later).
cp "qemu/$arch.config" "$frags/15-$arch.config"

key=$(
	{
		echo "variant $variant"
		echo "arch $arch"
		dpkg-query -W -f='linux-source-6.12 ${Version}\n' linux-source-6.12
		# A module must be built by the compiler that built its kernel.
		"${CROSS_COMPILE:-}gcc" --version | head -n 1
		for f in "$frags"/* qemu/configure-kernel.sh qemu/build-kernel.sh; do
			echo "== ${f##*/}"; cat "$f"
		done
		patches | while read -r p; do
			echo "== kernel/$p"; cat "kernel/$p"
		done
	} | sha256sum | cut -c1-16
)
entry=$cache/$name-$key

mkdir -p "$cache" "$(dirname "$link")"
# One build at a time: a second run with the same key waits, then reuses.
exec 9>"$cache/lock"
flock 9

if [ -d "$entry" ]; then
	echo "kernel: reusing $entry"
else
	# We hold the lock, so any temp dir is left over from an interrupted build.
	rm -rf "$cache"/tmp.*
	tmp=$cache/tmp.$name-$key
	log=$(dirname "$link")/kernel-build-$variant.log
	[ $arch = x86_64 ] || log=$(dirname "$link")/kernel-build-$variant-$arch.log
	echo "kernel: building $entry (about 5 minutes on 2 cores; log in $log)"
	mkdir "$tmp"
	tar -xJf "$tarball" -C "$tmp" --strip-components=1
	while read -r p; do
		echo "kernel: applying kernel/$p"
		patch -d "$tmp" -p1 --batch --forward -s -i "$PWD/kernel/$p"
	done < <(patches)
	qemu/configure-kernel.sh "$tmp" "$frags"/*
	# The caller's make variables (TESTS=, V=...) must not leak into a
	# build that the key does not describe.
	if ! env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		"${kmake[@]}" -C "$tmp" -j"$(nproc)" $image modules >"$log" 2>&1; then
		tail -n 40 "$log"
		echo "kernel: build failed; full log in $log" >&2
		exit 1
	fi
	# Renaming within one directory is atomic: an entry is always complete.
	mv -T "$tmp" "$entry"
	echo "kernel: built $entry"
fi

# Keep the most recently used entries of this variant and architecture
# only: the ? match the key's 16 digits, so that x86_64's kernel-test-*
# does not match arm64's kernel-test-arm64-*.
touch "$entry"
ls -1dt "$cache/$name"-???????????????? | tail -n +$((keep + 1)) | xargs -r rm -rf
# Entries named before variants existed.
find "$cache" -maxdepth 1 -name 'kernel-*' ! -name 'kernel-*-*' -exec rm -rf {} +
ln -sfn "$entry" "$link"
