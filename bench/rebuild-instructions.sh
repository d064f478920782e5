#!/usr/bin/env bash
# Instructions of the incremental rebuild of each 200-endpoint crate of the
# build bench, under callgrind: the whole `rustc` process, the proc macro
# running inside it, and the macro's own share (`twill_macros_impl::endpoint`).
# Deterministic, unlike the wall clock on a shared machine (the count of one
# crate repeats to within about 1 M).
#
#   cargo bench -p twill-bench --bench build   # writes the crates once
#   bench/rebuild-instructions.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)/target/twill-bench-build"
[ -d "$root/generated" ] || { echo "run cargo bench -p twill-bench --bench build first" >&2; exit 1; }
cd "$root"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# A rustc wrapper that runs the compiler under callgrind for one crate.
cat > "$out/wrap.sh" <<'EOF'
#!/usr/bin/env bash
rustc="$1"; shift
if [[ " $* " == *" --crate-name $MEASURED_CRATE "* ]]; then
    exec valgrind --tool=callgrind --callgrind-out-file="$MEASURED_OUT" "$rustc" "$@" 2>/dev/null
fi
exec "$rustc" "$@"
EOF
chmod +x "$out/wrap.sh"

# The same environment as the measured build, so that the build before it
# leaves nothing but the edit to redo.
export RUSTC_WRAPPER="$out/wrap.sh" MEASURED_CRATE=none MEASURED_OUT=/dev/null
cargo build -q --workspace

for crate in generated handwritten; do
    file="$out/$crate.out"
    for round in 1 2; do
        sed -i "s/pub const EDIT: u32 = .*/pub const EDIT: u32 = $RANDOM$round;/" "$crate/src/lib.rs"
        MEASURED_CRATE=$crate MEASURED_OUT=$file cargo build -q -p "$crate"
    done
    total=$(callgrind_annotate "$file" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    macro=$(callgrind_annotate --inclusive=yes "$file" |
        awk '/twill_macros_impl::endpoint / && !seen { gsub(",", "", $1); print $1; seen = 1 }')
    echo "$crate: rustc ${total} instructions, of which the macro ${macro:-0}"
done
