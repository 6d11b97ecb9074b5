#!/bin/bash
# Kernel-style checks of the project's kernel code, with the tools of the
# built kernel tree $1: checkpatch.pl --strict on every patch of
# kernel/series and on driver/, and sparse (make C=2) on the module; and,
# given the headers of a stock kernel as $2, sparse on the module's stock
# mode too (Documentation/perfctr-stock.rst).
# Prints what it finds and exits non-zero on any finding.
set -eu
tree=$1
stock=${2:-}
cd "$(dirname "$0")/.."
failed=0

# Run from the top of the kernel tree, as checkpatch expects (from inside
# this git repository it misreads the patches' blank context lines).
checkpatch() {
	local out
	if ! out=$(cd "$tree" && scripts/checkpatch.pl --strict --quiet \
		--no-summary --show-types "$@" 2>&1) || [ -n "$out" ]; then
		echo "$out"
		failed=1
	fi
}

while read -r patch; do
	checkpatch "$PWD/kernel/$patch"
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' kernel/series)
# The sources only, not kbuild's generated perfctr.mod.c.
mapfile -t sources < <(git ls-files 'driver/*.[ch]' 'include/*.h')
checkpatch -f "${sources[@]/#/$PWD/}"

# Sparse rechecks every file (C=2); kbuild prints warnings on stderr.
sparse_out=$(make -s -C "$tree" M="$PWD/driver" C=2 modules 2>&1 >/dev/null |
	grep -v '^make' || true)
if [ -n "$sparse_out" ]; then
	echo "$sparse_out"
	failed=1
fi

# Stock mode from a copy: driver/ holds the patched build's objects.
if [ -n "$stock" ]; then
	copy=$(mktemp -d)
	trap 'rm -rf "$copy"' EXIT
	mkdir "$copy/driver"
	cp driver/Makefile $(git ls-files 'driver/*.[ch]') "$copy/driver/"
	ln -s "$PWD/include" "$copy/include"
	sparse_out=$(make -s -C "$stock" M="$copy/driver" C=2 modules 2>&1 >/dev/null |
		grep -v '^make' || true)
	if [ -n "$sparse_out" ]; then
		echo "$sparse_out"
		failed=1
	fi
fi

if [ $failed = 0 ]; then
	echo "lint: checkpatch --strict and sparse are clean on kernel/ and driver/${stock:+ (patched and stock)}"
else
	echo "lint: FAILED" >&2
fi
exit $failed
