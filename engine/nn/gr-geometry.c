/* Network geometry: the layer table (shapes, receptive fields, parameters,
 * FLOPs) from the specs alone, and the effective receptive field from a
 * real backward pass. */

#include "gr-geometry.h"

#include "gr-i18n.h"
#include "gr-net-private.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the table ------------------------------------------------------------ */

/* Field of a sliding window (conv, pools) over @in. */
static void
window_row (const GrGeometryRow *in,
            const GrLayerSpec   *sp,
            GrGeometryRow       *row)
{
  int k = sp->kernel > 0 ? sp->kernel : 1;
  int d = sp->dilation > 0 ? sp->dilation : 1;
  int s = sp->stride > 0 ? sp->stride : 1;
  int k_eff = d * (k - 1) + 1;

  row->rf = in->rf + (k_eff - 1) * in->jump;
  row->start = in->start + ((k_eff - 1) / 2.0 - sp->pad) * in->jump;
  row->jump = in->jump * s;
  row->global = in->global;
}

/* Field of a node that sees its whole input (dense, GAP). */
static void
global_row (const GrGeometryRow *in,
            GrGeometryRow       *row)
{
  int side = in->out.h > in->out.w ? in->out.h : in->out.w;

  row->rf = in->rf + (side - 1) * in->jump;
  row->start = in->start + (in->out.h - 1) / 2.0 * in->jump;
  row->jump = in->jump * side;
  row->global = true;
}

GrStatus
gr_geometry_compute (const GrNet *net,
                     GrGeometry  *geo)
{
  int n;

  if (net == NULL || geo == NULL)
    return GR_ERR_ARG;
  n = gr_net_n_nodes (net);
  memset (geo, 0, sizeof *geo);
  geo->n_rows = n;
  for (int i = 0; i < n; i++)
    {
      const GrLayerSpec *sp = gr_net_node_spec (net, i);
      GrGeometryRow *row = &geo->rows[i];
      const GrGeometryRow *in0 = i > 0 ? &geo->rows[sp->inputs[0]] : NULL;

      row->node = i;
      snprintf (row->name, sizeof row->name, "%s", sp->name);
      row->kind = sp->kind;
      row->out = gr_net_node_shape (net, i);
      row->n_params = gr_net_node_n_params (net, i);
      row->flops = i > 0 ? gr_net_node_flops (net, i) : 0.0;

      switch (sp->kind)
        {
        case GR_LAYER_INPUT:
          row->rf = 1.0;
          row->jump = 1.0;
          row->start = 0.0;
          break;
        case GR_LAYER_CONV2D:
        case GR_LAYER_MAXPOOL:
        case GR_LAYER_AVGPOOL:
          window_row (in0, sp, row);
          break;
        case GR_LAYER_DENSE:
        case GR_LAYER_GAP:
          global_row (in0, row);
          break;
        case GR_LAYER_UPSAMPLE:
          {
            double s = sp->scale > 0 ? sp->scale : 1;

            /* Output o samples its input at u = (o + 0.5) / s - 0.5,
             * between taps floor (u) and floor (u) + 1. The tap pair is
             * not centred on u, so the square centred on u that holds
             * both taps for every o reaches 1 - 1 / (2 s) input pixels
             * each side (exact for even s): a field that always contains
             * the true one, centred on the sampling point. */
            row->rf = in0->rf + (s > 1 ? (2.0 - 1.0 / s) * in0->jump : 0.0);
            row->start = in0->start + (0.5 / s - 0.5) * in0->jump;
            row->jump = in0->jump / s;
            row->global = in0->global;
          }
          break;
        case GR_LAYER_ADD:
        case GR_LAYER_CONCAT:
          for (int k = 0; k < sp->n_inputs; k++)
            {
              const GrGeometryRow *ik = &geo->rows[sp->inputs[k]];

              if (k == 0 || ik->rf > row->rf)
                {
                  row->rf = ik->rf;
                  row->start = ik->start;
                }
              if (ik->jump > row->jump)
                row->jump = ik->jump;
              row->global |= ik->global;
            }
          break;
        case GR_LAYER_ACT:
        case GR_LAYER_DROPOUT:
        case GR_LAYER_BATCHNORM:
        case GR_LAYER_SOFTMAX:
        case GR_LAYER_SPATIAL_DROPOUT:
        case GR_N_LAYER_KINDS:
        default:
          row->rf = in0->rf;
          row->jump = in0->jump;
          row->start = in0->start;
          row->global = in0->global;
          break;
        }
      geo->total_params += row->n_params;
      geo->total_flops += row->flops;
    }
  return GR_OK;
}

/* ---- the text table -------------------------------------------------------- */

typedef struct
{
  char   *buf;
  size_t  len;
  size_t  used;  /* bytes the whole text needs so far */
} Sink;

static void sink_printf (Sink       *sink,
                         const char *fmt,
                         ...) __attribute__ ((format (printf, 2, 3)));

static void
sink_printf (Sink       *sink,
             const char *fmt,
             ...)
{
  va_list ap;
  size_t room = sink->used < sink->len ? sink->len - sink->used : 0;
  int w;

  va_start (ap, fmt);
  w = vsnprintf (room ? sink->buf + sink->used : NULL, room, fmt, ap);
  va_end (ap);
  if (w > 0)
    sink->used += (size_t) w;
}

/* Terminal columns of UTF-8 text: one per code point, two for the East
 * Asian wide ranges (CJK, Hangul, full-width forms), so that translated
 * headers line up; printf's field widths count bytes. */
static int
text_columns (const char *s)
{
  int cols = 0;

  for (const unsigned char *p = (const unsigned char *) s; *p; )
    {
      unsigned cp = *p;
      int n = cp < 0x80 ? 1 : cp >= 0xf0 ? 4 : cp >= 0xe0 ? 3 : cp >= 0xc0 ? 2 : 1;

      if (n > 1)
        {
          cp &= 0x3fu >> (n - 1);
          for (int i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
            cp = (cp << 6) | (p[i] & 0x3fu);
        }
      for (int i = 0; i < n && *p; i++)
        p++;
      cols += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf)
              || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff)
              || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60)
              || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd)
              ? 2 : 1;
    }
  return cols;
}

/* @text in a column of @width terminal columns, aligned right or left,
 * after two spaces unless it is the first column. */
static void
sink_cell (Sink       *sink,
           const char *text,
           int         width,
           bool        right,
           bool        first)
{
  int pad = width - text_columns (text);

  if (pad < 0)
    pad = 0;
  sink_printf (sink, "%s%*s%s%*s", first ? "" : "  ", right ? pad : 0, "", text,
               right ? 0 : pad, "");
}

/* 1234567 -> "1.23M". */
static void
format_si (double v,
           char  *out,
           size_t len)
{
  if (v >= 1e9)
    snprintf (out, len, "%.2fG", v / 1e9);
  else if (v >= 1e6)
    snprintf (out, len, "%.2fM", v / 1e6);
  else if (v >= 1e3)
    snprintf (out, len, "%.1fk", v / 1e3);
  else
    snprintf (out, len, "%.0f", v);
}

static void
format_rf (const GrGeometryRow *row,
           char                *out,
           size_t               len)
{
  if (row->global)
    snprintf (out, len, "global");
  else if (row->rf == floor (row->rf))
    snprintf (out, len, "%.0f", row->rf);
  else
    snprintf (out, len, "%.1f", row->rf);
}

enum { COL_NAME, COL_KIND, COL_OUT, COL_RF, COL_JUMP, COL_PARAMS, COL_FLOPS, N_COLS };

static void
row_cells (const GrGeometryRow *row,
           char                 cells[N_COLS][48])
{
  snprintf (cells[COL_NAME], 48, "%s", row->name);
  snprintf (cells[COL_KIND], 48, "%s", gr_layer_kind_name (row->kind));
  snprintf (cells[COL_OUT], 48, "%dx%dx%d", row->out.c, row->out.h, row->out.w);
  format_rf (row, cells[COL_RF], 48);
  snprintf (cells[COL_JUMP], 48, "%g", row->jump);
  snprintf (cells[COL_PARAMS], 48, "%zu", row->n_params);
  format_si (row->flops, cells[COL_FLOPS], 48);
}

size_t
gr_geometry_format_table (const GrGeometry *geo,
                          char             *buf,
                          size_t            len)
{
  /* TRANSLATORS: column headings of gradlab-run --describe's layer table:
   * the layer's name, its kind, its output shape (CxHxW), its receptive
   * field in input pixels, the input pixels between two neighbouring
   * outputs, its parameter count, its floating-point operations. */
  static const char *const head_ids[N_COLS] = {
    GR_N_("layer"), GR_N_("kind"), GR_N_("output"), GR_N_("RF"), GR_N_("jump"),
    GR_N_("params"), GR_N_("FLOPs"),
  };
  const char *heads[N_COLS];
  /* Text columns align left, numbers right. */
  static const bool right[N_COLS] = { false, false, true, true, true, true, true };
  char cells[N_COLS][48], totals[N_COLS][48];
  int width[N_COLS];
  Sink sink = { buf, len, 0 };

  if (len > 0)
    buf[0] = '\0';
  if (geo == NULL)
    return 0;
  for (int c = 0; c < N_COLS; c++)
    {
      heads[c] = GR_(head_ids[c]);
      width[c] = text_columns (heads[c]);
      totals[c][0] = '\0';
    }
  /* TRANSLATORS: the last row of the layer table (the sums). */
  snprintf (totals[COL_NAME], 48, "%s", GR_("total"));
  snprintf (totals[COL_PARAMS], 48, "%zu", geo->total_params);
  format_si (geo->total_flops, totals[COL_FLOPS], 48);
  for (int i = 0; i <= geo->n_rows; i++)
    {
      if (i < geo->n_rows)
        row_cells (&geo->rows[i], cells);
      else
        memcpy (cells, totals, sizeof cells);
      for (int c = 0; c < N_COLS; c++)
        if (text_columns (cells[c]) > width[c])
          width[c] = text_columns (cells[c]);
    }

  for (int c = 0; c < N_COLS; c++)
    sink_cell (&sink, heads[c], width[c], right[c], c == 0);
  sink_printf (&sink, "\n");
  for (int i = 0; i <= geo->n_rows; i++)
    {
      if (i < geo->n_rows)
        row_cells (&geo->rows[i], cells);
      else
        memcpy (cells, totals, sizeof cells);
      for (int c = 0; c < N_COLS; c++)
        sink_cell (&sink, cells[c], width[c], right[c], c == 0);
      sink_printf (&sink, "\n");
    }
  if (len > 0 && sink.used >= len)
    buf[len - 1] = '\0';
  return sink.used;
}

/* ---- the effective receptive field ----------------------------------------- */

GrStatus
gr_geometry_effective_rf (GrNet       *net,
                          const float *x,
                          int          out_y,
                          int          out_x,
                          int          channel,
                          float       *map_out)
{
  GrShape os, is;
  size_t P, HW;
  float *dout;
  bool saved;
  GrStatus st;

  if (net == NULL || x == NULL || map_out == NULL)
    return GR_ERR_ARG;
  if (gr_net_max_batch (net) <= 0)
    {
      gr_net_set_error (net, GR_("the network is not compiled"));
      return GR_ERR_STATE;
    }
  os = gr_net_output_shape (net);
  is = gr_net_input_shape (net);
  if (out_y < 0 || out_y >= os.h || out_x < 0 || out_x >= os.w || channel >= os.c)
    {
      /* TRANSLATORS: pixel x, y and channel, then the output shape
       * (channels x height x width). */
      gr_net_set_error (net, GR_("pixel (%d, %d) channel %d is outside the %dx%dx%d output"),
                        out_y, out_x, channel, os.c, os.h, os.w);
      return GR_ERR_ARG;
    }
  P = (size_t) os.h * os.w;
  HW = (size_t) is.h * is.w;
  dout = calloc (gr_shape_sample_size (os), sizeof (float));
  if (dout == NULL)
    return GR_ERR_NOMEM;

  saved = net->need_input_grad;
  gr_net_set_input_grad (net, true);
  st = gr_net_forward (net, x, 1, false, NULL);
  if (st == GR_OK)
    {
      const float *out = gr_net_output (net);
      size_t q = (size_t) out_y * os.w + out_x;

      if (channel < 0)
        {
          channel = 0;
          for (int c = 1; c < os.c; c++)
            if (out[c * P + q] > out[channel * P + q])
              channel = c;
        }
      dout[channel * P + q] = 1.0f;
      st = gr_net_backward (net, dout);
    }
  if (st == GR_OK)
    {
      const float *dx = gr_net_input_grad (net);

      for (size_t q = 0; q < HW; q++)
        {
          float sum = 0.0f;

          for (int c = 0; c < is.c; c++)
            sum += fabsf (dx[c * HW + q]);
          map_out[q] = sum;
        }
    }
  gr_net_set_input_grad (net, saved);
  free (dout);
  return st;
}
