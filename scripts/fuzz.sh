#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS on its seeds from ../shared/testdata (clang, ASan + UBSan).
# Usage: scripts/fuzz.sh TARGET SECONDS    TARGET: jpeg png exif spec coco voc yolo, or all
# Builds build/fuzz when needed. Findings (crash-*, leak-*, timeout-*) are written to build/fuzz/findings
# and make the script fail; the corpus it grows stays in build/fuzz/corpus/TARGET for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
all=(jpeg png exif spec coco voc yolo)
if [ "$target" = all ]; then
  for t in "${all[@]}"; do "$0" "$t" "$seconds"; done
  exit 0
fi
testdata=${IMGBATCH_TESTDATA:-$(cd .. && pwd)/shared/testdata}

if [ ! -x "build/fuzz/tests/fuzz/fuzz_$target" ]; then
  source scripts/deps.sh
  imgbatch_install_packages clang libclang-rt-14-dev
  CXX=clang++ CC=clang cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMGBATCH_FUZZ=ON \
    -DIMGBATCH_BUILD_TESTS=OFF -DIMGBATCH_BUILD_BENCH=OFF -DIMGBATCH_BUILD_EXAMPLES=OFF \
    -DIMGBATCH_BUILD_PYTHON=OFF -DIMGBATCH_WITH_TORCH=OFF >/dev/null
  cmake --build build/fuzz -j "$(nproc)" --target $(printf 'fuzz_%s ' "${all[@]}")
fi

# Seeds: the conformance data of each format, linked into one folder (libFuzzer reads folders).
seeds=build/fuzz/seeds/$target
rm -rf "$seeds" && mkdir -p "$seeds" "build/fuzz/corpus/$target" build/fuzz/findings
link() { for f in "$@"; do [ -f "$f" ] && ln -sf "$(realpath "$f")" "$seeds/$(echo "$f" | tr / _)"; done; return 0; }
if [ -d "$testdata" ]; then
  shopt -s nullglob globstar
  case $target in
    jpeg) link "$testdata"/libjpeg-turbo_seed-corpora_afl/*.jpg "$testdata"/libjpeg-turbo/**/*.jpg "$testdata"/pillow/**/*.jpg ;;
    png) link "$testdata"/pngsuite/**/*.png "$testdata"/libpng_testpngs/**/*.png "$testdata"/image-png_extra/**/*.png \
              "$testdata"/libpng_contrib_pngsuite/**/*.png ;;
    exif)  # the APP1 payloads of the EXIF test JPEGs
      /usr/bin/python3 - "$seeds" "$testdata"/pillow/**/*.jpg <<'PY'
import sys, pathlib
out = pathlib.Path(sys.argv[1])
for i, name in enumerate(sys.argv[2:]):
    b = pathlib.Path(name).read_bytes()
    p = 2
    while p + 4 <= len(b) and b[p] == 0xFF:
        marker, length = b[p + 1], int.from_bytes(b[p + 2:p + 4], "big")
        if marker == 0xE1 and b[p + 4:p + 10] == b"Exif\0\0":
            (out / f"app1_{i}").write_bytes(b[p + 4:p + 2 + length])
        if marker == 0xDA:
            break
        p += 2 + length
PY
      ;;
    spec) link bench/workloads/*.json examples/**/*.json ;;
    coco) link "$testdata"/**/instances*.json "$testdata"/**/annotations.json ;;
    voc) link "$testdata"/**/*.xml ;;
    yolo) link "$testdata"/**/obj_train_data/*.txt "$testdata"/yolo_dataset/**/*.txt ;;
    *) echo "unknown target $target (one of: ${all[*]})" >&2; exit 2 ;;
  esac
else
  echo "fuzz_$target: $testdata is absent: starting from an empty corpus"
fi
echo "== fuzz_$target for ${seconds}s, $(find "$seeds" -maxdepth 1 -type l -o -type f | wc -l) seed(s)"
set +e
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "build/fuzz/tests/fuzz/fuzz_$target" "build/fuzz/corpus/$target" "$seeds" -max_total_time="$seconds" \
  -timeout=20 -rss_limit_mb=3072 -max_len=1048576 -print_final_stats=1 -artifact_prefix=build/fuzz/findings/ 2>&1 |
  grep -E '^(==|stat::|Done|INFO: seed|.*ERROR|.*Sanitizer|SUMMARY|    #|artifact_prefix|Test unit written)'
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] || { echo "fuzz_$target: FAILED (findings in build/fuzz/findings)" >&2; exit 1; }
echo "fuzz_$target: no finding in ${seconds}s"
