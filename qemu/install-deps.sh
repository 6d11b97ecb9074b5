#!/bin/bash
# Install the Debian 12 packages the harness needs, only those missing, so
# that a fresh machine (CI, as root, no stdin) can run `make check`:
#   install-deps.sh [ARCH]
# ARCH is the guest's architecture: x86_64 (default) or arm64.  For arm64
# it also installs the cross compiler and QEMU's aarch64 system emulator,
# and unpacks the guest's arm64 user space (busybox, bash, coreutils,
# procps and their libraries) into $PERFCTR_CACHE/userspace-arm64, which
# qemu/initramfs.sh takes its programs from.
set -eu
arch=${1:-x86_64}
cache=${PERFCTR_CACHE:-/var/cache/perfctr}

packages=(
	make gcc libc6-dev patch xz-utils       # build tools, static libc
	flex bison bc libelf-dev libssl-dev     # kernel build
	linux-source-6.12                       # kernel source tarball
	sparse                                  # static checks of kernel code
	clang libclang-rt-14-dev                # the parser's fuzzer (libFuzzer)
	busybox-static bats cpio procps         # the guest's userspace
	pkg-config groff-base python3-docutils  # libperfctr's install, docs
	# libperfctr's 32-bit x86 build check (make -C lib cross-check): the
	# i686 cross compiler, since gcc-multilib conflicts with (and apt would
	# remove) the arm64 cross compiler, gcc-aarch64-linux-gnu
	gcc-i686-linux-gnu libc6-dev-i386-cross
	# stock mode (KERNEL=stock): DKMS builds the module against Debian's
	# own kernel headers (qemu/stock-kernel.sh), whose kbuild runs pahole
	dkms pahole
)
case $arch in
x86_64)
	packages+=(qemu-system-x86) ;;
arm64)
	packages+=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
*)
	echo "deps: unknown architecture '$arch' (x86_64 or arm64)" >&2
	exit 2 ;;
esac

# The guest's arm64 programs, and every library they load (closed by hand:
# qemu/initramfs.sh fails on a library missing here).  Unpacked, not
# installed: the host is not arm64.
guest_arm64=(
	busybox-static bash coreutils procps
	libc6 libgcc-s1 libtinfo6 libacl1 libattr1 libgmp10 libselinux1
	libpcre2-8-0 libproc2-0 libsystemd0 libcap2 libgcrypt20 libgpg-error0
	liblz4-1 liblzma5 libzstd1
)
userspace=$cache/userspace-$arch
stamp=$userspace/.packages

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$'; then
		missing+=("$p")
	fi
done
need_userspace=no
if [ "$arch" = arm64 ] && [ "$(cat "$stamp" 2>/dev/null)" != "${guest_arm64[*]}" ]; then
	need_userspace=yes
fi
[ ${#missing[@]} -eq 0 ] && [ $need_userspace = no ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root, or install these packages first: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
updated=no
if [ "$arch" = arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "deps: adding the arm64 architecture to dpkg"
	dpkg --add-architecture arm64
	apt-get update -q
	updated=yes
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	[ $updated = yes ] || apt-get update -q
	updated=yes
	# QEMU's recommends pull in a GUI stack the headless guest does not need.
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ $need_userspace = yes ]; then
	echo "deps: unpacking the arm64 guest user space into $userspace"
	[ $updated = yes ] || apt-get update -q
	debs=$(mktemp -d)
	trap 'rm -rf "$debs" "$userspace.tmp"' EXIT
	# apt-get download writes to the current directory; _apt must be able
	# to write there.
	chmod 777 "$debs"
	(cd "$debs" && apt-get download -q "${guest_arm64[@]/%/:arm64}" >/dev/null)
	rm -rf "$userspace.tmp"
	mkdir -p "$userspace.tmp"
	for deb in "$debs"/*.deb; do
		dpkg -x "$deb" "$userspace.tmp"
	done
	echo "${guest_arm64[*]}" >"$userspace.tmp/.packages"
	rm -rf "$userspace"
	mv -T "$userspace.tmp" "$userspace"
fi
