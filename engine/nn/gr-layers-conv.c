/* The convolutional layers: conv2d (im2col + GEMM, with stride, padding
 * and dilation), max and average pooling, global average pooling,
 * bilinear upsampling and spatial dropout. Each kind is one ops table;
 * backward adds into the inputs' dy and writes its own parameter
 * gradients, as in gr-layers-basic.c.
 *
 * Conv2d works image by image and, inside an image, on bands of output
 * rows sized to stay in L2 (see the conv2d section for its three paths).
 *
 * Threads: with two, a conv call splits its batch between this thread and
 * a helper, each running single-threaded GEMMs on one image at a time with
 * its own scratch. Every image's weight gradient has its own accumulator
 * (in node->cache), summed in image order at the end, so the same
 * floating-point operations happen in the same order whatever the thread
 * count: results are bit-identical with one or two threads. */

#include "gr-i18n.h"
#include "gr-net-private.h"

#include <cblas.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

/* The most threads one conv call uses (this machine has two cores). */
#define CONV_WORKERS 2
/* Floats of one im2col column band: 32k = 128 KiB, a quarter of L2, so the
 * band and OpenBLAS's packed copy of it stay there. */
#define COL_TILE_FLOATS 32768
/* Floats of one GEMM output band of the shifted path: 16k = 64 KiB.
 * Measured on W3's 16-channel layers: 16k and 32k tie, 4k-8k are 3-5 %
 * slower (more, smaller GEMMs). */
#define SHIFT_BAND_FLOATS 16384
/* The shifted path runs GEMMs of depth IC; below this the im2col path's
 * single GEMM of depth IC k k is faster (a 1-channel input layer would be
 * nine rank-1 updates). */
#define SHIFT_MIN_IC 8
/* A conv call is split across threads only above this many FLOPs (about
 * 200 us of work; gr_net_run_workers () wakes the process's helper thread
 * in a few us), or when its maps are larger than this many bytes: a 1 x 1
 * conv to a few classes (W3's classifier, 6 MFLOP over 4.8 MB of maps) is
 * bound by memory, and a core streams about 1 MB in 100 us. */
#define PARALLEL_MIN_FLOPS 8.0e6
#define PARALLEL_MIN_BYTES 1.0e6
/* The shifted path's AVX2 kernels take kernels up to 7 x 7. */
#define CONV_FAST_TAPS 49

/* ---- shared helpers ------------------------------------------------------ */

static int
clampi (int v,
        int lo,
        int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* Smallest q with q * s >= a, for s > 0 and any sign of a. */
static int
ceil_div (int a,
          int s)
{
  return a > 0 ? (a + s - 1) / s : -((-a) / s);
}

/* Output side of a sliding window; <= 0 if the window does not fit. */
static int
window_out (int in,
            int k,
            int s,
            int p,
            int d)
{
  int span = in + 2 * p - d * (k - 1) - 1;

  return span < 0 ? 0 : span / s + 1;
}

static GrStatus
check_window (GrNet      *net,
              GrNode     *node,
              const char *what)
{
  const GrLayerSpec *sp = &node->spec;

  if (sp->kernel <= 0 || sp->stride <= 0 || sp->pad < 0 || sp->dilation <= 0)
    {
      gr_net_set_error (net, GR_("layer '%s': %s needs kernel >= 1, stride >= 1, pad >= 0 "
                            "and dilation >= 1 (got %d, %d, %d, %d)"), sp->name, what,
                        sp->kernel, sp->stride, sp->pad, sp->dilation);
      return GR_ERR_ARG;
    }
  return GR_OK;
}

/* Sets node->out for a k x k window over the input; GR_ERR_SHAPE if the
 * window does not fit. */
static GrStatus
window_setup (GrNet  *net,
              GrNode *node,
              int     channels)
{
  GrNode *in = gr_node_input (net, node, 0);
  const GrLayerSpec *sp = &node->spec;
  int oh = window_out (in->out.h, sp->kernel, sp->stride, sp->pad, sp->dilation);
  int ow = window_out (in->out.w, sp->kernel, sp->stride, sp->pad, sp->dilation);

  if (oh <= 0 || ow <= 0)
    {
      gr_net_set_error (net, GR_("layer '%s': a %dx%d window (dilation %d, pad %d) does not "
                            "fit a %dx%d input ('%s')"), sp->name, sp->kernel, sp->kernel,
                        sp->dilation, sp->pad, in->out.h, in->out.w, in->spec.name);
      return GR_ERR_SHAPE;
    }
  node->out = (GrShape) { 1, channels, oh, ow };
  return GR_OK;
}

/* dst[lo, hi) = src[0, hi - lo) and dst[0, n) outside that = 0. Rows are
 * short (an image row) and there are many, so this avoids library calls:
 * fixed 8-float blocks compile to vector moves, and the last block
 * overlaps the one before instead of a scalar tail. */
static inline void
row_copy (float       *restrict dst,
          const float *restrict src,
          int                   lo,
          int                   hi,
          int                   n)
{
  static const float zeros[8];
  int len = hi - lo, q;

  if (lo > 0 || hi < n)
    {
      if (n >= 8)
        {
          for (q = 0; q + 8 <= n; q += 8)
            memcpy (dst + q, zeros, sizeof zeros);
          memcpy (dst + n - 8, zeros, sizeof zeros);
        }
      else
        for (q = 0; q < n; q++)
          dst[q] = 0.0f;
    }
  dst += lo;
  if (len >= 8)
    {
      for (q = 0; q + 8 <= len; q += 8)
        memcpy (dst + q, src + q, sizeof zeros);
      memcpy (dst + len - 8, src + len - 8, sizeof zeros);
    }
  else
    for (q = 0; q < len; q++)
      dst[q] = src[q];
}

/* dst[q] (+)= src[q] + b for q < n, in vectorisable 8-float blocks. */
static inline void
row_store (float       *restrict dst,
           const float *restrict src,
           int                   n,
           float                 b,
           bool                  add)
{
  int q = 0;

  if (add)
    {
      for (; q + 8 <= n; q += 8)
        for (int u = 0; u < 8; u++)
          dst[q + u] += src[q + u] + b;
      for (; q < n; q++)
        dst[q] += src[q] + b;
    }
  else
    {
      for (; q + 8 <= n; q += 8)
        for (int u = 0; u < 8; u++)
          dst[q + u] = src[q + u] + b;
      for (; q < n; q++)
        dst[q] = src[q] + b;
    }
}

/* v[q] += b for q < n. */
static inline void
row_add_bias (float *v,
              int    n,
              float  b)
{
  int q = 0;

  for (; q + 8 <= n; q += 8)
    for (int u = 0; u < 8; u++)
      v[q + u] += b;
  for (; q < n; q++)
    v[q] += b;
}

/* Copies (C, sh, sw) planes into a (C, dh, dw) window shifted by @off:
 *   dst[c, Y, X] = src[c, Y - off, X - off], 0 outside src.
 * A positive @off pads, a negative one crops. */
static void
pad_planes (const float *src,
            int          C,
            int          sh,
            int          sw,
            int          off,
            int          dh,
            int          dw,
            float       *dst)
{
  int lo = clampi (off, 0, dw), hi = clampi (off + sw, lo, dw);

  for (int c = 0; c < C; c++)
    for (int y = 0; y < dh; y++)
      {
        float *row = dst + ((size_t) c * dh + y) * dw;
        int sy = y - off;

        if (sy < 0 || sy >= sh)
          row_copy (row, NULL, 0, 0, dw);
        else
          row_copy (row, src + ((size_t) c * sh + sy) * sw + (lo - off), lo, hi, dw);
      }
}

/* Gathers rows [r0, r1) of the output grid (width @ow) of a k x k window
 * with stride s, pad p, dilation d into a column band:
 *   col[(c, i, j), (r - r0) ow + q] = src[c, r s - p + i d, q s - p + j d]
 * and 0 where that lies outside the (sh, sw) source planes. */
static void
im2col_rows (const float *src,  /* (C, sh, sw) */
             int          C,
             int          sh,
             int          sw,
             int          k,
             int          s,
             int          p,
             int          d,
             int          r0,
             int          r1,
             int          ow,
             float       *col)  /* (C k k, (r1 - r0) ow) */
{
  size_t band = (size_t) (r1 - r0) * ow;

  for (int c = 0; c < C; c++)
    for (int i = 0; i < k; i++)
      for (int j = 0; j < k; j++)
        {
          float *dst = col + ((size_t) (c * k + i) * k + j) * band;
          int bx = j * d - p;
          int lo = clampi (ceil_div (-bx, s), 0, ow);
          int hi = clampi (ceil_div (sw - bx, s), lo, ow);

          for (int r = r0; r < r1; r++, dst += ow)
            {
              int sy = r * s - p + i * d;
              const float *row = src + ((size_t) c * sh + sy) * sw;

              if (sy < 0 || sy >= sh)
                {
                  row_copy (dst, NULL, 0, 0, ow);
                  continue;
                }
              if (s == 1)
                {
                  row_copy (dst, row + lo + bx, lo, hi, ow);
                  continue;
                }
              row_copy (dst, NULL, 0, 0, ow);
              for (int q = lo; q < hi; q++)
                dst[q] = row[q * s + bx];
            }
        }
}

/* The adjoint of im2col_rows: adds each column entry back into the source
 * pixel it came from. */
static void
col2im_rows_add (const float *col,  /* (C k k, (r1 - r0) ow) */
                 int          C,
                 int          sh,
                 int          sw,
                 int          k,
                 int          s,
                 int          p,
                 int          d,
                 int          r0,
                 int          r1,
                 int          ow,
                 float       *dst)  /* (C, sh, sw), accumulated */
{
  size_t band = (size_t) (r1 - r0) * ow;

  for (int c = 0; c < C; c++)
    for (int i = 0; i < k; i++)
      for (int j = 0; j < k; j++)
        {
          const float *src = col + ((size_t) (c * k + i) * k + j) * band;
          int bx = j * d - p;
          int lo = clampi (ceil_div (-bx, s), 0, ow);
          int hi = clampi (ceil_div (sw - bx, s), lo, ow);

          for (int r = r0; r < r1; r++, src += ow)
            {
              int sy = r * s - p + i * d;
              float *row = dst + ((size_t) c * sh + sy) * sw;

              if (sy < 0 || sy >= sh)
                continue;
              for (int q = lo; q < hi; q++)
                row[q * s + bx] += src[q];
            }
        }
}


/* ---- AVX2 + FMA kernels for the shifted path ------------------------------ */
/* OpenBLAS runs the shifted path's k^2 GEMMs of depth IC (16 on W3) at
 * about half its square rate: each call packs its operands again and
 * reads and writes the whole output band. These kernels keep a 4 x 24
 * block of the output in registers over all taps and channels (depth
 * k^2 IC), reading the shifted inputs straight from the padded planes.
 * They are compiled for AVX2 + FMA and used when the CPU has both
 * (checked at run time); otherwise the GEMMs run as before. */
#if defined (__GNUC__) && defined (__x86_64__)
#define CONV_X86_KERNELS 1
#include <immintrin.h>

/* The block loops below have constant trip counts once inlined; at -O2
 * (the default build) GCC would keep them as loops with the accumulators
 * on the stack, so they are unrolled explicitly. */
#define UNROLL_ALL _Pragma ("GCC unroll 8")

/* libgcc fills the CPU model in a constructor, so this needs no
 * __builtin_cpu_init () and no cache of its own (no data race between
 * sessions on several threads). */
static bool
conv_have_avx2_fma (void)
{
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
}

/* One block of shifted_rows_avx2 (): MO output channels (4 or 1) by NV
 * vectors of 8 columns of one output row; always inlined with constant
 * MO and NV, so the accumulators live in registers. */
__attribute__ ((target ("avx2,fma"), always_inline))
static inline void
taps_block_avx2 (int          MO,
                 int          NV,
                 int          kc,
                 int          k2,
                 const float *a0,     /* A at row o: A[(t m + o) kc + c] */
                 size_t       am,     /* m kc */
                 const float *b0,     /* B at the block's first column */
                 size_t       plane,
                 const int   *off,
                 float       *y0,     /* out at (o, row, column) */
                 size_t       oplane,
                 const float *bias,   /* bias + o, or NULL */
                 bool         add)
{
  __m256 acc[4][3];

  UNROLL_ALL
  for (int i = 0; i < MO; i++)
    UNROLL_ALL
    for (int v = 0; v < NV; v++)
      acc[i][v] = _mm256_setzero_ps ();
  for (int t = 0; t < k2; t++)
    {
      const float *b = b0 + off[t];
      const float *a = a0 + t * am;

      for (int c = 0; c < kc; c++, b += plane)
        {
          __m256 bv[3];

          UNROLL_ALL
          for (int v = 0; v < NV; v++)
            bv[v] = _mm256_loadu_ps (b + 8 * v);
          UNROLL_ALL
          for (int i = 0; i < MO; i++)
            {
              __m256 w = _mm256_broadcast_ss (a + i * kc + c);

              UNROLL_ALL
              for (int v = 0; v < NV; v++)
                acc[i][v] = _mm256_fmadd_ps (w, bv[v], acc[i][v]);
            }
        }
    }
  UNROLL_ALL
  for (int i = 0; i < MO; i++)
    UNROLL_ALL
    for (int v = 0; v < NV; v++)
      {
        float *p = y0 + i * oplane + 8 * v;
        __m256 r = acc[i][v];

        if (bias)
          r = _mm256_add_ps (r, _mm256_set1_ps (bias[i]));
        if (add)
          r = _mm256_add_ps (_mm256_loadu_ps (p), r);
        _mm256_storeu_ps (p, r);
      }
}

/* out[o, r, q] (+)= bias[o] + sum over taps t and c < kc of
 *   A[(t m + o) kc + c] B[c plane + off[t] + r ldb + q]
 * for o < m, r < rows, q < width; out (m, rows, width) with planes
 * @oplane apart. The forward (out = y, B = padded x) and dx (out = dx,
 * B = padded dy, A = the flipped weights) of the shifted path. Each
 * element sums over t, then c, whatever block it falls in. */
__attribute__ ((target ("avx2,fma")))
static void
shifted_rows_avx2 (int          m,
                   int          kc,
                   int          k2,
                   const float *A,
                   const float *B,
                   size_t       plane,
                   int          ldb,
                   const int   *off,
                   int          rows,
                   int          width,
                   float       *out,
                   size_t       oplane,
                   const float *bias,
                   bool         add)
{
  size_t am = (size_t) m * kc;

  for (int r = 0; r < rows; r++)
    {
      const float *br = B + (size_t) r * ldb;
      float *yr = out + (size_t) r * width;
      int q = 0;

#define TAPS_COLS(NV)                                                          \
      {                                                                        \
        int o = 0;                                                             \
                                                                               \
        for (; o + 4 <= m; o += 4)                                             \
          taps_block_avx2 (4, NV, kc, k2, A + (size_t) o * kc, am, br + q,     \
                           plane, off, yr + o * oplane + q, oplane,            \
                           bias ? bias + o : NULL, add);                       \
        for (; o < m; o++)                                                     \
          taps_block_avx2 (1, NV, kc, k2, A + (size_t) o * kc, am, br + q,     \
                           plane, off, yr + o * oplane + q, oplane,            \
                           bias ? bias + o : NULL, add);                       \
        q += 8 * NV;                                                           \
      }
      while (q + 24 <= width)
        TAPS_COLS (3)
      if (q + 16 <= width)
        TAPS_COLS (2)
      if (q + 8 <= width)
        TAPS_COLS (1)
#undef TAPS_COLS
      for (; q < width; q++)
        for (int o = 0; o < m; o++)
          {
            float v = 0.0f;

            for (int t = 0; t < k2; t++)
              {
                const float *b = br + off[t] + q;
                const float *a = A + t * am + (size_t) o * kc;

                for (int c = 0; c < kc; c++, b += plane)
                  v = __builtin_fmaf (a[c], *b, v);
              }
            if (bias)
              v += bias[o];
            if (add)
              v = yr[o * oplane + q] + v;
            yr[o * oplane + q] = v;
          }
    }
}

/* dyt (P, oc) = dy (oc, P) transposed, 8 x 8 blocks in registers;
 * oc is a multiple of 8. */
__attribute__ ((target ("avx2,fma")))
static void
transpose_dy_avx2 (const float *dy,
                   int          oc,
                   int          P,
                   float       *dyt)
{
  int p = 0;

  for (; p + 8 <= P; p += 8)
    for (int o = 0; o < oc; o += 8)
      {
        const float *src = dy + (size_t) o * P + p;
        float *dst = dyt + (size_t) p * oc + o;
        __m256 r0 = _mm256_loadu_ps (src), r1 = _mm256_loadu_ps (src + P);
        __m256 r2 = _mm256_loadu_ps (src + 2 * (size_t) P), r3 = _mm256_loadu_ps (src + 3 * (size_t) P);
        __m256 r4 = _mm256_loadu_ps (src + 4 * (size_t) P), r5 = _mm256_loadu_ps (src + 5 * (size_t) P);
        __m256 r6 = _mm256_loadu_ps (src + 6 * (size_t) P), r7 = _mm256_loadu_ps (src + 7 * (size_t) P);
        __m256 t0 = _mm256_unpacklo_ps (r0, r1), t1 = _mm256_unpackhi_ps (r0, r1);
        __m256 t2 = _mm256_unpacklo_ps (r2, r3), t3 = _mm256_unpackhi_ps (r2, r3);
        __m256 t4 = _mm256_unpacklo_ps (r4, r5), t5 = _mm256_unpackhi_ps (r4, r5);
        __m256 t6 = _mm256_unpacklo_ps (r6, r7), t7 = _mm256_unpackhi_ps (r6, r7);
        __m256 u0 = _mm256_shuffle_ps (t0, t2, 0x44), u1 = _mm256_shuffle_ps (t0, t2, 0xEE);
        __m256 u2 = _mm256_shuffle_ps (t1, t3, 0x44), u3 = _mm256_shuffle_ps (t1, t3, 0xEE);
        __m256 u4 = _mm256_shuffle_ps (t4, t6, 0x44), u5 = _mm256_shuffle_ps (t4, t6, 0xEE);
        __m256 u6 = _mm256_shuffle_ps (t5, t7, 0x44), u7 = _mm256_shuffle_ps (t5, t7, 0xEE);

        _mm256_storeu_ps (dst, _mm256_permute2f128_ps (u0, u4, 0x20));
        _mm256_storeu_ps (dst + oc, _mm256_permute2f128_ps (u1, u5, 0x20));
        _mm256_storeu_ps (dst + 2 * oc, _mm256_permute2f128_ps (u2, u6, 0x20));
        _mm256_storeu_ps (dst + 3 * oc, _mm256_permute2f128_ps (u3, u7, 0x20));
        _mm256_storeu_ps (dst + 4 * oc, _mm256_permute2f128_ps (u0, u4, 0x31));
        _mm256_storeu_ps (dst + 5 * oc, _mm256_permute2f128_ps (u1, u5, 0x31));
        _mm256_storeu_ps (dst + 6 * oc, _mm256_permute2f128_ps (u2, u6, 0x31));
        _mm256_storeu_ps (dst + 7 * oc, _mm256_permute2f128_ps (u3, u7, 0x31));
      }
  for (; p < P; p++)
    for (int o = 0; o < oc; o++)
      dyt[(size_t) p * oc + o] = dy[(size_t) o * P + p];
}

/* CB input channels from c, 16 output channels from o0, one tap, output
 * rows [r0, r1): dwt[c + u, o0 ..] += sum over pixels of
 * dyt[pixel, o0 ..] xrow[u][pixel], with the accumulators in registers. */
__attribute__ ((target ("avx2,fma"), always_inline))
static inline void
dw_block_avx2 (int          CB,
               const float *dyt,     /* (P, oc) */
               int          oc,
               int          o0,
               const float *x0,      /* padded x of channel c at the tap's offset */
               size_t       plane,
               int          wp,
               int          ow,
               int          r0,
               int          r1,
               float       *dwt)     /* (c, oc) rows of this tap, from channel c */
{
  __m256 a[6][2];

  UNROLL_ALL
  for (int u = 0; u < CB; u++)
    a[u][0] = a[u][1] = _mm256_setzero_ps ();
  for (int r = r0; r < r1; r++)
    {
      const float *d = dyt + ((size_t) r * ow) * oc + o0;
      const float *xr = x0 + (size_t) r * wp;

      for (int q = 0; q < ow; q++, d += oc)
        {
          __m256 d0 = _mm256_loadu_ps (d), d1 = _mm256_loadu_ps (d + 8);

          UNROLL_ALL
          for (int u = 0; u < CB; u++)
            {
              __m256 v = _mm256_broadcast_ss (xr + u * plane + q);

              a[u][0] = _mm256_fmadd_ps (v, d0, a[u][0]);
              a[u][1] = _mm256_fmadd_ps (v, d1, a[u][1]);
            }
        }
    }
  UNROLL_ALL
  for (int u = 0; u < CB; u++)
    {
      float *dst = dwt + (size_t) u * oc + o0;

      _mm256_storeu_ps (dst, _mm256_add_ps (_mm256_loadu_ps (dst), a[u][0]));
      _mm256_storeu_ps (dst + 8, _mm256_add_ps (_mm256_loadu_ps (dst + 8), a[u][1]));
    }
}

/* dwt (k2, ic, oc) += the weight gradient of one image from the padded
 * input xp (ic, hp, wp) and dyt (P, oc), oc a multiple of 16, in bands of
 * DW_ROWS output rows so that one tap's rows stay in L1. */
#define DW_ROWS 2

__attribute__ ((target ("avx2,fma")))
static void
shifted_dw_avx2 (const float *xp,
                 const float *dyt,
                 int          ic,
                 int          oc,
                 int          k2,
                 const int   *off,
                 size_t       plane,
                 int          wp,
                 int          oh,
                 int          ow,
                 float       *dwt)
{
  for (int r0 = 0; r0 < oh; r0 += DW_ROWS)
    {
      int r1 = r0 + DW_ROWS < oh ? r0 + DW_ROWS : oh;

      for (int t = 0; t < k2; t++)
        for (int o0 = 0; o0 < oc; o0 += 16)
          {
            float *dt = dwt + (size_t) t * ic * oc;
            int c = 0;

            for (; c + 6 <= ic; c += 6)
              dw_block_avx2 (6, dyt, oc, o0, xp + c * plane + off[t], plane, wp, ow, r0, r1,
                             dt + (size_t) c * oc);
            for (; c + 4 <= ic; c += 4)
              dw_block_avx2 (4, dyt, oc, o0, xp + c * plane + off[t], plane, wp, ow, r0, r1,
                             dt + (size_t) c * oc);
            for (; c < ic; c++)
              dw_block_avx2 (1, dyt, oc, o0, xp + c * plane + off[t], plane, wp, ow, r0, r1,
                             dt + (size_t) c * oc);
          }
    }
}
/* The direct path's two products when the conv has few output channels
 * (a 1 x 1 classifier to a few classes, W3's): OpenBLAS ran them as GEMMs
 * with M = 3 or K = 3, zeroing the output in a pass of its own and packing
 * the operands, at 18-27 GFLOP/s. These make one pass each. Every output
 * is the chain of fused multiply-adds over k in order from zero, then the
 * bias or the old value added, as OpenBLAS's kernels compute these
 * shapes (checked bit for bit on the machine's Zen kernels), so the
 * results are unchanged. */
#define DIRECT_MAX_OC 4

/* One block of direct_forward_avx2 (): M outputs by NV vectors of 8
 * columns, the sums in registers; always inlined with constant M, NV.
 * NV vectors of a channel's plane are read before the next channel's:
 * OpenBLAS's packing read one plane at a time, and 8 columns from each of
 * 16 planes in turn ran 50 % slower than its GEMM. */
__attribute__ ((target ("avx2,fma"), always_inline))
static inline void
direct_block_avx2 (int          M,
                   int          NV,
                   int          kc,
                   const float *W,
                   const float *x,    /* at the block's first column */
                   size_t       P,
                   float       *y,
                   const float *bias)
{
  __m256 acc[DIRECT_MAX_OC][4];

  UNROLL_ALL
  for (int o = 0; o < M; o++)
    UNROLL_ALL
    for (int v = 0; v < NV; v++)
      acc[o][v] = _mm256_setzero_ps ();
  for (int c = 0; c < kc; c++)
    {
      __m256 xv[4];

      UNROLL_ALL
      for (int v = 0; v < NV; v++)
        xv[v] = _mm256_loadu_ps (x + c * P + 8 * v);
      UNROLL_ALL
      for (int o = 0; o < M; o++)
        {
          __m256 w = _mm256_broadcast_ss (W + (size_t) o * kc + c);

          UNROLL_ALL
          for (int v = 0; v < NV; v++)
            acc[o][v] = _mm256_fmadd_ps (w, xv[v], acc[o][v]);
        }
    }
  UNROLL_ALL
  for (int o = 0; o < M; o++)
    UNROLL_ALL
    for (int v = 0; v < NV; v++)
      {
        __m256 r = acc[o][v];

        if (bias)
          r = _mm256_add_ps (r, _mm256_set1_ps (bias[o]));
        _mm256_storeu_ps (y + o * P + 8 * v, r);
      }
}

/* y (m, P) = W (m, kc) x (kc, P) + bias, for m <= DIRECT_MAX_OC. */
__attribute__ ((target ("avx2,fma")))
static void
direct_forward_avx2 (int          m,
                     int          kc,
                     const float *W,
                     const float *x,
                     int          P,
                     float       *y,
                     const float *bias)
{
  int p = 0;

#define DIRECT_COLS(M, NV)                                                     \
  for (; p + 8 * (NV) <= P; p += 8 * (NV))                                     \
    direct_block_avx2 (M, NV, kc, W, x + p, (size_t) P, y + p, bias);
  switch (m)
    {
    case 1: DIRECT_COLS (1, 4) DIRECT_COLS (1, 1) break;
    case 2: DIRECT_COLS (2, 4) DIRECT_COLS (2, 1) break;
    case 3: DIRECT_COLS (3, 4) DIRECT_COLS (3, 1) break;
    default: DIRECT_COLS (4, 3) DIRECT_COLS (4, 1) break;
    }
#undef DIRECT_COLS
  for (; p < P; p++)
    for (int o = 0; o < m; o++)
      {
        float v = 0.0f;

        for (int c = 0; c < kc; c++)
          v = __builtin_fmaf (W[(size_t) o * kc + c], x[(size_t) c * P + p], v);
        y[(size_t) o * P + p] = bias ? v + bias[o] : v;
      }
}

/* One block of direct_dx_avx2 (): NV vectors of 8 columns of every dx
 * plane from M dy planes kept in registers; always inlined with constant
 * M, NV (NV vectors written to a plane before the next, as above). */
__attribute__ ((target ("avx2,fma"), always_inline))
static inline void
direct_dx_block_avx2 (int          M,
                      int          NV,
                      int          kc,
                      const float *W,
                      const float *dy,   /* at the block's first column */
                      size_t       P,
                      float       *dx,
                      bool         add)
{
  __m256 d[DIRECT_MAX_OC][4];

  UNROLL_ALL
  for (int o = 0; o < M; o++)
    UNROLL_ALL
    for (int v = 0; v < NV; v++)
      d[o][v] = _mm256_loadu_ps (dy + o * P + 8 * v);
  for (int c = 0; c < kc; c++)
    {
      float *dst = dx + c * P;
      __m256 acc[4];

      UNROLL_ALL
      for (int v = 0; v < NV; v++)
        acc[v] = _mm256_setzero_ps ();
      UNROLL_ALL
      for (int o = 0; o < M; o++)
        {
          __m256 w = _mm256_broadcast_ss (W + (size_t) o * kc + c);

          UNROLL_ALL
          for (int v = 0; v < NV; v++)
            acc[v] = _mm256_fmadd_ps (w, d[o][v], acc[v]);
        }
      UNROLL_ALL
      for (int v = 0; v < NV; v++)
        {
          if (add)
            acc[v] = _mm256_add_ps (_mm256_loadu_ps (dst + 8 * v), acc[v]);
          _mm256_storeu_ps (dst + 8 * v, acc[v]);
        }
    }
}

/* dx (kc, P) (+)= W^T dy: dx[c, p] = sum over o < m of W[o, c] dy[o, p],
 * for m <= DIRECT_MAX_OC; added to dx when @add. */
__attribute__ ((target ("avx2,fma")))
static void
direct_dx_avx2 (int          m,
                int          kc,
                const float *W,
                const float *dy,
                int          P,
                float       *dx,
                bool         add)
{
  int p = 0;

#define DX_COLS(M, NV)                                                         \
  for (; p + 8 * (NV) <= P; p += 8 * (NV))                                     \
    direct_dx_block_avx2 (M, NV, kc, W, dy + p, (size_t) P, dx + p, add);
  switch (m)
    {
    case 1: DX_COLS (1, 4) DX_COLS (1, 1) break;
    case 2: DX_COLS (2, 4) DX_COLS (2, 1) break;
    case 3: DX_COLS (3, 3) DX_COLS (3, 1) break;
    default: DX_COLS (4, 2) DX_COLS (4, 1) break;
    }
#undef DX_COLS
  for (; p < P; p++)
    for (int c = 0; c < kc; c++)
      {
        float v = 0.0f;

        for (int o = 0; o < m; o++)
          v = __builtin_fmaf (W[(size_t) o * kc + c], dy[(size_t) o * P + p], v);
        dx[(size_t) c * P + p] = add ? dx[(size_t) c * P + p] + v : v;
      }
}
#endif

/* True when the shifted path's kernels serve k2 taps on this CPU: then the
 * shifted path takes every stride-1 conv, also those with few input
 * channels (a 1-channel 3x3 layer ran its im2col GEMM at 13 GFLOP/s,
 * the kernel with depth 9 at about 40). */
static bool
conv_fast_ok (int k2)
{
#ifdef CONV_X86_KERNELS
  return k2 <= CONV_FAST_TAPS && conv_have_avx2_fma ();
#else
  (void) k2;
  return false;
#endif
}

/* ---- conv2d ---------------------------------------------------------------- */
/* y (N, OC, Ho, Wo) = W (OC, IC k k) * im2col (x) + b; W row-major.
 *
 * Three paths, by shape:
 * - direct: 1x1, stride 1, no pad. x (IC, H W) is its own column matrix;
 *   with at most DIRECT_MAX_OC output channels (a classifier head) the
 *   forward and dx run the AVX2 kernels above instead of GEMMs.
 * - shifted: stride 1 and IC >= 8 (any IC when the AVX2 kernels above
 *   run: then forward, dx and, for OC % 16 == 0 and IC >= 4, dW use them
 *   instead of the GEMMs described here), any kernel, pad and dilation.
 *   The im2col is left to OpenBLAS's own packing. With x zero-padded to
 *   (IC, Hp, Wp), the column rows of tap (i, j) for a band of output rows,
 *   laid out at the padded pitch Wp, form one strided matrix,
 *   xp + (r0 + i d) Wp + j d with leading dimension Hp Wp. A band is then
 *   k^2 GEMMs of depth IC summed into a (OC, rows Wp) buffer; the columns
 *   past Wo of each row read across the row end and are dropped. dx is the
 *   same correlation over dy padded by d (k - 1) - p, with the kernel
 *   flipped and transposed; dW uses im2col bands. Measured on W3's
 *   16-channel 3x3 layers against im2col bands for all three: forward
 *   7 % faster, dx even, dW 7 % slower (hence im2col for dW).
 * - im2col (stride > 1, or few input channels): column bands sized to
 *   stay in L2; dx by a GEMM into the band and col2im.
 * Every path works image by image: a whole-batch column matrix would be
 * tens of megabytes and makes the same GEMMs about twice as slow here. */

typedef enum
{
  CONV_DIRECT,
  CONV_SHIFTED,
  CONV_IM2COL,
} ConvPath;

typedef struct
{
  int      ic, ih, iw;     /* input channels and plane */
  int      oc, oh, ow;     /* output channels and plane */
  int      k, s, p, d;     /* kernel, stride, pad, dilation */
  int      k2;             /* taps, k k */
  int      K;              /* ic k k: rows of the column matrix */
  int      P;              /* oh ow: columns of one image */
  ConvPath path;
  int      hp, wp;         /* SHIFTED: padded input plane */
  int      pq;             /* SHIFTED: pad of dy for dx, d (k - 1) - p (< 0 crops) */
  int      hq, wq;         /* SHIFTED: padded dy plane, H + d (k - 1) by W + d (k - 1) */
  int      rows;           /* SHIFTED: output rows per forward band */
  int      rows_dx;        /* SHIFTED: input rows per dx band */
  int      rows_col;       /* output rows per im2col column band */
  size_t   xp_floats;      /* SHIFTED, per worker: padded input */
  size_t   band_floats;    /* per worker: GEMM output band or column band */
  size_t   dyq_floats;     /* SHIFTED, per worker: padded dy */
  size_t   dyt_floats;     /* SHIFTED, OC % 16 == 0, per worker: dy transposed */
  size_t   dwt_floats;     /* same: dW as (k k, IC, OC) */
  size_t   shared_floats;  /* SHIFTED: rearranged weights, read by all workers */
  size_t   acc_floats;     /* per image: dW and db accumulator */
  size_t   xpc_floats;     /* per image, SHIFTED with OC % 16 == 0 and pad: the
                            * padded input kept from forward for dW */
  size_t   cache_floats;   /* per image: acc_floats + xpc_floats */
} ConvGeom;

static size_t
align16 (size_t n)
{
  return (n + 15) / 16 * 16;
}

static ConvGeom
conv_geom (const GrNet  *net,
           const GrNode *node)
{
  const GrNode *in = &net->nodes[node->spec.inputs[0]];
  const GrLayerSpec *sp = &node->spec;
  ConvGeom g = { 0 };

  g.ic = in->out.c;
  g.ih = in->out.h;
  g.iw = in->out.w;
  g.oc = node->out.c;
  g.oh = node->out.h;
  g.ow = node->out.w;
  g.k = sp->kernel;
  g.s = sp->stride;
  g.p = sp->pad;
  g.d = sp->dilation;
  g.k2 = g.k * g.k;
  g.K = g.ic * g.k2;
  g.P = g.oh * g.ow;
  if (g.k == 1 && g.s == 1 && g.p == 0)
    g.path = CONV_DIRECT;
  else if (g.s == 1 && (g.ic >= SHIFT_MIN_IC || conv_fast_ok (g.k * g.k)))
    g.path = CONV_SHIFTED;
  else
    g.path = CONV_IM2COL;

  if (g.path != CONV_DIRECT)
    {
      g.rows_col = clampi (COL_TILE_FLOATS / (g.K * g.ow), 1, g.oh);
      g.band_floats = align16 ((size_t) g.K * g.rows_col * g.ow);
    }
  if (g.path == CONV_SHIFTED)
    {
      int wide = g.ic > g.oc ? g.ic : g.oc;
      size_t nbf, nbt, nb;

      g.hp = g.ih + 2 * g.p;
      g.wp = g.iw + 2 * g.p;
      g.pq = g.d * (g.k - 1) - g.p;
      g.hq = g.ih + g.d * (g.k - 1);
      g.wq = g.iw + g.d * (g.k - 1);
      g.rows = clampi (SHIFT_BAND_FLOATS / (wide * g.wp), 1, g.oh);
      g.rows_dx = clampi (SHIFT_BAND_FLOATS / (wide * g.wq), 1, g.ih);
      nbf = (size_t) (g.rows - 1) * g.wp + g.ow;
      nbt = (size_t) (g.rows_dx - 1) * g.wq + g.iw;
      nb = align16 ((nbf > nbt ? nbf : nbt) * wide);
      g.xp_floats = g.p > 0 ? align16 ((size_t) g.ic * g.hp * g.wp) : 0;
      g.band_floats = nb > g.band_floats ? nb : g.band_floats;
      g.dyq_floats = g.pq != 0 ? align16 ((size_t) g.oc * g.hq * g.wq) : 0;
      g.shared_floats = align16 (2 * (size_t) g.k2 * g.oc * g.ic);
      /* dW's kernel keeps 16 output channels in two vectors and blocks of
       * 4-6 input channels; with fewer it is latency-bound and the
       * im2col GEMM is as fast (W3's 1-channel first layer). */
      if (g.oc % 16 == 0 && g.ic >= 4)
        {
          g.dyt_floats = align16 ((size_t) g.oc * g.P);
          g.dwt_floats = align16 ((size_t) g.k2 * g.ic * g.oc);
        }
    }
  g.acc_floats = align16 ((size_t) g.oc * g.K + (size_t) g.oc);
  g.xpc_floats = g.dyt_floats > 0 ? g.xp_floats : 0;
  g.cache_floats = g.acc_floats + g.xpc_floats;
  return g;
}

static size_t
conv_worker_floats (const ConvGeom *g)
{
  return g->xp_floats + g->band_floats + g->dyq_floats + g->dyt_floats + g->dwt_floats;
}

/* Workspace: [ shared weights ] [ worker scratch x CONV_WORKERS ], sized
 * for every worker whatever the thread count now, since threads can change
 * after compiling. The per-image dW accumulators live in node->cache. */
static size_t
conv_ws_floats (const ConvGeom *g)
{
  return g->shared_floats + CONV_WORKERS * conv_worker_floats (g);
}

static GrStatus
conv_setup (GrNet  *net,
            GrNode *node)
{
  GrNode *in = gr_node_input (net, node, 0);
  GrStatus st;
  ConvGeom g;

  if (node->spec.units <= 0)
    {
      gr_net_set_error (net, GR_("layer '%s': conv2d needs units (out channels) > 0, not %d"),
                        node->spec.name, node->spec.units);
      return GR_ERR_ARG;
    }
  st = check_window (net, node, "conv2d");
  if (st != GR_OK)
    return st;
  st = window_setup (net, node, node->spec.units);
  if (st != GR_OK)
    return st;
  node->n_param[0] = (size_t) node->spec.units * in->out.c * node->spec.kernel * node->spec.kernel;
  node->n_param[1] = node->spec.no_bias ? 0 : (size_t) node->spec.units;
  node->decay[0] = true;
  g = conv_geom (net, node);
  node->ws_floats = conv_ws_floats (&g);
  /* Not a forward cache: backward's per-image dW and db accumulators. */
  node->cache_per_sample = g.cache_floats;
  return GR_OK;
}

static void
conv_init (GrNet      *net,
           GrNode     *node,
           GrInitKind  init,
           float       sigma,
           GrRng      *rng)
{
  int k2 = node->spec.kernel * node->spec.kernel;
  int ic = gr_node_input (net, node, 0)->out.c;

  gr_layer_init_weights (node->param[0], node->n_param[0], ic * k2,
                         node->spec.units * k2, init, sigma, rng);
  if (node->n_param[1])
    memset (node->param[1], 0, sizeof (float) * node->n_param[1]);
}

/* One conv call, shared by its workers. Images are handed out one at a
 * time, so a worker slowed by another process simply takes fewer; each
 * image's weight gradient goes to its own accumulator and the accumulators
 * are summed in image order afterwards, so the result does not depend on
 * which worker did what, nor on how many there were. */
typedef struct
{
  GrNet          *net;
  GrNode         *node;
  const ConvGeom *g;
  bool            backward;
  bool            want_dx;
  bool            dx_assign; /* write dx instead of adding (the input's dy_assign) */
  int             n;        /* images */
  atomic_int      next;     /* the next image to hand out */
  const float    *wf;       /* SHIFTED: W as (k k, OC, IC) */
  const float    *wb;       /* SHIFTED: W flipped as (k k, IC, OC) */
  bool            fast;     /* SHIFTED: the AVX2 kernels instead of GEMMs */
  bool            fast_dw;  /* fast, and OC % 16 == 0: dW by its kernel too */
  bool            fast_direct; /* DIRECT with OC <= DIRECT_MAX_OC: forward and dx by
                                * the kernels above instead of GEMMs */
  int             off_f[CONV_FAST_TAPS];  /* fast: tap offsets in the padded x */
  int             off_b[CONV_FAST_TAPS];  /* fast: tap offsets in the padded dy */
} ConvTask;

typedef struct
{
  ConvTask       *task;
  float          *xp;       /* this worker's scratch, see ConvGeom */
  float          *band;
  float          *dyq;
  float          *dyt;
  float          *dwt;
} ConvWorker;

/* The zero-padded input of one image for the shifted path: x itself when
 * there is no padding. */
static const float *
shifted_input (const ConvWorker *w,
               const float      *x,
               float            *dst)   /* the padded copy: w->xp or the cache */
{
  const ConvGeom *g = w->task->g;

  if (g->p == 0)
    return x;
  pad_planes (x, g->ic, g->ih, g->iw, g->p, g->hp, g->wp, dst);
  return dst;
}

static void
conv_forward_image (const ConvWorker *w,
                    const float      *x,    /* (IC, H, W) */
                    float            *y,    /* (OC, Ho, Wo) */
                    float            *xpc)  /* where to keep the padded x, or NULL */
{
  const ConvTask *job = w->task;
  const ConvGeom *g = job->g;
  const GrNode *node = job->node;
  const float *W = node->param[0], *b = node->param[1];
  bool bias = node->n_param[1] > 0;

  if (g->path == CONV_DIRECT)
    {
#ifdef CONV_X86_KERNELS
      if (job->fast_direct)
        {
          direct_forward_avx2 (g->oc, g->K, W, x, g->P, y, bias ? b : NULL);
          return;
        }
#endif
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->oc, g->P, g->K,
                   1.0f, W, g->K, x, g->P, 0.0f, y, g->P);
      if (bias)
        for (int o = 0; o < g->oc; o++)
          row_add_bias (y + (size_t) o * g->P, g->P, b[o]);
      return;
    }

  if (g->path == CONV_SHIFTED)
    {
      const float *xp = shifted_input (w, x, xpc ? xpc : w->xp);
      int plane = g->hp * g->wp;

#ifdef CONV_X86_KERNELS
      if (job->fast)
        {
          shifted_rows_avx2 (g->oc, g->ic, g->k2, job->wf, xp, (size_t) plane, g->wp,
                             job->off_f, g->oh, g->ow, y, (size_t) g->P, bias ? b : NULL,
                             false);
          return;
        }
#endif
      for (int r0 = 0; r0 < g->oh; r0 += g->rows)
        {
          int r1 = r0 + g->rows < g->oh ? r0 + g->rows : g->oh;
          int nb = (r1 - r0 - 1) * g->wp + g->ow;

          for (int t = 0; t < g->k2; t++)
            {
              int i = t / g->k, j = t % g->k;

              cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->oc, nb, g->ic,
                           1.0f, job->wf + (size_t) t * g->oc * g->ic, g->ic,
                           xp + (size_t) (r0 + i * g->d) * g->wp + j * g->d, plane,
                           t ? 1.0f : 0.0f, w->band, nb);
            }
          for (int o = 0; o < g->oc; o++)
            for (int r = r0; r < r1; r++)
              row_store (y + (size_t) o * g->P + (size_t) r * g->ow,
                         w->band + (size_t) o * nb + (size_t) (r - r0) * g->wp,
                         g->ow, bias ? b[o] : 0.0f, false);
        }
      return;
    }

  for (int r0 = 0; r0 < g->oh; r0 += g->rows_col)
    {
      int r1 = r0 + g->rows_col < g->oh ? r0 + g->rows_col : g->oh;
      int pt = (r1 - r0) * g->ow;
      float *yt = y + (size_t) r0 * g->ow;

      im2col_rows (x, g->ic, g->ih, g->iw, g->k, g->s, g->p, g->d, r0, r1, g->ow, w->band);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->oc, pt, g->K,
                   1.0f, W, g->K, w->band, pt, 0.0f, yt, g->P);
      if (bias)
        for (int o = 0; o < g->oc; o++)
          row_add_bias (yt + (size_t) o * g->P, pt, b[o]);
    }
}

/* Adds the image's contribution to its dW accumulator @dw (zeroed) and, if
 * wanted, to dx. */
static void
conv_backward_image (const ConvWorker *w,
                     const float      *x,   /* (IC, H, W) */
                     const float      *dy,  /* (OC, Ho, Wo) */
                     float            *dx,  /* (IC, H, W), accumulated */
                     float            *dw,  /* (OC, K) */
                     const float      *xpc) /* the padded x kept by forward, or NULL */
{
  const ConvTask *job = w->task;
  const ConvGeom *g = job->g;
  const float *W = job->node->param[0];
  const float *dq;

  if (g->path == CONV_DIRECT)
    {
      /* dW (OC, IC) += dy (OC, P) x^T (P, IC) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, g->oc, g->K, g->P,
                   1.0f, dy, g->P, x, g->P, 1.0f, dw, g->K);
      /* dx (IC, P) += W^T (IC, OC) dy (OC, P) */
#ifdef CONV_X86_KERNELS
      if (job->want_dx && job->fast_direct)
        {
          direct_dx_avx2 (g->oc, g->K, W, dy, g->P, dx, !job->dx_assign);
          return;
        }
#endif
      if (job->want_dx)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, g->K, g->P, g->oc,
                     1.0f, W, g->K, dy, g->P, job->dx_assign ? 0.0f : 1.0f, dx, g->P);
      return;
    }

#ifdef CONV_X86_KERNELS
  if (job->fast_dw)
    {
      /* The padded x that forward kept. */
      const float *xp = xpc ? xpc : shifted_input (w, x, w->xp);
      size_t nt = (size_t) g->k2 * g->ic * g->oc;

      transpose_dy_avx2 (dy, g->oc, g->P, w->dyt);
      memset (w->dwt, 0, sizeof (float) * nt);
      shifted_dw_avx2 (xp, w->dyt, g->ic, g->oc, g->k2, job->off_f, (size_t) g->hp * g->wp,
                       g->wp, g->oh, g->ow, w->dwt);
      for (int t = 0; t < g->k2; t++)
        for (int c = 0; c < g->ic; c++)
          for (int o = 0; o < g->oc; o++)
            dw[(size_t) o * g->K + (size_t) c * g->k2 + t] += w->dwt[((size_t) t * g->ic + c) * g->oc + o];
    }
  else
#endif
  /* dW by im2col bands on both paths: one GEMM of depth "band" per band
   * measured 7 % faster than k^2 shifted GEMMs of output 16 x 16, which
   * each pack the same dy again. */
  for (int r0 = 0; r0 < g->oh; r0 += g->rows_col)
    {
      int r1 = r0 + g->rows_col < g->oh ? r0 + g->rows_col : g->oh;
      int pt = (r1 - r0) * g->ow;
      const float *dyt = dy + (size_t) r0 * g->ow;

      if (r0 == 0 && job->dx_assign && g->path == CONV_IM2COL)
        memset (dx, 0, sizeof (float) * g->ic * g->ih * g->iw);
      im2col_rows (x, g->ic, g->ih, g->iw, g->k, g->s, g->p, g->d, r0, r1, g->ow, w->band);
      /* dW (OC, K) += dy (OC, pt) col^T (pt, K) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, g->oc, g->K, pt,
                   1.0f, dyt, g->P, w->band, pt, 1.0f, dw, g->K);
      if (job->want_dx && g->path == CONV_IM2COL)
        {
          /* dcol (K, pt) = W^T (K, OC) dy (OC, pt), then scattered back. */
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, g->K, pt, g->oc,
                       1.0f, W, g->K, dyt, g->P, 0.0f, w->band, pt);
          col2im_rows_add (w->band, g->ic, g->ih, g->iw, g->k, g->s, g->p, g->d,
                           r0, r1, g->ow, dx);
        }
    }
  if (!job->want_dx || g->path != CONV_SHIFTED)
    return;

  /* Shifted dx: dx[c, y, x] = sum W[o, c, k-1-i, k-1-j] dyq[o, y + d i, x + d j]
   * with dyq = dy padded by pq, the forward's correlation turned around. */
  dq = dy;
  if (g->pq != 0)
    {
      pad_planes (dy, g->oc, g->oh, g->ow, g->pq, g->hq, g->wq, w->dyq);
      dq = w->dyq;
    }
#ifdef CONV_X86_KERNELS
  if (job->fast)
    {
      shifted_rows_avx2 (g->ic, g->oc, g->k2, job->wb, dq, (size_t) g->hq * g->wq, g->wq,
                         job->off_b, g->ih, g->iw, dx, (size_t) g->ih * g->iw, NULL,
                         !job->dx_assign);
      return;
    }
#endif
  for (int y0 = 0; y0 < g->ih; y0 += g->rows_dx)
    {
      int y1 = y0 + g->rows_dx < g->ih ? y0 + g->rows_dx : g->ih;
      int nb = (y1 - y0 - 1) * g->wq + g->iw;

      for (int t = 0; t < g->k2; t++)
        {
          int i = t / g->k, j = t % g->k;

          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->ic, nb, g->oc,
                       1.0f, job->wb + (size_t) t * g->ic * g->oc, g->oc,
                       dq + (size_t) (y0 + i * g->d) * g->wq + j * g->d, g->hq * g->wq,
                       t ? 1.0f : 0.0f, w->band, nb);
        }
      for (int c = 0; c < g->ic; c++)
        for (int yy = y0; yy < y1; yy++)
          row_store (dx + ((size_t) c * g->ih + yy) * g->iw,
                     w->band + (size_t) c * nb + (size_t) (yy - y0) * g->wq,
                     g->iw, 0.0f, !job->dx_assign);
    }
}

static void
conv_worker_run (ConvWorker *w)
{
  ConvTask *task = w->task;
  const ConvGeom *g = task->g;
  GrNode *node = task->node;
  GrNode *in = &task->net->nodes[node->spec.inputs[0]];

  for (;;)
    {
      int s = atomic_fetch_add (&task->next, 1);
      const float *x, *dy;
      float *acc, *xpc;

      if (s >= task->n)
        break;
      x = in->y + (size_t) s * in->out_size;
      xpc = g->xpc_floats ? node->cache + (size_t) s * g->cache_floats + g->acc_floats : NULL;
      if (!task->backward)
        {
          conv_forward_image (w, x, node->y + (size_t) s * node->out_size, xpc);
          continue;
        }
      dy = node->dy + (size_t) s * node->out_size;
      acc = node->cache + (size_t) s * g->cache_floats;
      memset (acc, 0, sizeof (float) * g->acc_floats);
      conv_backward_image (w, x, dy, in->dy + (size_t) s * in->out_size, acc, xpc);
      if (node->n_param[1])
        {
          float *db = acc + (size_t) g->oc * g->K;

          for (int o = 0; o < g->oc; o++)
            {
              const float *v = dy + (size_t) o * g->P;
              float part[8] = { 0 };
              int q = 0;

              /* Eight partial sums: vectorises and keeps the error small. */
              for (; q + 8 <= g->P; q += 8)
                for (int u = 0; u < 8; u++)
                  part[u] += v[q + u];
              for (; q < g->P; q++)
                part[0] += v[q];
              db[o] = ((part[0] + part[1]) + (part[2] + part[3]))
                      + ((part[4] + part[5]) + (part[6] + part[7]));
            }
        }
    }
}

static void
conv_worker_main (void *data,
                  int   worker)
{
  ConvWorker *workers = data;

  conv_worker_run (&workers[worker]);
}

/* Runs @task on this thread and, if it pays, one helper. */
static void
conv_run (GrNet    *net,
          ConvTask *task,
          double    flops)
{
  const ConvGeom *g = task->g;
  float *scratch = net->ws + g->shared_floats;
  size_t per = conv_worker_floats (g);
  double bytes = 4.0 * task->n * ((double) g->ic * g->ih * g->iw + (double) g->oc * g->oh * g->ow);
  bool parallel = net->threads >= 2 && task->n >= 2
                  && (flops >= PARALLEL_MIN_FLOPS || bytes >= PARALLEL_MIN_BYTES);
  ConvWorker workers[CONV_WORKERS];

  for (int i = 0; i < CONV_WORKERS; i++)
    {
      float *mine = scratch + i * per;

      workers[i] = (ConvWorker) {
        .task = task,
        .xp = mine,
        .band = mine + g->xp_floats,
        .dyq = mine + g->xp_floats + g->band_floats,
        .dyt = mine + g->xp_floats + g->band_floats + g->dyq_floats,
        .dwt = mine + g->xp_floats + g->band_floats + g->dyq_floats + g->dyt_floats,
      };
    }
  atomic_init (&task->next, 0);
  if (!parallel)
    {
      gr_net_blas_threads (net->threads);
      conv_worker_run (&workers[0]);
      return;
    }
  /* Each thread runs its GEMMs alone; OpenBLAS's own threads would fight
   * ours for the two cores. */
  gr_net_blas_threads (1);
  gr_net_run_workers (net, true, conv_worker_main, workers);
}

/* Fills @task; for the shifted path also rearranges W for the taps into
 * the shared part of the workspace. */
static void
conv_task_init (ConvTask       *task,
                GrNet          *net,
                GrNode         *node,
                const ConvGeom *g,
                int             n,
                bool            backward)
{
  float *wf = net->ws, *wb = net->ws + (size_t) g->k2 * g->oc * g->ic;

  task->net = net;
  task->node = node;
  task->g = g;
  task->backward = backward;
  task->want_dx = backward && gr_net_wants_grad (net, node->spec.inputs[0]);
  task->dx_assign = task->want_dx && net->nodes[node->spec.inputs[0]].dy_assign;
  task->n = n;
  task->wf = wf;
  task->wb = wb;
  task->fast = false;
  task->fast_dw = false;
  task->fast_direct = false;
#ifdef CONV_X86_KERNELS
  task->fast_direct = g->path == CONV_DIRECT && g->oc <= DIRECT_MAX_OC && conv_have_avx2_fma ();
  if (g->path == CONV_SHIFTED && conv_fast_ok (g->k2))
    {
      task->fast = true;
      task->fast_dw = g->dyt_floats > 0;
      for (int t = 0; t < g->k2; t++)
        {
          int i = t / g->k, j = t % g->k;

          task->off_f[t] = i * g->d * g->wp + j * g->d;
          task->off_b[t] = i * g->d * g->wq + j * g->d;
        }
    }
#endif
  if (g->path == CONV_SHIFTED)
    {
      const float *W = node->param[0];

      /* wf[t, o, c] = W[o, c, t]; wb[t, c, o] = W[o, c, k k - 1 - t] */
      for (int o = 0; o < g->oc; o++)
        for (int c = 0; c < g->ic; c++)
          for (int t = 0; t < g->k2; t++)
            {
              float v = W[(size_t) o * g->K + (size_t) c * g->k2 + t];

              wf[((size_t) t * g->oc + o) * g->ic + c] = v;
              wb[((size_t) (g->k2 - 1 - t) * g->ic + c) * g->oc + o] = v;
            }
    }
}

static double
conv_flops (const GrNet  *net,
            const GrNode *node)
{
  const GrNode *in = &net->nodes[node->spec.inputs[0]];
  double P = (double) node->out.h * node->out.w;
  double K = (double) in->out.c * node->spec.kernel * node->spec.kernel;

  return 2.0 * node->out.c * K * P + (node->n_param[1] ? node->out.c * P : 0.0);
}

static void
conv_forward (GrNet  *net,
              GrNode *node,
              int     n,
              bool    train,
              GrRng  *rng)
{
  ConvGeom g = conv_geom (net, node);
  ConvTask task;

  conv_task_init (&task, net, node, &g, n, false);
  conv_run (net, &task, conv_flops (net, node) * n);
}

static void
conv_backward (GrNet  *net,
               GrNode *node,
               int     n)
{
  ConvGeom g = conv_geom (net, node);
  ConvTask task;
  size_t nw = (size_t) g.oc * g.K;
  float *sum = node->cache;   /* image 0's accumulator, then the total */
  float *dw = node->dparam[0];

  conv_task_init (&task, net, node, &g, n, true);
  conv_run (net, &task, 2.0 * conv_flops (net, node) * n);

  /* Sum the images in order: the same bits for any thread count. */
  for (int s = 1; s < n; s++)
    {
      const float *acc = node->cache + (size_t) s * g.cache_floats;

      for (size_t i = 0; i < nw + (size_t) g.oc; i++)
        sum[i] += acc[i];
    }
  memcpy (dw, sum, sizeof (float) * nw);
  if (node->n_param[1])
    memcpy (node->dparam[1], sum + nw, sizeof (float) * g.oc);
}

const GrLayerOps gr_conv2d_ops = {
  .name = "conv2d",
  .setup = conv_setup,
  .init = conv_init,
  .forward = conv_forward,
  .backward = conv_backward,
  .flops = conv_flops,
  .assigns_dx = true,
};

/* ---- max and average pooling ------------------------------------------- */
/* Window k, stride s (default k), pad p, dilation d; output side
 * floor ((H + 2p - d (k - 1) - 1) / s) + 1 as in PyTorch. Max pooling
 * ignores padding; average pooling counts it (divides by k^2, PyTorch's
 * count_include_pad = True). */

static GrStatus
pool_setup (GrNet  *net,
            GrNode *node)
{
  GrNode *in = gr_node_input (net, node, 0);
  const char *what = gr_layer_kind_name (node->spec.kind);
  GrStatus st = check_window (net, node, what);

  if (st != GR_OK)
    return st;
  if (2 * node->spec.pad > node->spec.kernel)
    {
      gr_net_set_error (net, GR_("layer '%s': %s pad %d is more than half the kernel %d"),
                        node->spec.name, what, node->spec.pad, node->spec.kernel);
      return GR_ERR_ARG;
    }
  st = window_setup (net, node, in->out.c);
  if (st != GR_OK)
    return st;
  if (node->spec.kind == GR_LAYER_MAXPOOL)
    node->cache_per_sample = gr_shape_sample_size (node->out);
  return GR_OK;
}

static void
maxpool_forward (GrNet  *net,
                 GrNode *node,
                 int     n,
                 bool    train,
                 GrRng  *rng)
{
  const GrNode *in = gr_node_input (net, node, 0);
  const GrLayerSpec *sp = &node->spec;
  int C = node->out.c, oh = node->out.h, ow = node->out.w;
  int ih = in->out.h, iw = in->out.w;

  for (int s = 0; s < n; s++)
    for (int c = 0; c < C; c++)
      {
        const float *x = in->y + (size_t) s * in->out_size + (size_t) c * ih * iw;
        size_t obase = (size_t) s * node->out_size + (size_t) c * oh * ow;
        float *y = node->y + obase;
        float *arg = node->cache + obase;   /* argmax within the plane, as float */

        for (int oy = 0; oy < oh; oy++)
          for (int ox = 0; ox < ow; ox++)
            {
              float best = -INFINITY;
              int bi = -1;

              for (int i = 0; i < sp->kernel; i++)
                {
                  int iy = oy * sp->stride - sp->pad + i * sp->dilation;

                  if (iy < 0 || iy >= ih)
                    continue;
                  for (int j = 0; j < sp->kernel; j++)
                    {
                      int ix = ox * sp->stride - sp->pad + j * sp->dilation;

                      /* NaN never wins a comparison; bi < 0 keeps it. */
                      if (ix >= 0 && ix < iw && (bi < 0 || x[iy * iw + ix] > best))
                        {
                          best = x[iy * iw + ix];
                          bi = iy * iw + ix;
                        }
                    }
                }
              y[oy * ow + ox] = best;
              arg[oy * ow + ox] = (float) bi;
            }
      }
}

static void
maxpool_backward (GrNet  *net,
                  GrNode *node,
                  int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  int C = node->out.c;
  size_t oplane = (size_t) node->out.h * node->out.w;
  size_t iplane = (size_t) in->out.h * in->out.w;

  if (!gr_net_wants_grad (net, node->spec.inputs[0]))
    return;
  for (int s = 0; s < n; s++)
    for (int c = 0; c < C; c++)
      {
        size_t obase = (size_t) s * node->out_size + (size_t) c * oplane;
        float *dx = in->dy + (size_t) s * in->out_size + (size_t) c * iplane;

        for (size_t q = 0; q < oplane; q++)
          {
            int bi = (int) node->cache[obase + q];

            if (bi >= 0)
              dx[bi] += node->dy[obase + q];
          }
      }
}

static double
pool_flops (const GrNet  *net,
            const GrNode *node)
{
  return (double) node->spec.kernel * node->spec.kernel * (double) node->out_size;
}

const GrLayerOps gr_maxpool_ops = {
  .name = "maxpool",
  .setup = pool_setup,
  .forward = maxpool_forward,
  .backward = maxpool_backward,
  .flops = pool_flops,
};

static void
avgpool_forward (GrNet  *net,
                 GrNode *node,
                 int     n,
                 bool    train,
                 GrRng  *rng)
{
  const GrNode *in = gr_node_input (net, node, 0);
  const GrLayerSpec *sp = &node->spec;
  int C = node->out.c, oh = node->out.h, ow = node->out.w;
  int ih = in->out.h, iw = in->out.w;
  float inv = 1.0f / (float) (sp->kernel * sp->kernel);

  for (int s = 0; s < n; s++)
    for (int c = 0; c < C; c++)
      {
        const float *x = in->y + (size_t) s * in->out_size + (size_t) c * ih * iw;
        float *y = node->y + (size_t) s * node->out_size + (size_t) c * oh * ow;

        for (int oy = 0; oy < oh; oy++)
          for (int ox = 0; ox < ow; ox++)
            {
              float sum = 0.0f;

              for (int i = 0; i < sp->kernel; i++)
                {
                  int iy = oy * sp->stride - sp->pad + i * sp->dilation;

                  if (iy < 0 || iy >= ih)
                    continue;
                  for (int j = 0; j < sp->kernel; j++)
                    {
                      int ix = ox * sp->stride - sp->pad + j * sp->dilation;

                      if (ix >= 0 && ix < iw)
                        sum += x[iy * iw + ix];
                    }
                }
              y[oy * ow + ox] = sum * inv;
            }
      }
}

static void
avgpool_backward (GrNet  *net,
                  GrNode *node,
                  int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  const GrLayerSpec *sp = &node->spec;
  int C = node->out.c, oh = node->out.h, ow = node->out.w;
  int ih = in->out.h, iw = in->out.w;
  float inv = 1.0f / (float) (sp->kernel * sp->kernel);

  if (!gr_net_wants_grad (net, node->spec.inputs[0]))
    return;
  for (int s = 0; s < n; s++)
    for (int c = 0; c < C; c++)
      {
        float *dx = in->dy + (size_t) s * in->out_size + (size_t) c * ih * iw;
        const float *dy = node->dy + (size_t) s * node->out_size + (size_t) c * oh * ow;

        for (int oy = 0; oy < oh; oy++)
          for (int ox = 0; ox < ow; ox++)
            {
              float g = dy[oy * ow + ox] * inv;

              for (int i = 0; i < sp->kernel; i++)
                {
                  int iy = oy * sp->stride - sp->pad + i * sp->dilation;

                  if (iy < 0 || iy >= ih)
                    continue;
                  for (int j = 0; j < sp->kernel; j++)
                    {
                      int ix = ox * sp->stride - sp->pad + j * sp->dilation;

                      if (ix >= 0 && ix < iw)
                        dx[iy * iw + ix] += g;
                    }
                }
            }
      }
}

const GrLayerOps gr_avgpool_ops = {
  .name = "avgpool",
  .setup = pool_setup,
  .forward = avgpool_forward,
  .backward = avgpool_backward,
  .flops = pool_flops,
};

/* ---- global average pooling --------------------------------------------- */

static GrStatus
gap_setup (GrNet  *net,
           GrNode *node)
{
  node->out = (GrShape) { 1, gr_node_input (net, node, 0)->out.c, 1, 1 };
  return GR_OK;
}

static void
gap_forward (GrNet  *net,
             GrNode *node,
             int     n,
             bool    train,
             GrRng  *rng)
{
  const GrNode *in = gr_node_input (net, node, 0);
  size_t P = (size_t) in->out.h * in->out.w;
  size_t total = (size_t) n * in->out.c;

  for (size_t sc = 0; sc < total; sc++)
    {
      const float *x = in->y + sc * P;
      double sum = 0.0;

      for (size_t q = 0; q < P; q++)
        sum += x[q];
      node->y[sc] = (float) (sum / (double) P);
    }
}

static void
gap_backward (GrNet  *net,
              GrNode *node,
              int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  size_t P = (size_t) in->out.h * in->out.w;
  size_t total = (size_t) n * in->out.c;

  if (!gr_net_wants_grad (net, node->spec.inputs[0]))
    return;
  for (size_t sc = 0; sc < total; sc++)
    {
      float g = node->dy[sc] / (float) P;
      float *dx = in->dy + sc * P;

      for (size_t q = 0; q < P; q++)
        dx[q] += g;
    }
}

static double
gap_flops (const GrNet  *net,
           const GrNode *node)
{
  return (double) net->nodes[node->spec.inputs[0]].out_size;
}

const GrLayerOps gr_gap_ops = {
  .name = "gap",
  .setup = gap_setup,
  .forward = gap_forward,
  .backward = gap_backward,
  .flops = gap_flops,
};

/* ---- bilinear upsampling ----------------------------------------------- */
/* Integer factor, align_corners = False (PyTorch): output pixel o samples
 * the input at (o + 0.5) / scale - 0.5, clamped at 0, between the two
 * nearest input pixels. */

static GrStatus
upsample_setup (GrNet  *net,
                GrNode *node)
{
  GrNode *in = gr_node_input (net, node, 0);

  if (node->spec.scale < 1)
    {
      gr_net_set_error (net, GR_("layer '%s': upsample needs an integer scale >= 1, not %d"),
                        node->spec.name, node->spec.scale);
      return GR_ERR_ARG;
    }
  node->out = (GrShape) { 1, in->out.c, in->out.h * node->spec.scale,
                          in->out.w * node->spec.scale };
  return GR_OK;
}

/* Source taps of output index @o: i0, i1 and the weight of i1. */
static void
upsample_taps (int    o,
               int    scale,
               int    in,
               int   *i0,
               int   *i1,
               float *l1)
{
  float src = ((float) o + 0.5f) / (float) scale - 0.5f;

  if (src < 0.0f)
    src = 0.0f;
  *i0 = (int) src;
  if (*i0 > in - 1)
    *i0 = in - 1;
  *i1 = *i0 + (*i0 < in - 1 ? 1 : 0);
  *l1 = src - (float) *i0;
}

static void
upsample_forward (GrNet  *net,
                  GrNode *node,
                  int     n,
                  bool    train,
                  GrRng  *rng)
{
  const GrNode *in = gr_node_input (net, node, 0);
  int ih = in->out.h, iw = in->out.w, oh = node->out.h, ow = node->out.w;
  int sc = node->spec.scale;
  size_t planes = (size_t) n * in->out.c;

  for (size_t pl = 0; pl < planes; pl++)
    {
      const float *x = in->y + pl * ih * iw;
      float *y = node->y + pl * oh * ow;

      for (int oy = 0; oy < oh; oy++)
        {
          int y0, y1;
          float ly;
          const float *r0, *r1;

          upsample_taps (oy, sc, ih, &y0, &y1, &ly);
          r0 = x + (size_t) y0 * iw;
          r1 = x + (size_t) y1 * iw;
          for (int ox = 0; ox < ow; ox++)
            {
              int x0, x1;
              float lx;

              upsample_taps (ox, sc, iw, &x0, &x1, &lx);
              y[(size_t) oy * ow + ox] =
                (1.0f - ly) * ((1.0f - lx) * r0[x0] + lx * r0[x1])
                + ly * ((1.0f - lx) * r1[x0] + lx * r1[x1]);
            }
        }
    }
}

static void
upsample_backward (GrNet  *net,
                   GrNode *node,
                   int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  int ih = in->out.h, iw = in->out.w, oh = node->out.h, ow = node->out.w;
  int sc = node->spec.scale;
  size_t planes = (size_t) n * in->out.c;

  if (!gr_net_wants_grad (net, node->spec.inputs[0]))
    return;
  for (size_t pl = 0; pl < planes; pl++)
    {
      float *dx = in->dy + pl * ih * iw;
      const float *dy = node->dy + pl * oh * ow;

      for (int oy = 0; oy < oh; oy++)
        {
          int y0, y1;
          float ly;
          float *r0, *r1;

          upsample_taps (oy, sc, ih, &y0, &y1, &ly);
          r0 = dx + (size_t) y0 * iw;
          r1 = dx + (size_t) y1 * iw;
          for (int ox = 0; ox < ow; ox++)
            {
              int x0, x1;
              float lx, g = dy[(size_t) oy * ow + ox];

              upsample_taps (ox, sc, iw, &x0, &x1, &lx);
              r0[x0] += (1.0f - ly) * (1.0f - lx) * g;
              r0[x1] += (1.0f - ly) * lx * g;
              r1[x0] += ly * (1.0f - lx) * g;
              r1[x1] += ly * lx * g;
            }
        }
    }
}

static double
upsample_flops (const GrNet  *net,
                const GrNode *node)
{
  /* Four products and three sums per output, weights aside. */
  return 7.0 * (double) node->out_size;
}

const GrLayerOps gr_upsample_ops = {
  .name = "upsample",
  .setup = upsample_setup,
  .forward = upsample_forward,
  .backward = upsample_backward,
  .flops = upsample_flops,
};

/* ---- spatial dropout ----------------------------------------------------- */
/* One draw per (sample, channel): the whole map is kept (scaled by
 * 1 / (1 - p)) or zeroed. cache: the mask (N, C). */

static GrStatus
spatial_dropout_setup (GrNet  *net,
                       GrNode *node)
{
  if (node->spec.p < 0.0f || node->spec.p >= 1.0f)
    {
      gr_net_set_error (net, GR_("layer '%s': spatial dropout p must be in [0, 1), not %g"),
                        node->spec.name, node->spec.p);
      return GR_ERR_ARG;
    }
  node->out = gr_node_input (net, node, 0)->out;
  node->cache_per_sample = (size_t) node->out.c;
  return GR_OK;
}

static void
spatial_dropout_forward (GrNet  *net,
                         GrNode *node,
                         int     n,
                         bool    train,
                         GrRng  *rng)
{
  const float *x = gr_node_input (net, node, 0)->y;
  size_t planes = (size_t) n * node->out.c;
  size_t P = (size_t) node->out.h * node->out.w;
  float p = node->spec.p;

  if (!train || p <= 0.0f)
    {
      memcpy (node->y, x, sizeof (float) * planes * P);
      for (size_t i = 0; i < planes; i++)
        node->cache[i] = 1.0f;
      return;
    }
  for (size_t i = 0; i < planes; i++)
    {
      float m = gr_rng_uniform (rng) >= p ? 1.0f / (1.0f - p) : 0.0f;
      const float *xs = x + i * P;
      float *ys = node->y + i * P;

      node->cache[i] = m;
      for (size_t q = 0; q < P; q++)
        ys[q] = xs[q] * m;
    }
}

static void
spatial_dropout_backward (GrNet  *net,
                          GrNode *node,
                          int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  size_t planes = (size_t) n * node->out.c;
  size_t P = (size_t) node->out.h * node->out.w;

  if (!gr_net_wants_grad (net, node->spec.inputs[0]))
    return;
  for (size_t i = 0; i < planes; i++)
    {
      float m = node->cache[i];
      const float *dy = node->dy + i * P;
      float *dx = in->dy + i * P;

      if (m == 0.0f)
        continue;
      for (size_t q = 0; q < P; q++)
        dx[q] += dy[q] * m;
    }
}

const GrLayerOps gr_spatial_dropout_ops = {
  .name = "spatial_dropout",
  .setup = spatial_dropout_setup,
  .forward = spatial_dropout_forward,
  .backward = spatial_dropout_backward,
};

/* ---- dispatch ------------------------------------------------------------ */

const GrLayerOps *
gr_layer_ops_for_conv (GrLayerKind kind)
{
  switch (kind)
    {
    case GR_LAYER_CONV2D: return &gr_conv2d_ops;
    case GR_LAYER_MAXPOOL: return &gr_maxpool_ops;
    case GR_LAYER_AVGPOOL: return &gr_avgpool_ops;
    case GR_LAYER_GAP: return &gr_gap_ops;
    case GR_LAYER_UPSAMPLE: return &gr_upsample_ops;
    case GR_LAYER_SPATIAL_DROPOUT: return &gr_spatial_dropout_ops;
    case GR_LAYER_INPUT:
    case GR_LAYER_DENSE:
    case GR_LAYER_ACT:
    case GR_LAYER_DROPOUT:
    case GR_LAYER_BATCHNORM:
    case GR_LAYER_ADD:
    case GR_LAYER_CONCAT:
    case GR_LAYER_SOFTMAX:
    case GR_N_LAYER_KINDS:
    default:
      return NULL;
    }
}
