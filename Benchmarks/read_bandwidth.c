// Read bandwidth of this machine: two threads sum 1 GiB of floats with
// 256-bit loads (four independent accumulators each), seven times; the last
// line is the median.
// The reference for `leanattn bench exact`'s decode GB/s (Docs/Performance.md).
// Build and run: make bench-bandwidth
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N (1L << 28)
static float *a;
static float part[2];

static void *work(void *arg) {
  long t = (long)arg;
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (long i = t * N / 2; i < (t + 1) * N / 2; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
    s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
  }
  float o[8];
  _mm256_storeu_ps(o, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  part[t] = o[0];  // keeps the loads alive
  return 0;
}

int main(void) {
  a = aligned_alloc(64, N * sizeof(float));
  if (!a) return 1;
  for (long i = 0; i < N; i++) a[i] = 1;
  double rates[7];
  for (int r = 0; r < 7; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t th[2];
    for (long t = 0; t < 2; t++) pthread_create(&th[t], 0, work, (void *)t);
    for (int t = 0; t < 2; t++) pthread_join(th[t], 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    rates[r] = N * sizeof(float) / s / 1e9;
    printf("%.1f GB/s (check %g)\n", rates[r], (double)(part[0] + part[1]));
  }
  for (int i = 0; i < 7; i++)  // insertion sort, for the median
    for (int j = i; j > 0 && rates[j] < rates[j - 1]; j--) {
      double x = rates[j];
      rates[j] = rates[j - 1];
      rates[j - 1] = x;
    }
  printf("median %.1f GB/s\n", rates[3]);
  return 0;
}
