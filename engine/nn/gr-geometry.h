#pragma once

/* The geometry of a network, computed from its layers: per node the output
 * shape, the theoretical receptive field, parameters and FLOPs; and the
 * effective receptive field of one output pixel from a real backward
 * pass. No GLib. */

#include <stdbool.h>
#include <stddef.h>

#include "gr-net.h"
#include "gr-status.h"

/* One row of the table: one node of the net. Plain value. */
typedef struct
{
  int         node;              /* node index (0 is the input) */
  char        name[GR_NAME_LEN]; /* node name */
  GrLayerKind kind;
  GrShape     out;               /* per sample output (n = 1) */
  double      rf;                /* theoretical receptive field side, in input pixels
                                  * (whole unless upsampling made the jump fractional) */
  double      jump;              /* input pixels between neighbouring outputs (stride
                                  * product; below 1 after upsampling) */
  double      start;             /* input coordinate of the centre of output pixel 0
                                  * (pixel centres at integers; may be negative) */
  bool        global;            /* the field is the whole input (dense, GAP) */
  size_t      n_params;          /* trained parameters */
  double      flops;             /* forward FLOPs per sample, multiply-add = 2 */
} GrGeometryRow;

/* The whole table and totals. Large (one row per possible node): allocate
 * it on the heap or statically. */
typedef struct
{
  int           n_rows;             /* = gr_net_n_nodes () */
  GrGeometryRow rows[GR_MAX_NODES];
  size_t        total_params;       /* sum over rows */
  double        total_flops;        /* sum over rows, per sample forward */
} GrGeometry;

/* Fills @geo for @net, compiled or not (every node added so far).
 * Receptive fields follow RF_out = RF_in + (k_eff - 1) jump_in with
 * k_eff = d (k - 1) + 1 and jump_out = jump_in s for convs and pools;
 * ADD / CONCAT take the largest field of their inputs; UPSAMPLE divides
 * the jump by its scale s and, as its two bilinear taps are not centred on
 * the sampling point, grows the field by (2 - 1 / s) jump_in so the square
 * centred on the output pixel still holds everything it reads (a bound,
 * tight for even s); DENSE and GAP see the whole input. Returns GR_OK, or
 * GR_ERR_ARG if @net or @geo is NULL. */
GrStatus gr_geometry_compute      (const GrNet      *net,
                                   GrGeometry       *geo);

/* Writes an aligned text table of @geo (layer, kind, output CxHxW, RF,
 * params, FLOPs) with a totals line into @buf of @len bytes, always
 * NUL-terminated if @len > 0. Returns the length the whole table needs
 * (excluding the NUL), like snprintf: a result >= @len means it was cut. */
size_t   gr_geometry_format_table (const GrGeometry *geo,
                                   char             *buf,
                                   size_t            len);

/* The effective receptive field of output pixel (@out_y, @out_x): runs
 * @net (compiled) in eval mode on the single sample @x, back-propagates a
 * one-hot gradient at that pixel of channel @channel (or, if @channel < 0,
 * of the class with the largest logit there), and writes
 * |d logit / d input| summed over input channels into @map_out, (H, W) of
 * the input. Clobbers the gradient slab and the activations of the last
 * forward pass (call it between steps, not inside one); the input-gradient
 * setting is restored. Returns GR_ERR_STATE if @net is not compiled,
 * GR_ERR_ARG for a pixel or channel out of range, GR_ERR_NOMEM, or the
 * status of the forward / backward pass. */
GrStatus gr_geometry_effective_rf (GrNet            *net,
                                   const float      *x,
                                   int               out_y,
                                   int               out_x,
                                   int               channel,
                                   float            *map_out);
