#!/usr/bin/env bash
# The thread stress test (tests/test_thread_stress.py) under ThreadSanitizer: builds the library
# and module with -fsanitize=thread into build/tsan (CPU only, baseline kernels: a quicker build),
# then runs the test with the TSan runtime preloaded into Python. Any data race report fails it
# (halt_on_error). OpenMP's own runtime is not instrumented, so its synchronization is invisible
# to TSan: tools/tsan.supp suppresses reports from inside libgomp only.
#   tools/tsan_stress.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/tsan
cmake -S . -B "$build" -G Ninja -DEMBER_BUILD_PYTHON=ON -DEMBER_CUDA=OFF -DEMBER_CPU_ISA_VARIANTS=OFF -DEMBER_TSAN=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -Dpybind11_DIR="$(python -m pybind11 --cmakedir)"
cmake --build "$build"
pkg=$(mktemp -d /tmp/ember-tsan.XXXXXX)
cp -r python/ember "$pkg/"
rm -f "$pkg"/ember/_C*.so "$pkg"/ember/libember.so  # a development checkout links its own build here
cp "$build"/_C*.so "$build"/libember.so "$pkg/ember/"
runtime=$(g++ -print-file-name=libtsan.so)
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tools/tsan.supp"
LD_PRELOAD="$runtime" PYTHONPATH="$pkg" python -m pytest -q -p no:cacheprovider -p no:benchmark \
  tests/test_thread_stress.py "$@"
