#!/usr/bin/env bash
# Checks the CUDA pooling and resampling kernels on a machine without a GPU, against the CPU
# kernels' loops. Links against a built libember (LIBEMBER_DIR, default build/dev) for dtype
# names and errors. Run from anywhere: cuda/pool/host_check/run.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cuda=${CUDA_HOME:-/usr/local/cuda}
lib=$(realpath "${LIBEMBER_DIR:-build/dev}")
inc="-DEMBER_BUILDING_LIBRARY -Icsrc/include -Icsrc -Icuda -Ithird_party"
link="-L$lib -lember -Xlinker -rpath=$lib"
nice g++ -std=c++20 -O1 -w $inc -I"$cuda/include" -x c++ cuda/pool/host_check/kernels.cpp -o "$out/kernels" -L"$lib" -lember -Wl,-rpath="$lib"
echo "kernels: $("$out/kernels" | tail -1)"
nice nvcc -std=c++17 -O1 --expt-relaxed-constexpr -w $inc -x cu cuda/pool/host_check/pool_gathers.cpp -c -o "$out/pool.o"
nice nvcc -std=c++17 -O1 -w $inc "$out/pool.o" cuda/pool/host_check/stubs.cpp -o "$out/pool" $link
echo "pool gathers: $("$out/pool" | tail -1)"
nice nvcc -std=c++17 -O1 --expt-relaxed-constexpr -w -DWITH_UPSAMPLE $inc -x cu cuda/pool/host_check/upsample_gathers.cpp -c -o "$out/upsample.o"
nice nvcc -std=c++17 -O1 -w -DWITH_UPSAMPLE $inc "$out/upsample.o" cuda/pool/host_check/stubs.cpp -o "$out/upsample" $link
echo "upsample gathers: $("$out/upsample" | tail -1)"
