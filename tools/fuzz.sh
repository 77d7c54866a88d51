#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang in a separate build
# directory (ASan + UBSan + libFuzzer) and runs each for a bounded time over
# a scratch copy of its corpus in tests/fuzz/corpus/<target>. Fails on the
# first crash, leak or sanitizer report; libFuzzer leaves the input as
# crash-*/leak-*/timeout-* in the build directory.
#
#   tools/fuzz.sh [seconds-per-target]      (default 60, or $FUZZ_SECONDS)
#
# FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (default 2). Compiling
# goes through /tmp/rivulet-build.lock, shared with the main build.
# New inputs libFuzzer finds stay in the scratch copy; merge the useful ones
# into the tree by hand (-merge=1) to keep the committed corpus small.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-${FUZZ_SECONDS:-60}}
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-2}
clangxx=${CLANGXX:-$(command -v clang++ || true)}
if [[ -z "$clangxx" ]]; then
  echo "fuzz.sh: clang++ not found" >&2
  exit 1
fi
targets=(kafka_request record_batch)

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$clangxx" -DRIVULET_FUZZ=OFF >/dev/null
fi
flock /tmp/rivulet-build.lock cmake --build "$build" -j "$jobs" \
  --target "${targets[@]/%/_fuzz}"

status=0
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  cp "$root/tests/fuzz/corpus/$t/"* "$work/corpus/"
  echo "== $t: ${seconds}s"
  if ! (cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 corpus 2>&1 | tee fuzz.log |
        grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)'); then
    :
  fi
  if ! grep -qE '^#[0-9]+[[:space:]]+DONE' "$work/fuzz.log"; then
    echo "fuzz.sh: $t failed, see $work/fuzz.log" >&2
    status=1
  fi
done
exit $status
