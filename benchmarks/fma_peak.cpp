// The CPU's float32/float64 FMA peak, for the GEMM roofline in RESULTS.md: each thread runs
// independent chains of AVX-512 FMAs (enough chains to cover the FMA latency). The rate is given
// per second of wall time and per second of CPU time (the latter is what one core does when the
// machine is shared and the wall time is inflated by other processes).
//   g++ -O3 -mavx512f -mfma -fopenmp benchmarks/fma_peak.cpp -o /tmp/fma_peak && /tmp/fma_peak
#include <immintrin.h>
#include <omp.h>

#include <cstdio>
#include <cstring>
#include <ctime>

template <typename V, V (*Fma)(V, V, V), V (*Set1)(double)>
void run(const char* name, int threads, int lanes) {
  const long iters = 200000000L / 12;
  const double t0 = omp_get_wtime();
  const std::clock_t c0 = std::clock();
  double sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
  {
    V acc[12];
    for (auto& a : acc) a = Set1(1.0);
    const V x = Set1(0.999999), y = Set1(1e-7);
    for (long i = 0; i < iters; ++i)
#pragma GCC unroll 12
      for (auto& a : acc) a = Fma(a, x, y);
    for (int j = 1; j < 12; ++j) acc[0] = Fma(acc[0], x, acc[j]);
    double out[16];
    std::memcpy(out, &acc[0], sizeof acc[0]);
    sink += out[0];
  }
  const double wall = omp_get_wtime() - t0, cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  if (sink == 12345) std::puts("");
  const double gflop = 2.0 * lanes * 12 * iters * threads / 1e9;
  std::printf("%d thread(s) %s: %.1f GFLOP/s wall, %.1f GFLOP/s per CPU-second\n", threads, name, gflop / wall,
              gflop / cpu);
}

static __m512 fma_ps(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
static __m512 set1_ps(double v) { return _mm512_set1_ps(float(v)); }
static __m512d fma_pd(__m512d a, __m512d b, __m512d c) { return _mm512_fmadd_pd(a, b, c); }
static __m512d set1_pd(double v) { return _mm512_set1_pd(v); }

int main() {
  for (int threads = 1; threads <= omp_get_num_procs(); ++threads) {
    run<__m512, fma_ps, set1_ps>("float32", threads, 16);
    run<__m512d, fma_pd, set1_pd>("float64", threads, 8);
  }
}
