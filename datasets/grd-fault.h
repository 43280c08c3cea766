#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gr-dataset.h"

/* Deliberate faults for the doctor's lessons. Each works in place on the
 * targets of every kind: per-sample labels, label maps (a whole map is
 * one target) and regression values. They draw only from @seed. */

/* Label noise. Picks round (share · n) samples, spread as evenly as
 * possible over the classes (round robin over the distinct targets in a
 * random order, random samples within each), and permutes their targets
 * among themselves, so class frequencies stay exactly as they were. The
 * permutation is repaired by random swaps so that every picked sample
 * ends with a different target whenever the pick allows it (no class
 * holding more than half of it), so the share of changed targets equals
 * @share unless a dominant class makes that impossible. Returns the
 * number of samples whose target changed, or -1 for bad arguments
 * (@share outside 0..1) or out of memory, in which case @ds is
 * unchanged. */
int   grd_fault_shuffle_labels (GrDataset *ds,
                                float      share,
                                uint64_t   seed);
/* Rotates the targets against the inputs: sample i gets the target that
 * sample (i + @offset) mod n had; @offset may be negative. Returns false
 * for an empty data set or out of memory (then @ds is unchanged). */
bool  grd_fault_misalign       (GrDataset *ds,
                                int        offset);
/* Un-normalises the inputs: x ← x · @scale + @shift for every value. */
void  grd_fault_scale_inputs   (GrDataset *ds,
                                float      scale,
                                float      shift);
