#!/usr/bin/env bash
# Bounded cargo-fuzz runs (CI: .ci/run). For each target: replay the kept regression inputs,
# then fuzz for FUZZ_SECONDS (default 60) from the seeds plus the corpus of earlier runs.
# Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags
# (see fuzz/README.md). Built optimised with debug assertions and overflow checks on (an
# overflow panics instead of wrapping) and, by default, without a sanitizer: the fuzzed code
# is safe Rust (FUZZ_SANITIZER=address for ASan). A crash fails the script and leaves its
# input in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"

CARGO_FUZZ_VERSION=0.13.2
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
SANITIZER="${FUZZ_SANITIZER:-none}"
BUILD_FLAGS=(--release --debug-assertions --sanitizer "$SANITIZER")
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# libFuzzer's progress without a line per new corpus entry or its closing dictionary (tens of
# thousands of lines a minute); everything else, a crash report included, passes through.
quiet() {
    awk '/^###### Recommended dictionary/ { dict = 1 }
         !dict && !/^#[0-9]+\t(NEW|REDUCE) / { print; fflush() }
         /^###### End of recommended dictionary/ { dict = 0 }'
}

started=$SECONDS
cargo fuzz build "${BUILD_FLAGS[@]}"
echo "== built the fuzz targets (sanitizer: $SANITIZER) in $((SECONDS - started)) s"

for target in $(cargo fuzz list); do
    mkdir -p "corpus/$target"
    regressions=(regressions/"$target"/*)
    if [ -e "${regressions[0]}" ]; then
        echo "== $target: replaying ${#regressions[@]} regression input(s)"
        cargo fuzz run "${BUILD_FLAGS[@]}" "$target" "${regressions[@]}"
    fi
    echo "== $target: fuzzing for $SECONDS_PER_TARGET s"
    cargo fuzz run "${BUILD_FLAGS[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -print_funcs=0 2>&1 | quiet
done
