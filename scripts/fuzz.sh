#!/bin/bash
# Run the control parser's fuzzer for a bounded time:
#   fuzz.sh FUZZER CORPUS_DIR SECONDS
# The corpus starts from the seeds of fuzz/corpus and keeps what the fuzzer
# finds between runs.  Prints the inputs tried; a crash, a sanitizer report
# or a broken invariant fails the run (the input is saved as crash-*).
set -eu
fuzzer=$1
corpus=$2
seconds=$3
cd "$(dirname "$0")/.."
mkdir -p "$corpus"
cp -n fuzz/corpus/* "$corpus"/
log=$corpus.log
status=0
"$fuzzer" -max_total_time="$seconds" -max_len=4096 -dict=fuzz/control.dict \
	-print_final_stats=1 -artifact_prefix="$corpus/../fuzz-" \
	"$corpus" >"$log" 2>&1 || status=$?
runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
if [ $status -ne 0 ] || [ -z "$runs" ]; then
	tail -n 40 "$log"
	echo "fuzz: FAILED after ${runs:-?} inputs (log: $log)"
	exit 1
fi
echo "fuzz: ${runs} inputs in ${seconds} s, no crash (corpus: $(ls "$corpus" | wc -l) inputs)"
