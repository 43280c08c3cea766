/* Model descriptions: the MLP shorthand and building a compiled net. */

#include "gr-model.h"

#include "gr-i18n.h"

#include <stdio.h>
#include <string.h>

static int
push (GrModelSpec       *spec,
      const GrLayerSpec *l)
{
  if (spec->n_layers >= GR_MAX_NODES - 1)
    return -1;
  spec->layers[spec->n_layers] = *l;
  spec->n_layers++;
  return spec->n_layers;   /* the node index (node 0 is the input) */
}

GrStatus
gr_model_from_mlp (GrModelSpec     *spec,
                   GrShape          input,
                   const GrMlpSpec *mlp)
{
  int prev = 0, prev_width = (int) gr_shape_sample_size (input);
  GrLayerSpec l;

  memset (spec, 0, sizeof *spec);
  input.n = 1;
  spec->input = input;
  if (mlp->depth < 0 || mlp->depth > 64 || mlp->outputs <= 0)
    return GR_ERR_ARG;

  for (int d = 0; d < mlp->depth; d++)
    {
      int width = mlp->n_widths > d ? mlp->widths[d] : mlp->width;
      int block_in = prev;
      int node;

      if (width <= 0)
        return GR_ERR_ARG;
      memset (&l, 0, sizeof l);
      l.kind = GR_LAYER_DENSE;
      l.units = width;
      snprintf (l.name, sizeof l.name, "dense%d", d + 1);
      if ((node = push (spec, &l)) < 0)
        return GR_ERR_ARG;
      spec->bias_init[node - 1] = mlp->bias_init;
      if (mlp->batch_norm)
        {
          memset (&l, 0, sizeof l);
          l.kind = GR_LAYER_BATCHNORM;
          snprintf (l.name, sizeof l.name, "bn%d", d + 1);
          if ((node = push (spec, &l)) < 0)
            return GR_ERR_ARG;
        }
      memset (&l, 0, sizeof l);
      l.kind = GR_LAYER_ACT;
      l.act = mlp->act;
      snprintf (l.name, sizeof l.name, "%s%d", gr_act_name (mlp->act), d + 1);
      if ((node = push (spec, &l)) < 0)
        return GR_ERR_ARG;
      if (mlp->residual && prev_width == width)
        {
          memset (&l, 0, sizeof l);
          l.kind = GR_LAYER_ADD;
          l.n_inputs = 2;
          l.inputs[0] = block_in;
          l.inputs[1] = node;
          snprintf (l.name, sizeof l.name, "add%d", d + 1);
          if ((node = push (spec, &l)) < 0)
            return GR_ERR_ARG;
        }
      if (mlp->dropout > 0.0f)
        {
          memset (&l, 0, sizeof l);
          l.kind = GR_LAYER_DROPOUT;
          l.p = mlp->dropout;
          snprintf (l.name, sizeof l.name, "dropout%d", d + 1);
          if ((node = push (spec, &l)) < 0)
            return GR_ERR_ARG;
        }
      prev = node;
      prev_width = width;
    }
  memset (&l, 0, sizeof l);
  l.kind = GR_LAYER_DENSE;
  l.units = mlp->outputs;
  snprintf (l.name, sizeof l.name, "output");
  if (push (spec, &l) < 0)
    return GR_ERR_ARG;
  if (mlp->softmax)
    {
      memset (&l, 0, sizeof l);
      l.kind = GR_LAYER_SOFTMAX;
      snprintf (l.name, sizeof l.name, "softmax");
      if (push (spec, &l) < 0)
        return GR_ERR_ARG;
    }
  return GR_OK;
}

GrNet *
gr_model_build (const GrModelSpec *spec,
                int                max_batch,
                char              *err,
                size_t             err_len)
{
  GrNet *net = gr_net_new (spec->input);
  GrStatus st;

  if (net == NULL)
    {
      /* TRANSLATORS: channels x height x width. */
      snprintf (err, err_len, GR_("invalid input shape %dx%dx%d"), spec->input.c,
                spec->input.h, spec->input.w);
      return NULL;
    }
  for (int i = 0; i < spec->n_layers; i++)
    {
      int idx = gr_net_add (net, &spec->layers[i]);

      if (idx < 0)
        {
          snprintf (err, err_len, "%s", gr_net_error (net));
          gr_net_free (net);
          return NULL;
        }
    }
  st = gr_net_compile (net, max_batch);
  if (st != GR_OK)
    {
      snprintf (err, err_len, "%s", gr_net_error (net));
      gr_net_free (net);
      return NULL;
    }
  return net;
}

void
gr_model_init_biases (const GrModelSpec *spec,
                      GrNet             *net)
{
  float *params = gr_net_params (net);
  int n = gr_net_n_weighted (net);

  for (int i = 0; i < n; i++)
    {
      int node = gr_net_weighted_node (net, i);
      size_t off, count, total;
      float v;

      if (node < 1 || node > spec->n_layers)
        continue;
      v = spec->bias_init[node - 1];
      if (v == 0.0f || spec->layers[node - 1].no_bias)
        continue;
      /* A node's parameters are its weights, then its biases (one per
       * output unit or channel), in one stretch of the slab. */
      gr_net_weighted_range (net, i, &off, &count);
      total = gr_net_node_n_params (net, node);
      for (size_t j = off + count; j < off + total; j++)
        params[j] = v;
    }
}
