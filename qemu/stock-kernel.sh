#!/bin/bash
# Fetch Debian's own, unpatched 6.12 kernel for stock mode (KERNEL=stock),
# or reuse the cached copy, and point the symlink $2 at it:
#   stock-kernel.sh CACHE LINK
# Downloads (apt-get download, nothing is installed) the image, its headers
# and the kbuild tools, unpacks them (dpkg-deb -x) into
# CACHE/stock-<release>, and prints the paths:
#   LINK/vmlinuz   the kernel the guest boots
#   LINK/headers   the headers dir a module builds against (make -C, or
#                  DKMS's --kernelsourcedir)
#   LINK/modules   the image's /lib/modules/<release>, with modules.dep
#   LINK/release   the release (uname -r), one line
# x86_64 only: Debian's arm64 image is not booted yet.
set -eu
case ${ARCH:-x86_64} in
x86_64 | x86) ;;
*)
	echo "stock-kernel: KERNEL=stock is x86_64 only for now (ARCH=${ARCH})" >&2
	exit 2 ;;
esac

mkdir -p "$1"
cache=$(cd "$1" && pwd)	# absolute: the headers' Makefile will name it
link=$2

# The pinned kernel, in this one place.  6.12.118 is the release of the
# linux-source-6.12 package the patched kernel is built from (build-kernel.sh
# takes /usr/src/linux-source-6.12.tar.xz), so both modes run the same
# upstream code, and the one stock-kernel.md's measurements were made on.
# bookworm-security keeps a few older 6.12 releases besides the newest; when
# this one leaves the archive, move both pins to the newest
# (apt-cache search --names-only '^linux-image-6.12.*+deb12-amd64-unsigned$')
# and check the notes still hold.
upstream=6.12.118
debian=6.12.118-1~deb12u1
release=$upstream+deb12-amd64
packages=(
	"linux-image-$release-unsigned"	# vmlinuz and the modules, unsigned
	"linux-headers-$release"	# .config, Module.symvers, generated headers
	"linux-headers-$upstream+deb12-common"	# the headers themselves
	"linux-kbuild-$upstream+deb12"	# scripts/ (fixdep, modpost), built for amd64
)

entry=$cache/stock-$release
common=$entry/usr/src/linux-headers-$upstream+deb12-common

mkdir -p "$(dirname "$link")"
# A lock of its own: build-kernel.sh holds "lock" for a whole kernel build,
# and removes tmp.* when it starts one, hence this script's *.tmp names.
exec 9>"$cache/stock.lock"
flock 9

if [ -f "$entry/.debian-version" ] && [ "$(cat "$entry/.debian-version")" = "$debian" ]; then
	echo "stock-kernel: reusing $entry"
else
	tmp=$entry.tmp
	debs=$entry.debs
	rm -rf "$tmp" "$debs"
	mkdir -p "$tmp" "$debs"
	# apt-get download writes to the current directory as _apt.
	chmod 777 "$debs"
	echo "stock-kernel: downloading Debian's $release ($debian)"
	download() {
		(cd "$debs" && apt-get download -q "${packages[@]/%/=$debian}" >/dev/null)
	}
	if ! download; then
		[ "$(id -u)" = 0 ] && apt-get update -q >/dev/null && download || {
			echo "stock-kernel: cannot download $debian (apt-cache policy" \
				"linux-image-$release-unsigned); see the pin in $0" >&2
			exit 1
		}
	fi
	for deb in "$debs"/*.deb; do
		dpkg-deb -x "$deb" "$tmp"
	done
	rm -rf "$debs"
	# The headers' Makefile includes the common half by its installed,
	# absolute path (/usr/src/...): point it at the unpacked copy, where it
	# will be once renamed.  The other links (scripts, tools) are relative.
	t_headers=$tmp/usr/src/linux-headers-$release
	sed -i "s|^include /usr/src/|include $entry/usr/src/|" "$t_headers/Makefile"
	grep -q "^include $common/Makefile\$" "$t_headers/Makefile" || {
		echo "stock-kernel: unexpected $t_headers/Makefile:" >&2
		cat "$t_headers/Makefile" >&2
		exit 1
	}
	# lib/modules/<release>/build and source point at /usr/src: relative.
	ln -sfn "../../../usr/src/linux-headers-$release" "$tmp/lib/modules/$release/build"
	ln -sfn "../../../usr/src/linux-headers-$upstream+deb12-common" \
		"$tmp/lib/modules/$release/source"
	# The package leaves modules.dep to the installed system's depmod.
	depmod -b "$tmp" "$release"
	ln -s "boot/vmlinuz-$release" "$tmp/vmlinuz"
	ln -s "usr/src/linux-headers-$release" "$tmp/headers"
	ln -s "lib/modules/$release" "$tmp/modules"
	echo "$release" >"$tmp/release"
	echo "$debian" >"$tmp/.debian-version"
	rm -rf "$entry"
	mv -T "$tmp" "$entry"
	echo "stock-kernel: unpacked into $entry"
fi
ln -sfn "$entry" "$link"
echo "stock-kernel: vmlinuz $link/vmlinuz"
echo "stock-kernel: headers $link/headers"
echo "stock-kernel: modules $link/modules"
