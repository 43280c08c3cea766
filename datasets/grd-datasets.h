#pragma once

/* Gradlab's data sets: generators and loaders filling GrDataset
 * (engine/train/gr-dataset.h). Plain C, libpng and zlib; no GLib. Every
 * function that can fail returns NULL or false and writes a message to
 * a caller-provided `char *err, size_t err_len`; nothing prints. */

#include "gr-dataset.h"

#include "grd-augment.h"
#include "grd-digits.h"
#include "grd-fault.h"
#include "grd-png.h"
#include "grd-seg.h"
#include "grd-split.h"
#include "grd-toy.h"
