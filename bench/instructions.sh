#!/usr/bin/env bash
# Instructions per send-message call, by side, under callgrind: each side's
# whole process is counted for 2,000 and for 200 calls, and the difference
# divided by 1,800, so that start-up (runtime, server, client building)
# cancels out. Deterministic, unlike CPU time on a shared machine. Sequential
# calls first, then 64 in flight.
#
#   bench/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p twill-bench --bench runtime --no-run 2>&1 | tail -1
bin=$(ls -t target/release/deps/runtime-* | grep -v '\.d$' | head -1)

count() {
    TWILL_BENCH_PROFILE=$1 TWILL_BENCH_CALLS=$2 TWILL_BENCH_IN_FLIGHT=${3:-1} \
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 |
        awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}

built=$(TWILL_BENCH_BUILD=client valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 |
    awk '/refs:/ { gsub(",", "", $NF); print $NF }')
bare=$(TWILL_BENCH_BUILD=nothing valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 |
    awk '/refs:/ { gsub(",", "", $NF); print $NF }')
echo "building a default client: $(( built - bare )) instructions"

declare -A per_call
for side in generated hand-written minimal; do
    many=$(count "$side" 2000)
    few=$(count "$side" 200)
    per_call[$side]=$(( (many - few) / 1800 ))
    echo "$side: ${per_call[$side]} instructions per call"
done
awk -v g="${per_call[generated]}" -v h="${per_call[hand-written]}" -v m="${per_call[minimal]}" \
    'BEGIN { printf "generated / same-standard hand-written: %.3f\ngenerated / minimal hand-written: %.3f (target 1.02)\n", g / h, g / m }'

# The same with 64 calls in flight, as the throughput measure (c) runs them.
declare -A concurrent
for side in generated hand-written; do
    many=$(count "$side" 2000 64)
    few=$(count "$side" 200 64)
    concurrent[$side]=$(( (many - few) / 1800 ))
    echo "$side, 64 in flight: ${concurrent[$side]} instructions per call"
done
awk -v g="${concurrent[generated]}" -v h="${concurrent[hand-written]}" \
    'BEGIN { printf "64 in flight, generated / same-standard hand-written: %.3f\n", g / h }'
