#!/usr/bin/env bash
# Installs what is missing, builds (warnings as errors) and runs every test; then the same tests under
# AddressSanitizer and UBSan, the pipeline tests under ThreadSanitizer, and each libFuzzer target for a
# short fixed time (scripts/fuzz.sh runs one longer). Usage: scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
# torchvision: the photometric conformance reference, and torch for the Python module's tests;
# libtorch-dev: the libtorch adapter's tests and the libtorch example trainer.
imgbatch_install_packages python3-torchvision libtorch-dev python3-matplotlib  # matplotlib: the preview test's viridis reference
imgbatch_install_packages clang libclang-rt-14-dev  # libFuzzer and its sanitizer runtimes

jobs=$(nproc)
sanitize=1
[ "${1:-}" = "--no-sanitize" ] && sanitize=0

echo "== Release build, -Werror"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMGBATCH_WERROR=ON \
  -DIMGBATCH_BUILD_TESTS=ON -DIMGBATCH_BUILD_BENCH=ON -DIMGBATCH_BUILD_EXAMPLES=ON
cmake --build build/test -j "$jobs"
ctest --test-dir build/test --output-on-failure -j "$jobs" --timeout 600

if [ "$sanitize" = 1 ]; then
  echo "== AddressSanitizer + UBSan build"
  cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGBATCH_WERROR=ON -DIMGBATCH_SANITIZE=ON \
    -DIMGBATCH_BUILD_TESTS=ON -DIMGBATCH_BUILD_BENCH=OFF -DIMGBATCH_BUILD_EXAMPLES=OFF \
    -DIMGBATCH_BUILD_PYTHON=OFF -DIMGBATCH_WITH_TORCH=OFF
  cmake --build build/asan -j "$jobs"
  # Leak checking stays on; a halt on the first UB report makes it a failure.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build/asan --output-on-failure -j "$jobs" --timeout 900 -E '^install\.'
fi

if [ "$sanitize" = 1 ]; then
  # The pipeline's tests (graph, shutdown, error policies, stress, allocator) under ThreadSanitizer: only
  # the test binary is built. tests/tsan/suppressions.txt says what is oneTBB's and why.
  echo "== ThreadSanitizer build (pipeline tests)"
  cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGBATCH_WERROR=ON -DIMGBATCH_TSAN=ON \
    -DIMGBATCH_BUILD_TESTS=ON -DIMGBATCH_BUILD_BENCH=OFF -DIMGBATCH_BUILD_EXAMPLES=OFF \
    -DIMGBATCH_BUILD_PYTHON=OFF -DIMGBATCH_WITH_TORCH=OFF
  cmake --build build/tsan -j "$jobs" --target imgbatch_tests
  TSAN_OPTIONS="halt_on_error=1 history_size=7 report_signal_unsafe=0 suppressions=$PWD/tests/tsan/suppressions.txt" \
    ctest --test-dir build/tsan --output-on-failure -j "$jobs" --timeout 600 \
    -R '^(on_error|loader\.quarantine|shutdown|errors|loader|stress|allocator|consumer)' --no-tests=error

  echo "== libFuzzer targets, ${IMGBATCH_FUZZ_SECONDS:-20}s each (clang, ASan + UBSan)"
  scripts/fuzz.sh all "${IMGBATCH_FUZZ_SECONDS:-20}"
fi
