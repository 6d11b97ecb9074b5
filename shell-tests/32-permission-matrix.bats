#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The permission matrix: who may read each file of /proc/<pid>/perfctr/, map
# the page and write control, of which task, through a descriptor it opened
# itself and through one another process opened.  Each table line below is
# checked cell by cell against the kernel; every mismatching cell is listed
# before the test fails.  The same matrix is the table of "Permissions" in
# Documentation/perfctr-reliability.rst: change both together.
#
# A cell's result is "ok", or the errno and the system call that failed:
# EACCES@open, EACCES@read, EACCES@write, EPERM@mmap, ENOENT@open.  Columns:
#   read     control, id, counts, children and lost, each opened and read
#            (five cells, one expected result)
#   page     the page file opened and mapped (mmap(2) of one page)
#   write    "tsc" written to control: no perf permission needed
#   write-k  "page-faults" written: a perf event counting kernel mode, which
#            perf_event_paranoid 2 (set here) refuses to unprivileged users
# A write cell also checks, as root, that the target's id changed exactly
# when the write succeeded.  Any cell that differs from its expected result
# fails the test.
#
# Targets, each a "pcperm target" paused on its own control "tsc":
#   R  a task of root
#   U  a task of uid 1000
#   N  a task of uid 1000 made non-dumpable by prctl(PR_SET_DUMPABLE, 0)
#   S  a task of uid 1000 that exec'd a set-uid root binary (real uid 1000,
#      effective and saved uid 0: non-dumpable)
#   P  a task of uid 1000 in a PID namespace of its own
#   self  the subject itself
# Subjects, each running pcperm:
#   root, same (uid 1000), other (uid 1001), nondump (uid 1000,
#   non-dumpable), setuid (uid 1000 running a set-uid root copy of pcperm),
#   pidns (uid 1000 in a new PID namespace with its own /proc, where the
#   targets have no pid), pidns-hostproc (the same with the initial
#   namespace's /proc)

load helpers

USER_ID=1000
OTHER_ID=1001
WRITE=tsc
WRITE_K=page-faults
READS="control id counts children lost"

setup() {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	JOBS=()
	declare -gA TPID=()
	START=$SECONDS
	CELLS=0
	FAILS=()
	SEQ=0
	# names of abstract sockets are global: one set per test
	NS=pm$BATS_TEST_NUMBER
	cp "$(command -v pcperm)" /tmp/pcperm-setuid
	chown 0:0 /tmp/pcperm-setuid
	chmod 4755 /tmp/pcperm-setuid
}

teardown() {
	local pid
	# KILL: the target in a PID namespace is its namespace's init, which
	# other signals from outside do not reach
	for pid in "${TPID[@]}" "${JOBS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pid in "${JOBS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -f /tmp/pcperm-setuid
	echo "$PARANOID" > /proc/sys/kernel/perf_event_paranoid
}

# subject WHO ARG...: pcperm ARG... as subject WHO
subject() {
	local who=$1
	shift
	case $who in
	root) pcperm "$@" ;;
	same) runas $USER_ID $USER_ID pcperm "$@" ;;
	other) runas $OTHER_ID $OTHER_ID pcperm "$@" ;;
	nondump) runas $USER_ID $USER_ID pcperm -n "$@" ;;
	setuid) runas $USER_ID $USER_ID /tmp/pcperm-setuid "$@" ;;
	pidns) pcperm pidns --proc runas $USER_ID $USER_ID pcperm "$@" ;;
	pidns-hostproc) pcperm pidns runas $USER_ID $USER_ID pcperm "$@" ;;
	*) echo "unknown subject $who" >&2; return 1 ;;
	esac
}

# start_targets: R U N S P, each serving "pcperm ask" on $NS-<letter>.
start_targets() {
	local t
	pcperm target "$NS-R" tsc 3>&- &
	JOBS+=($!)
	runas $USER_ID $USER_ID pcperm target "$NS-U" tsc 3>&- &
	JOBS+=($!)
	runas $USER_ID $USER_ID pcperm -n target "$NS-N" tsc 3>&- &
	JOBS+=($!)
	# descriptor 9: its own control, opened before the set-uid exec
	runas $USER_ID $USER_ID pcperm keep-control \
		/tmp/pcperm-setuid target "$NS-S" tsc 3>&- &
	JOBS+=($!)
	pcperm pidns runas $USER_ID $USER_ID pcperm target "$NS-P" tsc 3>&- &
	JOBS+=($!)
	for t in R U N S P; do
		# the pid as seen here, also for P (SO_PEERCRED)
		TPID[$t]=$(pcperm ask "$NS-$t" pid)
		[ "${TPID[$t]}" -gt 1 ]
		[ "$(cat "$(pcf id "${TPID[$t]}")")" -gt 0 ]
	done
	# what the targets are meant to be
	[ "$(awk '/^Uid:/ { print $2, $3 }' "/proc/${TPID[R]}/status")" = "0 0" ]
	[ "$(awk '/^Uid:/ { print $2, $3 }' "/proc/${TPID[U]}/status")" = "1000 1000" ]
	[ "$(awk '/^Uid:/ { print $2, $3 }' "/proc/${TPID[S]}/status")" = "1000 0" ]
	[ "$(awk '/^NSpid:/ { print NF }' "/proc/${TPID[P]}/status")" = 3 ]
	[ "$(awk '/^NSpid:/ { print NF }' "/proc/${TPID[U]}/status")" = 2 ]
}

# cell NAME EXPECTED ACTUAL: one checked cell.  EXPECTED is what the
# documentation says; any other result is a mismatch.
cell() {
	CELLS=$((CELLS + 1))
	[ "$3" = "$2" ] || FAILS+=("$1: expected $2, got $3")
}

# read_cells NAME EXPECTED-READ EXPECTED-PAGE RESULTS: the five reads and
# the page, RESULTS being pcperm's line for "$READS page"
read_cells() {
	local name=$1 want_read=$2 want_page=$3 f i=0
	local -a got
	read -r -a got <<<"$4"
	for f in $READS; do
		cell "$name $f" "$want_read" "${got[i]:-none}"
		i=$((i + 1))
	done
	cell "$name page" "$want_page" "${got[i]:-none}"
	[ "${#got[@]}" -eq 6 ] || FAILS+=("$name: pcperm said '$4'")
}

target_id() {
	local id
	read -r id < "$(pcf id "${TPID[$1]}")"
	echo "$id"
}

# write_cell NAME TARGET EXPECTED CMD...: CMD writes to TARGET's control
# and prints its result; the target's id must change exactly when it says ok
write_cell() {
	local name=$1 t=$2 want=$3 before after got
	shift 3
	[ "$t" = self ] || before=$(target_id "$t")
	got=$("$@")
	if [ "$t" != self ]; then
		after=$(target_id "$t")
		if [ "$got" = ok ] && [ "$after" = "$before" ]; then
			got="ok-but-id-unchanged"
		elif [ "$got" != ok ] && [ "$after" != "$before" ]; then
			got="$got-but-id-changed"
		fi
	fi
	cell "$name" "$want" "$got"
}

# finish: report the cells and every mismatch
finish() {
	local f
	echo "# $CELLS cells, ${#FAILS[@]} mismatches, $((SECONDS - START)) s" >&3
	for f in "${FAILS[@]}"; do
		echo "MISMATCH $f"
	done
	[ "$CELLS" -gt 0 ]
	[ "${#FAILS[@]}" -eq 0 ]
}

# target_path T: the pid to name target T by, as the subject sees it
target_path() {
	if [ "$1" = self ]; then echo self; else echo "${TPID[$1]}"; fi
}

@test "own descriptors: 7 subjects on 5 targets and on themselves" {
	start_targets
	local who t want_read want_page want_w want_k p
	while read -r who t want_read want_page want_w want_k; do
		[[ -z $who || $who == '#'* ]] && continue
		p=$(target_path "$t")
		read_cells "$who->$t" "$want_read" "$want_page" \
			"$(subject "$who" probe "$p" $READS page)"
		write_cell "$who->$t write" "$t" "$want_w" \
			subject "$who" probe "$p" "w=$WRITE"
		write_cell "$who->$t write-k" "$t" "$want_k" \
			subject "$who" probe "$p" "w=$WRITE_K"
	done <<'EOF'
# subject	target	read	page	write	write-k
root	R	ok	EPERM@mmap	ok	ok
root	U	ok	EPERM@mmap	ok	ok
root	N	ok	EPERM@mmap	ok	ok
root	S	ok	EPERM@mmap	ok	ok
root	P	ok	EPERM@mmap	ok	ok
root	self	ok	ok	ok	ok
same	R	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
same	U	ok	EPERM@mmap	ok	EACCES@write
same	N	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
same	S	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
same	P	ok	EPERM@mmap	ok	EACCES@write
same	self	ok	ok	ok	EACCES@write
other	R	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
other	U	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
other	N	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
other	S	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
other	P	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
other	self	ok	ok	ok	EACCES@write
nondump	R	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
nondump	U	ok	EPERM@mmap	ok	EACCES@write
nondump	N	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
nondump	S	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
nondump	P	ok	EPERM@mmap	ok	EACCES@write
nondump	self	ok	ok	ok	EACCES@write
setuid	R	ok	EPERM@mmap	ok	ok
setuid	U	ok	EPERM@mmap	ok	ok
setuid	N	ok	EPERM@mmap	ok	ok
setuid	S	ok	EPERM@mmap	ok	ok
setuid	P	ok	EPERM@mmap	ok	ok
setuid	self	ok	ok	ok	ok
pidns	R	ENOENT@open	ENOENT@open	ENOENT@open	ENOENT@open
pidns	U	ENOENT@open	ENOENT@open	ENOENT@open	ENOENT@open
pidns	N	ENOENT@open	ENOENT@open	ENOENT@open	ENOENT@open
pidns	S	ENOENT@open	ENOENT@open	ENOENT@open	ENOENT@open
pidns	P	ENOENT@open	ENOENT@open	ENOENT@open	ENOENT@open
pidns	self	ok	ok	ok	EACCES@write
pidns-hostproc	R	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
pidns-hostproc	U	ok	EPERM@mmap	ok	EACCES@write
pidns-hostproc	N	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
pidns-hostproc	S	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
pidns-hostproc	P	ok	EPERM@mmap	ok	EACCES@write
pidns-hostproc	self	ok	ok	ok	EACCES@write
EOF
	finish
}

# passed OPENER USER T OP...: OPENER opens T's files, USER uses the
# descriptors; prints USER's results
passed() {
	local opener=$1 user=$2 t=$3 name
	shift 3
	SEQ=$((SEQ + 1))
	name=$NS-h$SEQ
	# the holder exits once the fetcher is done, or after 30 s; it must
	# not hold this command substitution's pipe or bats' descriptor 3
	subject "$opener" hold "$name" "${TPID[$t]}" "$@" >/dev/null 3>&- &
	subject "$user" fetch "$name" "$@"
}

@test "descriptors passed between subjects: reads judged by the reader, writes by the opener" {
	start_targets
	local opener user t want_read want_page want_w want_k
	while read -r opener user t want_read want_page want_w want_k; do
		[[ -z $opener || $opener == '#'* ]] && continue
		read_cells "$opener=>$user->$t" "$want_read" "$want_page" \
			"$(passed "$opener" "$user" "$t" $READS page)"
		write_cell "$opener=>$user->$t write" "$t" "$want_w" \
			passed "$opener" "$user" "$t" "w=$WRITE"
		write_cell "$opener=>$user->$t write-k" "$t" "$want_k" \
			passed "$opener" "$user" "$t" "w=$WRITE_K"
	done <<'EOF'
# opener	user	target	read	page	write	write-k
root	same	R	EACCES@read	EPERM@mmap	ok	ok
root	same	U	ok	EPERM@mmap	ok	ok
root	same	N	EACCES@read	EPERM@mmap	ok	ok
root	same	S	EACCES@read	EPERM@mmap	ok	ok
root	same	P	ok	EPERM@mmap	ok	ok
root	other	R	EACCES@read	EPERM@mmap	ok	ok
root	other	U	EACCES@read	EPERM@mmap	ok	ok
root	other	N	EACCES@read	EPERM@mmap	ok	ok
root	other	S	EACCES@read	EPERM@mmap	ok	ok
root	other	P	EACCES@read	EPERM@mmap	ok	ok
root	pidns	R	EACCES@read	EPERM@mmap	ok	ok
root	pidns	U	ok	EPERM@mmap	ok	ok
root	pidns	N	EACCES@read	EPERM@mmap	ok	ok
root	pidns	S	EACCES@read	EPERM@mmap	ok	ok
root	pidns	P	ok	EPERM@mmap	ok	ok
same	root	R	ok	EPERM@mmap	EACCES@open	EACCES@open
same	root	U	ok	EPERM@mmap	ok	EACCES@write
same	root	N	ok	EPERM@mmap	EACCES@open	EACCES@open
same	root	S	ok	EPERM@mmap	EACCES@open	EACCES@open
same	root	P	ok	EPERM@mmap	ok	EACCES@write
same	setuid	R	ok	EPERM@mmap	EACCES@open	EACCES@open
same	setuid	U	ok	EPERM@mmap	ok	EACCES@write
same	setuid	N	ok	EPERM@mmap	EACCES@open	EACCES@open
same	setuid	S	ok	EPERM@mmap	EACCES@open	EACCES@open
same	setuid	P	ok	EPERM@mmap	ok	EACCES@write
same	other	R	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
same	other	U	EACCES@read	EPERM@mmap	ok	EACCES@write
same	other	N	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
same	other	S	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
same	other	P	EACCES@read	EPERM@mmap	ok	EACCES@write
other	same	R	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
other	same	U	ok	EPERM@mmap	EACCES@open	EACCES@open
other	same	N	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
other	same	S	EACCES@read	EPERM@mmap	EACCES@open	EACCES@open
other	same	P	ok	EPERM@mmap	EACCES@open	EACCES@open
EOF
	finish
}

@test "a target's own descriptors in others' hands, and others' descriptors in the target's" {
	start_targets
	local how who t want_read want_page want_w want_k
	# "use WHO T": WHO opens T's files and T uses them (T never opened
	# its page itself, so it may not map it yet); "give T WHO": T opens
	# its own files and WHO uses them; "self - T": T on its own files
	while read -r how who t want_read want_page want_w want_k; do
		[[ -z $how || $how == '#'* ]] && continue
		case $how in
		use)
			read_cells "$who=>$t->$t" "$want_read" "$want_page" \
				"$(subject "$who" ask "$NS-$t" use "${TPID[$t]}" $READS page)"
			write_cell "$who=>$t->$t write" "$t" "$want_w" \
				subject "$who" ask "$NS-$t" use "${TPID[$t]}" "w=$WRITE"
			write_cell "$who=>$t->$t write-k" "$t" "$want_k" \
				subject "$who" ask "$NS-$t" use "${TPID[$t]}" "w=$WRITE_K"
			;;
		give)
			read_cells "$t=>$who->$t" "$want_read" "$want_page" \
				"$(subject "$who" ask "$NS-$t" give $READS page)"
			write_cell "$t=>$who->$t write" "$t" "$want_w" \
				subject "$who" ask "$NS-$t" give "w=$WRITE"
			write_cell "$t=>$who->$t write-k" "$t" "$want_k" \
				subject "$who" ask "$NS-$t" give "w=$WRITE_K"
			;;
		self)
			read_cells "$t->$t" "$want_read" "$want_page" \
				"$(pcperm ask "$NS-$t" self $READS page)"
			write_cell "$t->$t write" "$t" "$want_w" \
				pcperm ask "$NS-$t" self "w=$WRITE"
			write_cell "$t->$t write-k" "$t" "$want_k" \
				pcperm ask "$NS-$t" self "w=$WRITE_K"
			;;
		again)
			# the page once T opened its own: a descriptor WHO
			# opened maps too (the page is ready)
			cell "$who=>$t->$t page, after its own open" "$want_page" \
				"$(subject "$who" ask "$NS-$t" use "${TPID[$t]}" page)"
			;;
		esac
	done <<'EOF'
# how	who	target	read	page	write	write-k
use	root	R	ok	EPERM@mmap	ok	ok
use	root	U	ok	EPERM@mmap	ok	ok
use	root	N	ok	EPERM@mmap	ok	ok
use	root	S	ok	EPERM@mmap	ok	ok
use	root	P	ok	EPERM@mmap	ok	ok
use	same	R	ok	EPERM@mmap	EACCES@open	EACCES@open
use	same	U	ok	EPERM@mmap	ok	EACCES@write
use	same	N	ok	EPERM@mmap	EACCES@open	EACCES@open
use	same	S	ok	EPERM@mmap	EACCES@open	EACCES@open
use	same	P	ok	EPERM@mmap	ok	EACCES@write
use	other	R	ok	EPERM@mmap	EACCES@open	EACCES@open
use	other	U	ok	EPERM@mmap	EACCES@open	EACCES@open
use	other	N	ok	EPERM@mmap	EACCES@open	EACCES@open
use	other	S	ok	EPERM@mmap	EACCES@open	EACCES@open
use	other	P	ok	EPERM@mmap	EACCES@open	EACCES@open
self	-	R	ok	ok	ok	ok
self	-	U	ok	ok	ok	EACCES@write
self	-	N	ok	ok	ok	EACCES@write
self	-	S	ok	ok	ok	ok
self	-	P	ok	ok	ok	EACCES@write
again	root	R	-	ok	-	-
again	root	U	-	ok	-	-
again	root	N	-	ok	-	-
again	root	S	-	ok	-	-
again	root	P	-	ok	-	-
again	other	U	-	ok	-	-
give	root	R	ok	EPERM@mmap	ok	ok
give	root	U	ok	EPERM@mmap	ok	EACCES@write
give	root	N	ok	EPERM@mmap	EACCES@write	EACCES@write
give	root	S	ok	EPERM@mmap	ok	ok
give	root	P	ok	EPERM@mmap	ok	EACCES@write
give	other	R	EACCES@read	EPERM@mmap	ok	ok
give	other	U	EACCES@read	EPERM@mmap	ok	EACCES@write
give	other	N	EACCES@read	EPERM@mmap	EACCES@write	EACCES@write
give	other	S	EACCES@read	EPERM@mmap	ok	ok
give	other	P	EACCES@read	EPERM@mmap	ok	EACCES@write
EOF
	finish
}

# The rule: every write is judged with the opener's credentials, and a
# privilege-raising exec clears the control so that nobody keeps counting
# the program.  Descriptor 9 of S is its own control, opened by S itself as
# uid 1000 before its set-uid exec: those credentials may not program S
# now.
@test "a descriptor opened before a set-uid exec: in root's hands and for perf, the opener's rights" {
	start_targets
	write_cell "S(before exec)=>root->S write" S EACCES@write \
		pcperm ask "$NS-S" givefd 9 "w=$WRITE"
	write_cell "S(before exec)=>root->S write-k" S EACCES@write \
		pcperm ask "$NS-S" givefd 9 "w=$WRITE_K"
	write_cell "S(before exec)=>S->S write-k" S EACCES@write \
		pcperm ask "$NS-S" fd 9 "w=$WRITE_K"
	finish
}

# One cell on its own.
@test "a descriptor opened before a set-uid exec: the set-uid program writing through it itself" {
	start_targets
	local before after got
	before=$(target_id S)
	got=$(pcperm ask "$NS-S" fd 9 "w=$WRITE")
	after=$(target_id S)
	echo "write through the pre-exec descriptor: $got, id $before -> $after"
	echo "# 1 cell" >&3
	[ "$got" = EACCES@write ]
	[ "$after" = "$before" ]
}

# "A task may always read and program itself": also a non-dumpable one.
@test "a non-dumpable task programs itself" {
	start_targets
	local got owner
	got=$(subject nondump probe self "w=$WRITE")
	owner=$(stat -c '%u:%g %a' "$(pcf control "${TPID[N]}")")
	echo "a non-dumpable task writing its own control: $got; control is $owner"
	echo "# 1 cell" >&3
	[ "$got" = ok ]
}
