#!/bin/bash
# Build the guest's initramfs from the host's own binaries:
#   initramfs.sh OUT.cpio.gz TESTS_DIR BIN_DIR MODULE.ko DEMO_DIR BENCH_DIR
# The module, the demo dir and the bench dir are optional: missing ones are
# left out.
# Needs root (device node, file ownership in the archive).
set -eu
out=$1
tests=$2
bin=$3
module=$4
demo=$5
bench=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$out.d

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
# bash needs terminfo for line editing in `make shell`.
cp -a /lib/terminfo usr/lib/

cp -a /usr/bin/bats usr/bin/
cp -a /usr/lib/bats-core usr/lib/
mkdir -p usr/libexec
cp -a /usr/libexec/bats-core usr/libexec/

# busybox supplies every other command, without replacing what is there.
cp "$(command -v busybox)" usr/bin/busybox
for applet in $(usr/bin/busybox --list-full); do
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
