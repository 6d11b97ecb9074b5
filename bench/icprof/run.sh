#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile: where one benchmark workload spends its instructions, per
# kernel and module function, under each configuration, on the benchmark
# kernel booted with -icount and the icprof plugin (icprof.c).
#
#   run.sh KTREE MODULE BIN OUTDIR WORKLOAD OPS CONFIG...
#
# The guest (bench/profile.sh) runs `pcbench WORKLOAD CONFIG OPS` for each
# configuration between two `sync`s, the plugin's marks; the table divides
# each function's instructions by OPS and compares every configuration with
# the first.  Written to OUTDIR/profile.txt.
set -eu
if [ $# -lt 7 ]; then
	echo "usage: $0 KTREE MODULE BIN OUTDIR WORKLOAD OPS CONFIG..." >&2
	exit 2
fi
ktree=$(realpath "$1") module=$(realpath "$2") bin=$(realpath "$3")
out=$(realpath -m "$4") workload=$5 ops=$6
shift 6
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

mkdir -p "$out"
rm -rf "$out/bench" "$out/snapshots"
cp -r "$top/bench" "$out/bench"
printf 'workload=%s\nops=%s\nconfigs="%s"\n' "$workload" "$ops" "$*" \
	>"$out/bench/profile.conf"
gcc -shared -fPIC -fvisibility=hidden -O2 -Wall -Wextra \
	-o "$out/icprof.so" "$here/icprof.c"
mark=$(awk '$3 == "__x64_sys_sync" { print $1 }' "$ktree/System.map")
if [ -z "$mark" ]; then
	echo "run.sh: no __x64_sys_sync in $ktree/System.map" >&2
	exit 1
fi
"$top/qemu/initramfs.sh" "$out/profile.cpio.gz" "$top/shell-tests" "$bin" \
	"$module" "$top/demo" "$out/bench" >/dev/null
QEMU_PLUGIN="$out/icprof.so,mark=$mark,out=$out/snapshots" ICOUNT=1 \
	BENCH_NAME=profile BENCH_SCRIPT=profile.sh BENCH_ROUNDS=1 \
	"$top/qemu/run-vm.sh" bench "$ktree/arch/x86/boot/bzImage" \
	"$out/profile.cpio.gz" "$out"

text=$(awk '$1 == "text" { print $2 }' "$out/profile.out")
# A configuration given twice gets a second column, "CONFIG#2".
segments=()
declare -A seen=()
while read -r _ config a b; do
	seen[$config]=$((${seen[$config]:-0} + 1))
	label=$config
	[ "${seen[$config]}" -eq 1 ] || label=$config#${seen[$config]}
	segments+=(--segment "$label=$a:$b/$ops")
done < <(grep '^segment ' "$out/profile.out")
if [ ${#segments[@]} -eq 0 ] || [ -z "$text" ]; then
	echo "run.sh: the guest gave no segments; see $out/profile.out" >&2
	exit 1
fi
first=${segments[1]%%=*}
{
	echo "# make profile: pcbench $workload, $ops operations, instructions per operation"
	grep '^# pcbench ' "$out/profile.out" || true
	python3 "$here/icprof.py" "$out/snapshots" "$ktree/System.map" \
		--module "perfctr=$module@$text" "${segments[@]}" \
		--against "$first" --top "${PROFILE_TOP:-40}"
} | tee "$out/profile.txt"
