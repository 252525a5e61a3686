#!/usr/bin/env bash
# Checks the CUDA convolution kernels on a machine without a GPU: each program builds with the
# host compiler against the CUDA headers and compares with a direct reference (exact: integer
# data). Run from anywhere: cuda/conv/host_check/run.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cuda=${CUDA_HOME:-/usr/local/cuda}
flags="-std=c++20 -O1 -pthread -w -DEMBER_BUILDING_LIBRARY -I$cuda/include -Icsrc/include -Icsrc -Icuda -Ithird_party"
for t in problems igemm depthwise; do
  nice g++ $flags -x c++ "cuda/conv/host_check/$t.cpp" -o "$out/$t"
  echo "$t: $("$out/$t" | tail -1)"
done
