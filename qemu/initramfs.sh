#!/bin/bash
# Build the guest's initramfs from the host's own binaries:
#   initramfs.sh OUT.cpio.gz TESTS_DIR BIN_DIR MODULE.ko DEMO_DIR BENCH_DIR
# The module, the demo dir and the bench dir are optional: missing ones are
# left out.
# Needs root (device node, file ownership in the archive).
# ARCH=arm64 in the environment takes the guest's programs and libraries
# from the arm64 packages that qemu/install-deps.sh unpacked into
# $PERFCTR_CACHE/userspace-arm64 instead of the host's own; bats (shell
# scripts) and terminfo come from the host either way.
set -eu
out=$1
tests=$2
bin=$3
module=$4
demo=$5
bench=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$out.d
arch=${ARCH:-x86_64}
case $arch in
x86_64 | x86) arch=x86_64 ;;
arm64) userspace=${PERFCTR_CACHE:-/var/cache/perfctr}/userspace-arm64 ;;
*)
	echo "initramfs: unknown architecture '$arch' (x86_64 or arm64)" >&2
	exit 2 ;;
esac

# Dynamically linked host programs, copied with their libraries. bats 1.8.2
# runs fine on busybox's coreutils, grep, sed and find; the others are
# commands the tests use that Debian's busybox lacks. A program that turns
# out to misbehave as a busybox applet is added here by name.
host_programs="bash install pgrep pkill"

rm -rf "$root"
mkdir -p "$root"
cd "$root"

# The merged-/usr layout of the host, so that library paths printed by
# ldd (/lib/..., /lib64/...) are valid in the guest too.
mkdir -p usr/bin usr/sbin usr/lib usr/lib64 etc proc sys dev tmp root \
	home/tester opt/perfctr/bin opt/perfctr/tests
ln -s usr/bin bin
ln -s usr/sbin sbin
ln -s usr/lib lib
ln -s usr/lib64 lib64
chmod 1777 tmp
chmod 700 root
chown 1000:1000 home/tester
# The kernel opens the console for init before devtmpfs is mounted.
mknod -m 600 dev/console c 5 1

# arm64: the file the unpacked packages have at $1 (bin, sbin, lib under /
# or /usr: Debian 12's packages are not all merged-/usr yet).
arm64_file() {
	local d
	for d in "$userspace/usr" "$userspace"; do
		if [ -e "$d/$1" ]; then
			echo "$d/$1"
			return
		fi
	done
	echo "initramfs: $1 is not in $userspace; run qemu/install-deps.sh arm64" >&2
	return 1
}

# arm64: copy the program or library $1 (a path in the unpacked packages)
# to $2 in the image, with the dynamic loader and every library it needs,
# found through the ELF headers: the host cannot run the arm64 ldd.
arm64_copy() {
	local src=$1 dst=$2 lib interp
	[ -e "$dst" ] && return 0
	cp -L "$src" "$dst"
	interp=$(readelf -lW "$src" | sed -n 's/.*program interpreter: \(.*\)]/\1/p')
	if [ -n "$interp" ]; then
		arm64_copy "$(arm64_file "${interp#/}")" "./usr$interp"
	fi
	for lib in $(readelf -dW "$src" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		arm64_copy "$(arm64_file "lib/aarch64-linux-gnu/$lib")" \
			"usr/lib/aarch64-linux-gnu/$lib"
	done
}

if [ "$arch" = arm64 ]; then
	mkdir -p usr/lib/aarch64-linux-gnu
	for prog in $host_programs; do
		arm64_copy "$(arm64_file "bin/$prog")" "usr/bin/$prog"
	done
else
	for prog in $host_programs; do
		path=$(command -v "$prog")
		cp -L "$path" "usr/bin/$prog"
		# Lines look like "libc.so.6 => /lib/.../libc.so.6 (0x...)", and one
		# "/lib64/ld-linux-x86-64.so.2 (0x...)" for the dynamic loader.
		ldd "$path" | grep -o '/[^ ]*' | while read -r lib; do
			mkdir -p ".$(dirname "$lib")"
			cp -L "$lib" ".$lib"
		done
	done
fi
# bash needs terminfo for line editing in `make shell`.
cp -a /lib/terminfo usr/lib/

cp -a /usr/bin/bats usr/bin/
cp -a /usr/lib/bats-core usr/lib/
mkdir -p usr/libexec
cp -a /usr/libexec/bats-core usr/libexec/

# busybox supplies every other command, without replacing what is there.
# The applets are listed by the host's busybox, which cannot run the arm64
# one: Debian builds busybox-static with one configuration for every
# architecture.
if [ "$arch" = arm64 ]; then
	cp "$(arm64_file bin/busybox)" usr/bin/busybox
else
	cp "$(command -v busybox)" usr/bin/busybox
fi
for applet in $(busybox --list-full); do
	if [ ! -e "$applet" ] && [ ! -L "$applet" ]; then
		ln -s /usr/bin/busybox "$applet"
	fi
done

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
tester:x:1000:1000:tester:/home/tester:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >etc/group <<'EOF'
root:x:0:
tester:x:1000:
nogroup:x:65534:
EOF

install -m 755 "$here/init" init

# The tests and their helpers must be readable (and the helpers runnable)
# by the unprivileged users that some tests switch to.
cp -r "$tests/." opt/perfctr/tests/
if [ -d "$bin" ]; then
	cp -r "$bin/." opt/perfctr/bin/
fi
if [ -f "$module" ]; then
	install -m 644 "$module" opt/perfctr/perfctr.ko
fi
# Stock mode's mount unit, where make install PREFIX=/usr puts it: the guest
# has no systemd, and a test mounts what the unit says by hand.
install -D -m 644 "$here/../systemd/sys-fs-perfctr.mount" \
	usr/lib/systemd/system/sys-fs-perfctr.mount
if [ -d "$demo" ]; then
	cp -r "$demo" opt/perfctr/demo
fi
if [ -n "$bench" ] && [ -d "$bench" ]; then
	cp -r "$bench" opt/perfctr/bench
fi
chmod -R u+rwX,go+rX,go-w opt

find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio -o -H newc --quiet | gzip -6 >"$out"
echo "initramfs: $out ($(du -k "$out" | cut -f1) KiB)"
