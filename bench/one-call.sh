#!/usr/bin/env bash
# Instructions of a process that makes one send-message call (every CLI
# command, CI step and MCP server start is one), beyond starting the
# loopback server and the runtime: each side builds its own client as it
# would, makes the call and exits. Under callgrind, so repeatable.
#
#   bench/one-call.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p twill-bench --bench runtime --no-run 2>&1 | tail -1
bin=$(ls -t target/release/deps/runtime-* | grep -v '\.d$' | head -1)

count() {
    TWILL_BENCH_ONE_CALL=$1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 |
        awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}

none=$(count none)
declare -A cost
for side in generated minimal minimal-default-tls; do
    cost[$side]=$(( $(count "$side") - none ))
    echo "$side: ${cost[$side]} instructions for one call"
done
awk -v g="${cost[generated]}" -v m="${cost[minimal]}" -v t="${cost[minimal-default-tls]}" \
    'BEGIN { printf "generated / minimal: %.2f (target 1.5)\nloading the platform roots (https): %d instructions\n", g / m, t - m }'
