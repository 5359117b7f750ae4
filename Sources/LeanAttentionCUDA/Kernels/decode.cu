// Decode attention over a LeanAttention Schedule, compiled at run time by NVRTC.
//
// No CUDA headers: F16/BF16 conversions are single PTX instructions, so the
// kernels compile with NVRTC alone. One warp computes one query row of an
// output tile (the query heads of one KV head of one request); each lane holds
// HEAD_DIM / 32 consecutive dimensions of q, the accumulator and each K/V row.
//
// Kernels, instantiated for every (dtype, head dim) at the bottom:
//   la_segments_<dtype>_d<D>: runs every segment of CTA blockIdx.x in order.
//     A segment that is its output's only piece writes O and LSE directly
//     (per-head). Otherwise it writes its partial state (normalized o, natural
//     LSE, Float32) at [split, row] of the partial buffers. In lean mode the
//     host (split 0) then waits for its peers' flags and merges; peers raise
//     their flag after a __threadfence. In partials-only mode (fixed-split)
//     nothing waits: la_combine merges afterwards.
//   la_combine_<dtype>_d<D>: one warp per row merges that row's splits.
// Every sum runs in a fixed order, so a launch is bitwise reproducible.

#define LA_LEAN 0
#define LA_PARTIALS_ONLY 1
#define LA_INF __int_as_float(0x7f800000)

typedef unsigned short u16;

struct F16 {
  static __device__ __forceinline__ float load(u16 h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
  }
  static __device__ __forceinline__ u16 store(float f) {
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
  }
};

struct BF16 {
  static __device__ __forceinline__ float load(u16 h) {
    return __uint_as_float(((unsigned)h) << 16);
  }
  static __device__ __forceinline__ u16 store(float f) {
    u16 h;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
  }
};

// Butterfly sum: every lane ends with the same bits (each step adds the same
// two values, and addition is commutative).
__device__ __forceinline__ float warp_sum(float x) {
  for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}

struct Problem {
  const u16* q;            // [B, Hq, D] (decode: token b is request b)
  const u16* k;            // [totalKV, Hkv, D] or [pages, page_size, Hkv, D]
  const u16* v;
  const int* kv_offsets;   // [B + 1] (contiguous layout)
  const int* page_table;   // [B, page_width] or null
  int page_width;
  int page_size;           // 0: contiguous
  const int* visible;      // [B, 2]: visible key range of the request's query
  int hq, hkv, block_n;
  float scale;
};

__device__ __forceinline__ long long kv_row(const Problem& p, int b, int j, int g, int d) {
  long long token;
  if (p.page_size > 0) {
    int page = p.page_table[(long long)b * p.page_width + j / p.page_size];
    token = (long long)page * p.page_size + j % p.page_size;
  } else {
    token = (long long)p.kv_offsets[b] + j;
  }
  return (token * p.hkv + g) * d;
}

// One warp merges splits 0..pieces-1 of `row` (normalized o, natural LSE at
// [split, row]) with the rescaling operator, in split order, and writes O and
// LSE. Loads bypass L1 (ld.global.cg): in lean mode the partials were written
// by other CTAs of the same launch.
template <class T, int D>
__device__ void merge_row(
    int row, int pieces, int total_rows, const float* partial_o, const float* partial_lse,
    u16* o, float* lse) {
  constexpr int PER = D / 32;
  const int lane = threadIdx.x & 31;
  float mx = -LA_INF;
  for (int k = 0; k < pieces; ++k) mx = fmaxf(mx, __ldcg(partial_lse + (long long)k * total_rows + row));
  float acc[PER];
  for (int i = 0; i < PER; ++i) acc[i] = 0.f;
  float w_sum = 0.f;
  for (int k = 0; k < pieces; ++k) {
    const long long at = (long long)k * total_rows + row;
    const float lk = __ldcg(partial_lse + at);
    if (lk == -LA_INF) continue;
    const float w = expf(lk - mx);
    w_sum += w;
    for (int i = 0; i < PER; ++i) acc[i] = fmaf(w, __ldcg(partial_o + at * D + lane * PER + i), acc[i]);
  }
  const float inv = w_sum > 0.f ? 1.f / w_sum : 0.f;
  for (int i = 0; i < PER; ++i) o[(long long)row * D + lane * PER + i] = T::store(acc[i] * inv);
  if (lane == 0) lse[row] = w_sum > 0.f ? mx + logf(w_sum) : -LA_INF;
}

template <class T, int D>
__device__ void segments(
    Problem p, const int* cta_offsets, const int* segs, const int* outputs,
    const int* piece_counts, int max_splits, int total_rows, int mode,
    float* partial_o, float* partial_lse, int* flags, u16* o, float* lse) {
  constexpr int PER = D / 32;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int warps = blockDim.x >> 5;
  const int group = p.hq / p.hkv;
  for (int s = cta_offsets[blockIdx.x]; s < cta_offsets[blockIdx.x + 1]; ++s) {
    const int out = segs[4 * s], first = segs[4 * s + 1], end = segs[4 * s + 2];
    const int split = segs[4 * s + 3];
    const int b = outputs[3 * out], g = outputs[3 * out + 1], row_base = outputs[3 * out + 2];
    const int pieces = piece_counts[out];
    const int lo = max(first * p.block_n, p.visible[2 * b]);
    const int hi = min(end * p.block_n, p.visible[2 * b + 1]);
    const bool direct = pieces == 1 && mode == LA_LEAN;
    for (int r = warp; r < group; r += warps) {
      const int row = row_base + r;
      float qv[PER], acc[PER];
      for (int i = 0; i < PER; ++i) {
        qv[i] = T::load(p.q[(long long)row * D + lane * PER + i]);
        acc[i] = 0.f;
      }
      float m = -LA_INF, l = 0.f;
      for (int j = lo; j < hi; ++j) {
        const long long kr = kv_row(p, b, j, g, D) + lane * PER;
        float dot = 0.f;
        for (int i = 0; i < PER; ++i) dot = fmaf(qv[i], T::load(p.k[kr + i]), dot);
        const float sc = warp_sum(dot) * p.scale;
        const float mn = fmaxf(m, sc);
        const float c = expf(m - mn);  // m = -inf on the first key: c = 0
        const float e = expf(sc - mn);
        l = l * c + e;
        for (int i = 0; i < PER; ++i) acc[i] = fmaf(e, T::load(p.v[kr + i]), acc[i] * c);
        m = mn;
      }
      const float inv = l > 0.f ? 1.f / l : 0.f;
      const float state_lse = l > 0.f ? m + logf(l) : -LA_INF;
      if (direct) {
        for (int i = 0; i < PER; ++i) o[(long long)row * D + lane * PER + i] = T::store(acc[i] * inv);
        if (lane == 0) lse[row] = state_lse;
      } else {
        const long long at = (long long)split * total_rows + row;
        for (int i = 0; i < PER; ++i) partial_o[at * D + lane * PER + i] = acc[i] * inv;
        if (lane == 0) partial_lse[at] = state_lse;
      }
    }
    if (direct || mode != LA_LEAN) continue;
    // Lean reduction: peers publish, the host (split 0) waits and merges.
    __threadfence();
    __syncthreads();
    if (split > 0) {
      if (threadIdx.x == 0) atomicExch(&flags[out * max_splits + split], 1);
      continue;
    }
    if (threadIdx.x == 0) {
      for (int k = 1; k < pieces; ++k) {
        volatile int* f = flags + out * max_splits + k;
        while (*f == 0) {
        }
      }
      __threadfence();
    }
    __syncthreads();
    for (int r = warp; r < group; r += warps)
      merge_row<T, D>(row_base + r, pieces, total_rows, partial_o, partial_lse, o, lse);
  }
}

template <class T, int D>
__device__ void combine(
    const int* row_output, const int* piece_counts, int total_rows, const float* partial_o,
    const float* partial_lse, u16* o, float* lse) {
  const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (row >= total_rows) return;
  const int out = row_output[row];
  if (out < 0) return;  // no work: O stays 0, LSE stays -inf
  merge_row<T, D>(row, piece_counts[out], total_rows, partial_o, partial_lse, o, lse);
}

#define LA_INSTANTIATE(NAME, T, D)                                                              \
  extern "C" __global__ void __launch_bounds__(128) la_segments_##NAME##_d##D(                 \
      const u16* q, const u16* k, const u16* v, const int* kv_offsets, const int* page_table,  \
      int page_width, int page_size, const int* visible, int hq, int hkv, int block_n,         \
      float scale, const int* cta_offsets, const int* segs, const int* outputs,                \
      const int* piece_counts, int max_splits, int total_rows, int mode, float* partial_o,     \
      float* partial_lse, int* flags, u16* o, float* lse) {                                    \
    Problem p = {q, k, v, kv_offsets, page_table, page_width, page_size, visible, hq, hkv,     \
                 block_n, scale};                                                              \
    segments<T, D>(p, cta_offsets, segs, outputs, piece_counts, max_splits, total_rows, mode,  \
                   partial_o, partial_lse, flags, o, lse);                                     \
  }                                                                                            \
  extern "C" __global__ void __launch_bounds__(128) la_combine_##NAME##_d##D(                  \
      const int* row_output, const int* piece_counts, int total_rows, const float* partial_o,  \
      const float* partial_lse, u16* o, float* lse) {                                          \
    combine<T, D>(row_output, piece_counts, total_rows, partial_o, partial_lse, o, lse);       \
  }

LA_INSTANTIATE(f16, F16, 64)
LA_INSTANTIATE(f16, F16, 128)
LA_INSTANTIATE(f16, F16, 256)
LA_INSTANTIATE(bf16, BF16, 64)
LA_INSTANTIATE(bf16, BF16, 128)
LA_INSTANTIATE(bf16, BF16, 256)
