#!/usr/bin/env bash
# Compiles CUDA sources one by one for a single architecture, as the build does (same flags and
# include folders), without building the library: a quick check that a kernel file compiles.
#   tools/cuda_check.sh cuda/elementwise/binary.cu [more.cu ...]     (ARCH=sm_80 to change)
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${ARCH:-sm_90}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in "$@"; do
  nvcc -std=c++17 -O3 -arch="$arch" --expt-relaxed-constexpr -Xcompiler=-Wall,-Wno-unused-parameter,-Wno-unknown-pragmas,-fPIC \
    -DEMBER_BUILDING_LIBRARY -Icsrc/include -Icsrc -Icuda -Ithird_party -c "$f" -o "$out/$(basename "$f").o"
  echo "ok: $f"
done
