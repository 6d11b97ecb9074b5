#!/bin/bash
# Install the Debian 12 packages the harness needs, only those missing, so
# that a fresh machine (CI, as root, no stdin) can run `make check`.
set -eu

packages=(
	make gcc libc6-dev patch xz-utils       # build tools, static libc
	flex bison bc libelf-dev libssl-dev     # kernel build
	linux-source-6.12                       # kernel source tarball
	sparse                                  # static checks of kernel code
	clang libclang-rt-14-dev                # the parser's fuzzer (libFuzzer)
	qemu-system-x86                         # the guest
	busybox-static bats cpio procps         # the guest's userspace
	pkg-config groff-base python3-docutils  # libperfctr's install, docs
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root, or install these packages first: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# QEMU's recommends pull in a GUI stack the headless guest does not need.
apt-get install -y -q --no-install-recommends "${missing[@]}"
