/*
 * lmstream native kernels (optional N-API addon, C, node_api.h only).
 *
 * - sgemm: C = alpha·op(A)·op(B) + beta·C on row-major Float32Arrays. At load
 *   time an installed BLAS is dlopen'ed (libopenblas.so.0, then libblas.so.3
 *   when it is an optimised implementation) and its cblas_sgemm is used, with
 *   openblas_set_num_threads(1) (lmstream's own data-parallel threads use the
 *   cores). Without one, a cache-blocked C kernel compiled for this machine
 *   (-O3 -march=native) runs instead. `info()` says which.
 * - adam: the fused Adam/AdamW update of one parameter range (float64
 *   arithmetic, the same as the JavaScript loop).
 * - lstmForward / lstmBackward: the pointwise gate math of one LSTM time step.
 * - addSumSq: the gradient sum and squared norm of data-parallel training.
 * - softmaxXent: bias + log-softmax + cross-entropy (+ its gradient) of logit rows.
 *
 * No -dev headers are needed: the cblas prototype is declared here.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- BLAS loading ---------- */

enum { CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112 };
typedef void (*cblas_sgemm_fn)(int order, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                               const float *B, int ldb, float beta, float *C, int ldc);
typedef void (*set_threads_fn)(int);

static cblas_sgemm_fn blas_sgemm = NULL;
static set_threads_fn blas_set_threads = NULL;
static char blas_kind[32] = "builtin";
static char blas_lib[128] = "";
static char blas_note[256] = "";
static int blas_loaded = 0;

static void load_blas(void) {
  if (blas_loaded) return;
  blas_loaded = 1;
  const char *env = getenv("LMSTREAM_BLAS");
  if (env && strcmp(env, "builtin") == 0) {
    snprintf(blas_note, sizeof blas_note, "LMSTREAM_BLAS=builtin");
    return;
  }
  const char *cands[3] = {"libopenblas.so.0", "libblas.so.3", NULL};
  if (env && *env) {
    cands[0] = env;
    cands[1] = NULL;
  }
  for (int i = 0; cands[i]; i++) {
    void *h = dlopen(cands[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) continue;
    cblas_sgemm_fn f = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
    if (!f) {
      dlclose(h);
      continue;
    }
    const char *kind = NULL;
    if (dlsym(h, "openblas_get_config")) kind = "openblas";
    else if (dlsym(h, "bli_info_get_version_str")) kind = "blis";
    else if (dlsym(h, "MKL_Get_Version")) kind = "mkl";
    else if (dlsym(h, "ATL_buildinfo")) kind = "atlas";
    if (!kind) {
      /* the netlib reference BLAS is slower than the builtin kernel */
      snprintf(blas_note, sizeof blas_note, "%s is the reference BLAS, not used", cands[i]);
      dlclose(h);
      continue;
    }
    blas_sgemm = f;
    blas_set_threads = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
    if (!blas_set_threads) blas_set_threads = (set_threads_fn)dlsym(h, "bli_thread_set_num_threads");
    if (blas_set_threads) blas_set_threads(1);
    snprintf(blas_kind, sizeof blas_kind, "%s", kind);
    snprintf(blas_lib, sizeof blas_lib, "%s", cands[i]);
    return; /* the handle stays open */
  }
  if (!blas_note[0]) snprintf(blas_note, sizeof blas_note, "no libopenblas.so.0 or optimised libblas.so.3 found");
}

/* ---------- builtin sgemm (row-major, cache-blocked, register-tiled) ---------- */

typedef float v16 __attribute__((vector_size(64), aligned(4)));
#define MR 4
#define NR 32
#define KB 256
#define NB 512

static inline v16 ld(const float *p) {
  v16 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st(float *p, v16 v) { memcpy(p, &v, sizeof v); }
static inline v16 bc(float x) { return (v16){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }

/* C[mr×nr] += alpha · A[mr×kb] (row stride lda) · P[kb×NR] (packed panel) */
static void micro(int mr, int nr, int kb, float alpha, const float *A, int lda, const float *P, float *C, int ldc) {
  if (mr == MR) {
    v16 c00 = bc(0), c01 = bc(0), c10 = bc(0), c11 = bc(0), c20 = bc(0), c21 = bc(0), c30 = bc(0), c31 = bc(0);
    const float *a0 = A, *a1 = A + lda, *a2 = A + 2 * lda, *a3 = A + 3 * lda;
    for (int p = 0; p < kb; p++) {
      v16 b0 = ld(P + p * NR), b1 = ld(P + p * NR + 16);
      v16 x = bc(a0[p]);
      c00 += x * b0; c01 += x * b1;
      x = bc(a1[p]);
      c10 += x * b0; c11 += x * b1;
      x = bc(a2[p]);
      c20 += x * b0; c21 += x * b1;
      x = bc(a3[p]);
      c30 += x * b0; c31 += x * b1;
    }
    v16 al = bc(alpha);
    float tile[MR][NR];
    st(tile[0], c00 * al); st(tile[0] + 16, c01 * al);
    st(tile[1], c10 * al); st(tile[1] + 16, c11 * al);
    st(tile[2], c20 * al); st(tile[2] + 16, c21 * al);
    st(tile[3], c30 * al); st(tile[3] + 16, c31 * al);
    if (nr == NR) {
      for (int r = 0; r < MR; r++) {
        st(C + r * ldc, ld(C + r * ldc) + ld(tile[r]));
        st(C + r * ldc + 16, ld(C + r * ldc + 16) + ld(tile[r] + 16));
      }
    } else {
      for (int r = 0; r < MR; r++)
        for (int j = 0; j < nr; j++) C[r * ldc + j] += tile[r][j];
    }
    return;
  }
  for (int r = 0; r < mr; r++) {
    v16 c0 = bc(0), c1 = bc(0);
    const float *a = A + r * lda;
    for (int p = 0; p < kb; p++) {
      v16 x = bc(a[p]);
      c0 += x * ld(P + p * NR);
      c1 += x * ld(P + p * NR + 16);
    }
    float tile[NR];
    st(tile, c0 * bc(alpha));
    st(tile + 16, c1 * bc(alpha));
    for (int j = 0; j < nr; j++) C[r * ldc + j] += tile[j];
  }
}

/* C (M×N, ldc) += alpha · A (M×K, lda) · B (K×N, ldb), all untransposed */
static void gemm_nn(int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb, float *C, int ldc) {
  float *pack = (float *)aligned_alloc(64, (size_t)KB * NB * sizeof(float));
  if (!pack) return;
  for (int jj = 0; jj < N; jj += NB) {
    int nb = N - jj < NB ? N - jj : NB;
    int panels = (nb + NR - 1) / NR;
    for (int pp = 0; pp < K; pp += KB) {
      int kb = K - pp < KB ? K - pp : KB;
      /* pack B[pp:pp+kb, jj:jj+nb] into panels of NR columns (zero padded) */
      for (int q = 0; q < panels; q++) {
        int j0 = jj + q * NR;
        int w = N - j0 < NR ? N - j0 : NR;
        float *P = pack + (size_t)q * kb * NR;
        for (int p = 0; p < kb; p++) {
          const float *src = B + (size_t)(pp + p) * ldb + j0;
          float *dst = P + p * NR;
          if (w == NR) memcpy(dst, src, NR * sizeof(float));
          else {
            memcpy(dst, src, w * sizeof(float));
            memset(dst + w, 0, (NR - w) * sizeof(float));
          }
        }
      }
      for (int i = 0; i < M; i += MR) {
        int mr = M - i < MR ? M - i : MR;
        for (int q = 0; q < panels; q++) {
          int j0 = jj + q * NR;
          int nr = N - j0 < NR ? N - j0 : NR;
          micro(mr, nr, kb, alpha, A + (size_t)i * lda + pp, lda, pack + (size_t)q * kb * NR, C + (size_t)i * ldc + j0, ldc);
        }
      }
    }
  }
  free(pack);
}

static float *transposed(const float *X, int rows, int cols) {
  float *T = (float *)malloc((size_t)rows * cols * sizeof(float) + 64);
  if (!T) return NULL;
  const int BS = 32;
  for (int i0 = 0; i0 < rows; i0 += BS)
    for (int j0 = 0; j0 < cols; j0 += BS) {
      int i1 = i0 + BS < rows ? i0 + BS : rows, j1 = j0 + BS < cols ? j0 + BS : cols;
      for (int i = i0; i < i1; i++)
        for (int j = j0; j < j1; j++) T[(size_t)j * rows + i] = X[(size_t)i * cols + j];
    }
  return T;
}

static int builtin_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, const float *B, float beta, float *C) {
  size_t mn = (size_t)M * N;
  if (beta == 0.0f) memset(C, 0, mn * sizeof(float));
  else if (beta != 1.0f)
    for (size_t i = 0; i < mn; i++) C[i] *= beta;
  if (K == 0 || alpha == 0.0f) return 0;
  float *At = NULL, *Bt = NULL;
  if (ta) { /* A is K×M */
    At = transposed(A, K, M);
    if (!At) return -1;
    A = At;
  }
  if (tb) { /* B is N×K */
    if (N < 8 && !ta) {
      /* matrix × few vectors: dot products along K */
      for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
          float s = 0;
          const float *a = A + (size_t)i * K, *b = B + (size_t)j * K;
          for (int p = 0; p < K; p++) s += a[p] * b[p];
          C[(size_t)i * N + j] += alpha * s;
        }
      free(At);
      return 0;
    }
    Bt = transposed(B, N, K);
    if (!Bt) {
      free(At);
      return -1;
    }
    B = Bt;
  }
  gemm_nn(M, N, K, alpha, A, K, B, N, C, N);
  free(At);
  free(Bt);
  return 0;
}

/* ---------- N-API helpers ---------- */

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, NULL, "lmstream_native: N-API call failed"); \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

static int get_f32(napi_env env, napi_value v, float **data, size_t *len, const char *what) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) goto bad;
  napi_typedarray_type t;
  size_t n;
  void *d;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &n, &d, &ab, &off) != napi_ok || t != napi_float32_array) goto bad;
  *data = (float *)d;
  *len = n;
  return 1;
bad : {
  char msg[96];
  snprintf(msg, sizeof msg, "lmstream_native: %s must be a Float32Array", what);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}
}

static int get_f64(napi_env env, napi_value v, double *out, const char *what) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "lmstream_native: %s must be a number", what);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int get_int(napi_env env, napi_value v, int *out, const char *what) {
  double d;
  if (!get_f64(env, v, &d, what)) return 0;
  if (!(d >= 0 && d <= 2147483647.0) || d != (double)(int)d) {
    char msg[96];
    snprintf(msg, sizeof msg, "lmstream_native: %s must be a non-negative integer", what);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = (int)d;
  return 1;
}

static int get_bool(napi_env env, napi_value v, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) == napi_ok) {
    *out = b;
    return 1;
  }
  double d;
  if (napi_get_value_double(env, v, &d) == napi_ok) {
    *out = d != 0;
    return 1;
  }
  napi_throw_type_error(env, NULL, "lmstream_native: transA/transB must be booleans");
  return 0;
}

static napi_value range_error(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

/* sgemm(transA, transB, M, N, K, alpha, A, B, beta, C) */
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value a[10];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 10) return range_error(env, "lmstream_native.sgemm: 10 arguments expected");
  int ta, tb, M, N, K;
  double alpha, beta;
  float *A, *B, *C;
  size_t la, lb, lc;
  if (!get_bool(env, a[0], &ta) || !get_bool(env, a[1], &tb) || !get_int(env, a[2], &M, "M") || !get_int(env, a[3], &N, "N") ||
      !get_int(env, a[4], &K, "K") || !get_f64(env, a[5], &alpha, "alpha") || !get_f32(env, a[6], &A, &la, "A") ||
      !get_f32(env, a[7], &B, &lb, "B") || !get_f64(env, a[8], &beta, "beta") || !get_f32(env, a[9], &C, &lc, "C"))
    return NULL;
  if (la < (size_t)M * K) return range_error(env, "lmstream_native.sgemm: A is shorter than M·K");
  if (lb < (size_t)K * N) return range_error(env, "lmstream_native.sgemm: B is shorter than K·N");
  if (lc < (size_t)M * N) return range_error(env, "lmstream_native.sgemm: C is shorter than M·N");
  if (M == 0 || N == 0) return NULL;
  if (blas_sgemm && K > 0) {
    blas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, (float)alpha, A, ta ? M : K, B,
               tb ? K : N, (float)beta, C, N);
  } else if (builtin_sgemm(ta, tb, M, N, K, (float)alpha, A, B, (float)beta, C) != 0) {
    napi_throw_error(env, NULL, "lmstream_native.sgemm: out of memory");
  }
  return NULL;
}

/*
 * adam(w, g, m, v, i0, i1, a, ib2, scale, coupled, decay, b1, b2, omb1, omb2, eps):
 *   gi = g·scale + coupled·w; m = b1·m + omb1·gi; v = b2·v + omb2·gi²;
 *   w = w·decay − a·m / (√v·ib2 + eps), on [i0, i1)
 */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value a[16];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 16) return range_error(env, "lmstream_native.adam: 16 arguments expected");
  float *w, *g, *m, *v;
  size_t lw, lg, lm, lv;
  int i0, i1;
  double k[10];
  if (!get_f32(env, a[0], &w, &lw, "w") || !get_f32(env, a[1], &g, &lg, "g") || !get_f32(env, a[2], &m, &lm, "m") ||
      !get_f32(env, a[3], &v, &lv, "v") || !get_int(env, a[4], &i0, "i0") || !get_int(env, a[5], &i1, "i1"))
    return NULL;
  for (int i = 0; i < 10; i++)
    if (!get_f64(env, a[6 + i], &k[i], "an Adam constant")) return NULL;
  if ((size_t)i1 > lw || (size_t)i1 > lg || (size_t)i1 > lm || (size_t)i1 > lv || i0 > i1)
    return range_error(env, "lmstream_native.adam: range outside the arrays");
  const double A = k[0], ib2 = k[1], scale = k[2], coupled = k[3], decay = k[4], b1 = k[5], b2 = k[6], omb1 = k[7], omb2 = k[8], eps = k[9];
  if (scale == 1 && coupled == 0 && decay == 1) {
    for (int i = i0; i < i1; i++) {
      double gi = g[i];
      double mi = b1 * m[i] + omb1 * gi;
      double vi = b2 * v[i] + omb2 * gi * gi;
      m[i] = (float)mi;
      v[i] = (float)vi;
      w[i] = (float)(w[i] - (A * mi) / (sqrt(vi) * ib2 + eps));
    }
  } else {
    for (int i = i0; i < i1; i++) {
      double gi = g[i] * scale + coupled * w[i];
      double mi = b1 * m[i] + omb1 * gi;
      double vi = b2 * v[i] + omb2 * gi * gi;
      m[i] = (float)mi;
      v[i] = (float)vi;
      w[i] = (float)(w[i] * decay - (A * mi) / (sqrt(vi) * ib2 + eps));
    }
  }
  return NULL;
}

/* exp for floats, vectorisable (Cephes' expf polynomial, about 1 ulp; inputs clamped to the float range) */
static inline float fexp(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
  float k = rintf(x * 1.44269504088896341f);
  float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = ((int32_t)k + 127) << 23;
  float sc;
  memcpy(&sc, &bits, sizeof sc);
  return p * sc;
}
static inline float sigm(float x) { return 1.0f / (1.0f + fexp(-x)); }
static inline float tanh_(float x) { return 2.0f / (1.0f + fexp(-2.0f * x)) - 1.0f; }

/*
 * lstmForward(z, bias, cPrev, cOut, tc, h, B, H): one time step. z (B×4H)
 * holds x·Wx + h·Wh and is replaced by the activated gates i f g o.
 */
static napi_value js_lstm_forward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value a[8];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 8) return range_error(env, "lmstream_native.lstmForward: 8 arguments expected");
  float *z, *bias, *cp, *co, *tc, *h;
  size_t lz, lb, l1, l2, l3, l4;
  int B, H;
  if (!get_f32(env, a[0], &z, &lz, "z") || !get_f32(env, a[1], &bias, &lb, "bias") || !get_f32(env, a[2], &cp, &l1, "cPrev") ||
      !get_f32(env, a[3], &co, &l2, "cOut") || !get_f32(env, a[4], &tc, &l3, "tc") || !get_f32(env, a[5], &h, &l4, "h") ||
      !get_int(env, a[6], &B, "B") || !get_int(env, a[7], &H, "H"))
    return NULL;
  size_t BH = (size_t)B * H;
  if (lz < 4 * BH || lb < 4 * (size_t)H || l1 < BH || l2 < BH || l3 < BH || l4 < BH)
    return range_error(env, "lmstream_native.lstmForward: arrays too short");
  for (int b = 0; b < B; b++) {
    float *zr = z + (size_t)b * 4 * H;
    const float *c0 = cp + (size_t)b * H;
    float *c1 = co + (size_t)b * H, *t1 = tc + (size_t)b * H, *h1 = h + (size_t)b * H;
#pragma GCC ivdep
    for (int j = 0; j < H; j++) {
      float ig = sigm(zr[j] + bias[j]);
      float fg = sigm(zr[H + j] + bias[H + j]);
      float gg = tanh_(zr[2 * H + j] + bias[2 * H + j]);
      float og = sigm(zr[3 * H + j] + bias[3 * H + j]);
      float c = fg * c0[j] + ig * gg;
      float t = tanh_(c);
      c1[j] = c;
      t1[j] = t;
      h1[j] = og * t;
      zr[j] = ig;
      zr[H + j] = fg;
      zr[2 * H + j] = gg;
      zr[3 * H + j] = og;
    }
  }
  return NULL;
}

/*
 * lstmBackward(gates, tc, cPrev, dOut, dhNext, dcNext, dz, B, H): one time
 * step backwards; dcNext is updated in place (dc·f), dz (B×4H) written.
 */
static napi_value js_lstm_backward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value a[9];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 9) return range_error(env, "lmstream_native.lstmBackward: 9 arguments expected");
  float *gt, *tc, *cp, *dO, *dh, *dc, *dz;
  size_t l0, l1, l2, l3, l4, l5, l6;
  int B, H;
  if (!get_f32(env, a[0], &gt, &l0, "gates") || !get_f32(env, a[1], &tc, &l1, "tc") || !get_f32(env, a[2], &cp, &l2, "cPrev") ||
      !get_f32(env, a[3], &dO, &l3, "dOut") || !get_f32(env, a[4], &dh, &l4, "dhNext") || !get_f32(env, a[5], &dc, &l5, "dcNext") ||
      !get_f32(env, a[6], &dz, &l6, "dz") || !get_int(env, a[7], &B, "B") || !get_int(env, a[8], &H, "H"))
    return NULL;
  size_t BH = (size_t)B * H;
  if (l0 < 4 * BH || l1 < BH || l2 < BH || l3 < BH || l4 < BH || l5 < BH || l6 < 4 * BH)
    return range_error(env, "lmstream_native.lstmBackward: arrays too short");
  for (int b = 0; b < B; b++) {
    const float *g = gt + (size_t)b * 4 * H;
    float *d = dz + (size_t)b * 4 * H;
    size_t so = (size_t)b * H;
#pragma GCC ivdep
    for (int j = 0; j < H; j++) {
      float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
      float t = tc[so + j];
      float dhj = dO[so + j] + dh[so + j];
      float dcj = dc[so + j] + dhj * og * (1 - t * t);
      d[j] = dcj * gg * ig * (1 - ig);
      d[H + j] = dcj * cp[so + j] * fg * (1 - fg);
      d[2 * H + j] = dcj * ig * (1 - gg * gg);
      d[3 * H + j] = dhj * t * og * (1 - og);
      dc[so + j] = dcj * fg;
    }
  }
  return NULL;
}

/*
 * softmaxXent(logits, bias, N, V, y, counted, gradScale, nats) → Σ −log P(y):
 * rows of logits (N×V) get the bias added and are scored against y (Int32Array);
 * counted (Uint8Array or null) marks the scored rows; nats (Float32Array or
 * null) receives each scored row's −log P. When gradScale > 0 each row is
 * replaced by its gradient gradScale·(softmax − onehot(y)) (zero when not scored).
 */
static napi_value js_softmax_xent(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value a[8];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 8) return range_error(env, "lmstream_native.softmaxXent: 8 arguments expected");
  float *L, *bias, *nats = NULL;
  size_t ll, lb, ln = 0;
  int N, V;
  double scale;
  if (!get_f32(env, a[0], &L, &ll, "logits") || !get_f32(env, a[1], &bias, &lb, "bias") || !get_int(env, a[2], &N, "N") ||
      !get_int(env, a[3], &V, "V") || !get_f64(env, a[6], &scale, "gradScale"))
    return NULL;
  napi_typedarray_type tt;
  size_t ly, lc = 0;
  void *yd, *cd = NULL;
  napi_value ab;
  size_t off;
  bool is;
  if (napi_is_typedarray(env, a[4], &is) != napi_ok || !is || napi_get_typedarray_info(env, a[4], &tt, &ly, &yd, &ab, &off) != napi_ok ||
      tt != napi_int32_array) {
    napi_throw_type_error(env, NULL, "lmstream_native.softmaxXent: y must be an Int32Array");
    return NULL;
  }
  napi_valuetype vt;
  CHECK(napi_typeof(env, a[5], &vt));
  if (vt != napi_null && vt != napi_undefined) {
    if (napi_is_typedarray(env, a[5], &is) != napi_ok || !is || napi_get_typedarray_info(env, a[5], &tt, &lc, &cd, &ab, &off) != napi_ok ||
        tt != napi_uint8_array) {
      napi_throw_type_error(env, NULL, "lmstream_native.softmaxXent: counted must be a Uint8Array or null");
      return NULL;
    }
  }
  CHECK(napi_typeof(env, a[7], &vt));
  if (vt != napi_null && vt != napi_undefined && !get_f32(env, a[7], &nats, &ln, "nats")) return NULL;
  if (ll < (size_t)N * V || lb < (size_t)V || ly < (size_t)N || (cd && lc < (size_t)N) || (nats && ln < (size_t)N))
    return range_error(env, "lmstream_native.softmaxXent: arrays too short");
  const int32_t *y = (const int32_t *)yd;
  const uint8_t *counted = (const uint8_t *)cd;
  for (int n = 0; n < N; n++)
    if (y[n] < 0 || y[n] >= V) {
      char msg[128];
      snprintf(msg, sizeof msg, "target id %d outside the vocabulary (size %d)", y[n], V);
      napi_throw_range_error(env, NULL, msg);
      return NULL;
    }
  const int grad = scale > 0;
  double sum = 0;
  for (int n = 0; n < N; n++) {
    float *row = L + (size_t)n * V;
    float mx = -INFINITY;
    for (int j = 0; j < V; j++) {
      float x = row[j] + bias[j];
      row[j] = x;
      mx = x > mx ? x : mx;
    }
    float ly_ = row[y[n]];
    double s = 0;
    if (grad)
      for (int j = 0; j < V; j++) {
        float e = fexp(row[j] - mx);
        row[j] = e;
        s += e;
      }
    else
      for (int j = 0; j < V; j++) s += fexp(row[j] - mx);
    double lse = mx + log(s);
    int use = !counted || counted[n];
    if (use) {
      double nll = lse - ly_;
      sum += nll;
      if (nats) nats[n] = (float)nll;
    }
    if (grad) {
      if (!use) memset(row, 0, (size_t)V * sizeof(float));
      else {
        float k = (float)(scale / s);
        for (int j = 0; j < V; j++) row[j] *= k;
        row[y[n]] -= (float)scale;
      }
    }
  }
  napi_value r;
  CHECK(napi_create_double(env, sum, &r));
  return r;
}

/* addSumSq(g, e, i0, i1, norm): g[i] += e[i] on [i0, i1) (e may be null); returns Σ g² there when norm (float64), else 0 */
static napi_value js_add_sumsq(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value a[5];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 5) return range_error(env, "lmstream_native.addSumSq: 5 arguments expected");
  float *g, *e = NULL;
  size_t lg, le = 0;
  int i0, i1, norm;
  napi_valuetype vt;
  if (!get_f32(env, a[0], &g, &lg, "g")) return NULL;
  CHECK(napi_typeof(env, a[1], &vt));
  if (vt != napi_null && vt != napi_undefined && !get_f32(env, a[1], &e, &le, "e")) return NULL;
  if (!get_int(env, a[2], &i0, "i0") || !get_int(env, a[3], &i1, "i1") || !get_bool(env, a[4], &norm)) return NULL;
  if (i0 > i1 || (size_t)i1 > lg || (e && (size_t)i1 > le)) return range_error(env, "lmstream_native.addSumSq: range outside the arrays");
  if (e)
    for (int i = i0; i < i1; i++) g[i] += e[i];
  double s = 0;
  if (norm)
    for (int i = i0; i < i1; i++) s += (double)g[i] * g[i];
  napi_value r;
  CHECK(napi_create_double(env, s, &r));
  return r;
}

/* setThreads(n): the BLAS's own thread count (1 at load); false when it has no such call */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  int n;
  if (argc < 1 || !get_int(env, a[0], &n, "n")) return NULL;
  napi_value r;
  if (blas_set_threads && n >= 1) blas_set_threads(n);
  CHECK(napi_get_boolean(env, blas_set_threads != NULL && n >= 1, &r));
  return r;
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *val) {
  napi_value s;
  if (napi_create_string_utf8(env, val, NAPI_AUTO_LENGTH, &s) == napi_ok) napi_set_named_property(env, obj, key, s);
}

/* info(): {sgemm: 'openblas'|'blis'|'mkl'|'atlas'|'builtin', library, note} */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o;
  CHECK(napi_create_object(env, &o));
  set_str(env, o, "sgemm", blas_kind);
  set_str(env, o, "library", blas_lib);
  set_str(env, o, "note", blas_note);
  return o;
}

static napi_value init(napi_env env, napi_value exports) {
  load_blas();
  napi_property_descriptor d[] = {
      {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_default, NULL},
      {"lstmForward", NULL, js_lstm_forward, NULL, NULL, NULL, napi_default, NULL},
      {"lstmBackward", NULL, js_lstm_backward, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxXent", NULL, js_softmax_xent, NULL, NULL, NULL, napi_default, NULL},
      {"addSumSq", NULL, js_add_sumsq, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof d / sizeof d[0], d) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
