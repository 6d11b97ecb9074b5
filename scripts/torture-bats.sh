#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The one test of a `make torture` boot: torture-bats.sh "PCTORTURE ARGS"
# prints a bats file that runs pctorture with a set-uid copy of itself and
# module reloads, and then ARGS (SECONDS [SEED], after --forks N if given).
# On a KCSAN kernel it then prints KCSAN's counters (/sys/kernel/debug/kcsan:
# watchpoints set up, races seen, including those not reported again).
set -eu
cat <<BATS
#!/usr/bin/env bats
@test "pctorture $1" {
	cp "\$(command -v pctorture)" "\$BATS_TEST_TMPDIR/pctorture-setuid"
	chown 1000:1000 "\$BATS_TEST_TMPDIR/pctorture-setuid"
	chmod 4755 "\$BATS_TEST_TMPDIR/pctorture-setuid"
	run pctorture --reload /opt/perfctr/perfctr.ko \\
		--setuid "\$BATS_TEST_TMPDIR/pctorture-setuid" $1
	sed "s/^/# /" <<<"\$output" >&3
	if [ -r /sys/kernel/debug/kcsan ]; then
		sed "s/^/# kcsan: /" /sys/kernel/debug/kcsan >&3
	fi
	[ "\$status" -eq 0 ]
	grep -Eqx "torture: ops=[0-9]+ checks=[0-9]+ failures=0 seconds=[0-9]+" <<<"\$output"
}
BATS
