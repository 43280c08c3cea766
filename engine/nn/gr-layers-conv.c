/* Convolutional layers: not in this build yet (see the convolution issue).
 * gr_net_add () reports such kinds as unavailable. */

#include "gr-net-private.h"

const GrLayerOps *
gr_layer_ops_for_conv (GrLayerKind kind)
{
  return NULL;
}
