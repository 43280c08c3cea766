/* gradlab-widgets.h: the umbrella header of the Gradlab widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gradlab-colors.h"
#include "gradlab-export.h"
#include "gradlab-grad-strip.h"
#include "gradlab-health-view.h"
#include "gradlab-layer-bars.h"
#include "gradlab-neuron-grid.h"
#include "gradlab-renderable.h"
#include "gradlab-series-chart.h"
#include "gradlab-series.h"
#include "gradlab-surface-view.h"
#include "gradlab-mask-view.h"
#include "gradlab-bar-chart.h"
#include "gradlab-rf-view.h"
