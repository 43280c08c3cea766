/* gradlab-lab.c: the labs of the app: what each one loads and shows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each explanation makes only claims the user can check on the screen of
 * that lab, with the lab's own preset; where a claim depends on a knob,
 * it says which one to move.
 */

#include "gradlab-lab.h"

#include <glib/gi18n.h>

static const char *const playground_knobs[] = {
  "lr", "optimizer", "batch_size", "activation", "l2",
  "model.depth", "model.width",
  "data.name", "data.noise", "data.val_share", "data.features",
  NULL
};

static const char *const activations_knobs[] = {
  "lr", "optimizer", "momentum", "batch_size", "clip_norm",
  "activation", "init", "init_sigma", "model.depth", "model.width",
  NULL
};

static const char *const batchnorm_knobs[] = {
  "lr", "optimizer", "momentum", "batch_size",
  "batch_norm", "activation", "dropout",
  NULL
};

static const char *const residual_knobs[] = {
  "lr", "optimizer", "batch_size",
  "model.residual", "activation", "init", "model.depth",
  NULL
};

static const char *const overfitting_knobs[] = {
  "lr", "optimizer", "batch_size",
  "dropout", "l2", "weight_decay", "input_noise", "data.train_subset",
  NULL
};

static const char *const losses_knobs[] = {
  "lr", "optimizer", "batch_size",
  "loss", "weighting", "class_weights", "focal_gamma",
  NULL
};

static const char *const doctor_knobs[] = {
  "lr", "optimizer", "momentum", "batch_size", "clip_norm",
  "activation", "loss",
  NULL
};

static const char *const segmentation_knobs[] = {
  "lr", "optimizer", "batch_size", "dropout", "batch_norm",
  "loss", "weighting", "class_weights", "focal_gamma", "focal_alpha", "dice_mix",
  "data.rare_share",
  NULL
};

static const char *const receptive_field_knobs[] = {
  "lr", "optimizer", "batch_size", "loss", "weighting",
  NULL
};

static const GradlabLab lab_table[] = {
  {
    .id = "playground",
    .title = N_("Playground"),
    .subtitle = N_("Two classes in a plane"),
    .icon = "applications-graphics-symbolic",
    .preset = "spiral",
    .views = GRADLAB_VIEW_SURFACE | GRADLAB_VIEW_NEURONS | GRADLAB_VIEW_LOSS,
    .knobs = playground_knobs,
    .explanation = N_(
      "The background of the plane is the network's probability that a point "
      "belongs to the orange class; filled dots are training points, ringed dots "
      "validation points.\n\n"
      "• Each thumbnail is one hidden unit's output over the same plane. In the "
      "first hidden layer a unit sees only a weighted sum of the inputs, so with "
      "x₁ and x₂ alone every first-layer thumbnail changes along one straight "
      "direction; curved boundaries appear only from the second layer on.\n"
      "• Tick x₁² and x₂² and press Reset: on the circles a single hidden layer "
      "now separates the classes, because a circle is a straight line in those "
      "features.\n"
      "• Click the plane to add a point (left button: blue class, right button: "
      "orange); it joins the training set on Reset.\n"
      "• Raise the learning rate step by step: the loss curve first falls "
      "faster, then starts to jump, and each change is marked on the plot."),
  },
  {
    .id = "activations",
    .title = N_("Activations & gradients"),
    .subtitle = N_("Vanishing and exploding"),
    .icon = "power-profile-balanced-symbolic",
    .preset = "deep-sigmoid",
    .views = GRADLAB_VIEW_GRAD_STRIP | GRADLAB_VIEW_HEALTH | GRADLAB_VIEW_LOSS
             | GRADLAB_VIEW_ACCURACY,
    .knobs = activations_knobs,
    .explanation = N_(
      "A deep network on the 8×8 digits. In the strip each row is one layer "
      "(input side on top) and each column a step; the colour is the norm of "
      "that layer's weight gradient, the very number the optimizer used, on a "
      "fixed logarithmic scale.\n\n"
      "• With sigmoid units the rows near the input are many colours darker "
      "than the rows near the output: each sigmoid multiplies the backward "
      "signal by at most 0.25, so the gradient shrinks layer after layer. "
      "Accuracy then stays near 10 %, chance for ten digits.\n"
      "• Switch the activation to tanh and the initialization to Xavier, or "
      "to ReLU and He with a learning rate of 0.01, and press Reset: the rows "
      "take similar colours and accuracy climbs past 80 % within a few "
      "hundred steps.\n"
      "• The health view shows the share of saturated sigmoid or tanh units "
      "and of dead ReLU units per layer, and the histogram of one layer's "
      "activations."),
  },
  {
    .id = "batchnorm",
    .title = N_("Batch normalization"),
    .subtitle = N_("Normalize every layer"),
    .icon = "view-dual-symbolic",
    .preset = "digits-bn",
    .views = GRADLAB_VIEW_LOSS | GRADLAB_VIEW_ACCURACY | GRADLAB_VIEW_LAYER_BARS,
    .knobs = batchnorm_knobs,
    .explanation = N_(
      "An MLP on the digits whose hidden layers each end in batch "
      "normalization. The switch takes effect at the next step; a marker on "
      "every plot shows where.\n\n"
      "• Run 90 steps (two epochs) with BN on, note the validation accuracy "
      "in the status line, then switch BN off, press Reset and run 90 steps "
      "again: without BN it is several points lower. Later the two runs draw "
      "closer.\n"
      "• Turning BN off in the middle of a run changes what every later layer "
      "receives at once: the loss jumps at the marker before it recovers.\n"
      "• In evaluation BN uses running averages of the batch statistics, so "
      "the validation curve can lag the training curve for a few steps after "
      "a change."),
  },
  {
    .id = "residual",
    .title = N_("Residual shortcuts"),
    .subtitle = N_("Gradients through depth"),
    .icon = "media-playlist-repeat-symbolic",
    .preset = "deep-residual",
    .views = GRADLAB_VIEW_LAYER_BARS | GRADLAB_VIEW_LOSS | GRADLAB_VIEW_OPT_ACT_SCALE,
    .knobs = residual_knobs,
    .explanation = N_(
      "A 20-layer tanh network on the digits with identity shortcuts: each "
      "hidden block computes y = x + f(x). The shortcut switch rewires the "
      "network, so it takes effect on Reset.\n\n"
      "• Left bars: each layer's gradient norm at the current step, on a "
      "logarithmic axis fitted to this step's values. With shortcuts the first "
      "layer's gradient stays within about ten times the last layer's, and the "
      "loss falls.\n"
      "• Switch the shortcuts off and press Reset: the first layers' gradients "
      "become hundreds of times smaller than the last layers', and the loss "
      "stays near ln 10 ≈ 2.30, chance for ten classes.\n"
      "• Right bars: the spread (standard deviation) of each layer's output. "
      "Without shortcuts it shrinks layer after layer, so the signal fades on "
      "the way forward as well; with shortcuts it keeps its size, because the "
      "derivative of x + f(x) always contains the identity."),
  },
  {
    .id = "overfitting",
    .title = N_("Overfitting & regularization"),
    .subtitle = N_("Mind the gap"),
    .icon = "applications-science-symbolic",
    .preset = "overfit",
    .views = GRADLAB_VIEW_LOSS | GRADLAB_VIEW_ACCURACY | GRADLAB_VIEW_OPT_LOG_LOSS,
    .knobs = overfitting_knobs,
    .explanation = N_(
      "A large network on a small share of the digits. Both losses are "
      "measured in evaluation mode on the training and validation sets; the "
      "shaded band between them is the generalization gap.\n\n"
      "• Without regularization the training loss keeps falling while the "
      "validation loss turns up: the gap opens. The dot marks the step with "
      "the lowest validation loss, where early stopping would stop.\n"
      "• Add input noise (σ 0.3), or give the run more training samples "
      "(Training share, on Reset): after 900 steps the validation loss ends "
      "near 0.18 instead of 0.25.\n"
      "• L2 and weight decay help only a little here, and dropout (its layers "
      "are added on Reset) does not lower this validation loss at all: "
      "regularizers are not interchangeable.\n"
      "• Under plain SGD, weight decay λ and L2 λ give the same updates. "
      "Under Adam they differ: L2 is divided by Adam's running scale, "
      "weight decay is not (that difference is AdamW)."),
  },
  {
    .id = "losses",
    .title = N_("Loss functions"),
    .subtitle = N_("Cross-entropy or squared error"),
    .icon = "accessories-calculator-symbolic",
    .preset = "loss-ce",
    .views = GRADLAB_VIEW_LOSS | GRADLAB_VIEW_ACCURACY | GRADLAB_VIEW_LAYER_BARS,
    .knobs = losses_knobs,
    .explanation = N_(
      "The same digits classifier trained with different losses; the loss "
      "switches at the next step.\n\n"
      "• Compare accuracy, not loss values: the losses are on different "
      "scales. Switching the loss applies at the next step; Reset then also "
      "gives squared error the softmax output it compares with one-hot "
      "targets (cross-entropy works on the raw outputs).\n"
      "• Reset with cross-entropy, run a few hundred steps, then Reset with "
      "mean squared error and run as many: after 300 steps cross-entropy is "
      "near 96 %, squared error near 78 %. The gradient of cross-entropy at "
      "the outputs is p − y, large whenever the answer is confidently wrong; "
      "squared error on softmax outputs is damped by the softmax's own slope, "
      "which is flat exactly there.\n"
      "• The gradient bars show the size of the signal each loss sends back "
      "into the network."),
  },
  {
    .id = "doctor",
    .title = N_("Stuck loss: the doctor"),
    .subtitle = N_("Diagnose a sick run"),
    .icon = "dialog-warning-symbolic",
    .preset = "stuck-lr-low",
    .views = GRADLAB_VIEW_LOSS | GRADLAB_VIEW_ACCURACY | GRADLAB_VIEW_HEALTH,
    .knobs = doctor_knobs,
    .explanation = N_(
      "Each fault preset in the doctor panel (right) breaks one thing in an "
      "otherwise healthy digits classifier. The doctor watches every step and "
      "names what is wrong, with the numbers it saw.\n\n"
      "• stuck-lr-low: run 150 steps. The loss stays near 2.3 (ln 10, chance for "
      "ten digits) and a “Learning rate too low” card appears: its evidence "
      "shows each step moving the weights by about 2e-5 of their size, where "
      "about 1e-3 is typical. Press its Apply button: a marker appears on the "
      "loss chart at that step and the loss starts to fall.\n"
      "• stuck-lr-high: within a few steps the loss jumps far above its start "
      "and the doctor reports a learning rate too high; the remedy divides it by "
      "ten.\n"
      "• Why? marks the steps the evidence covers on the loss chart and, for a "
      "finding about one layer, selects that layer in the health view.\n"
      "• Probes train a copy on the side, so the step counter of the run does "
      "not move. Overfit one batch uses the run's knobs: on digits-mlp it "
      "passes (the loss falls near zero), on stuck-tiny-net it fails; the LR "
      "range test plots loss against "
      "the learning rate and marks a suggestion.\n"
      "• digits-mlp is healthy: no warning appears."),
  },
  {
    .id = "segmentation",
    .title = N_("Segmentation"),
    .subtitle = N_("Rare classes, pixel by pixel"),
    .icon = "view-grid-symbolic",
    .preset = "seg-imbalanced-ce",
    .views = GRADLAB_VIEW_SEGMENTATION,
    .knobs = segmentation_knobs,
    .explanation = N_(
      "A small fully convolutional network with dilated convolutions labels "
      "every pixel of synthetic images: background and a few object classes. "
      "The objects cover only about 1 % of the pixels, as the log-scale "
      "frequency bars show. The plots are measured on validation images "
      "every 50 steps.\n\n"
      "• Class imbalance: with plain cross-entropy every pixel counts the same, "
      "so the background dominates the loss. The background's IoU line is "
      "near 1 from the first evaluation; the object classes' lines stay near "
      "0 for hundreds of steps: the network calls almost every pixel "
      "background.\n"
      "• Why pixel accuracy misleads: calling every pixel background already "
      "scores about 99 %. On the lower plot pixel accuracy sits near the top "
      "from the start, while mean IoU, the average overlap of every class, "
      "is clearly lower: the shaded gap is what accuracy hides. In the error "
      "map, yellow pixels are object pixels called background, red ones false "
      "alarms.\n"
      "• Weighting: switch Class weighting to Inverse frequency. A rare pixel "
      "now weighs many times a background pixel (the weights in force are "
      "printed under the bars) and a marker shows where on the plots. Expect "
      "more red at first: the network now prefers a false alarm to a miss.\n"
      "• Focal loss multiplies each pixel's cross-entropy by (1 − p)^γ, so "
      "the many easy background pixels fade and the hard ones dominate; α "
      "weights the classes as weighting does.\n"
      "• Dice compares the predicted and true area of each class, so a small "
      "class counts as much as the background whatever its size; mixing it "
      "with cross-entropy keeps cross-entropy's steady gradients.\n"
      "• The rare-class share changes the data, so it applies on Reset. Hover "
      "a pixel for its class probabilities; click a legend entry to hide a "
      "class. Open Folder trains on your own PNG images and masks."),
  },
  {
    .id = "receptive-field",
    .title = N_("Receptive field"),
    .subtitle = N_("What an output pixel sees"),
    .icon = "find-location-symbolic",
    .preset = "seg-imbalanced-dice",
    .views = GRADLAB_VIEW_RECEPTIVE_FIELD,
    .knobs = receptive_field_knobs,
    .explanation = N_(
      "The table lists every layer of the segmentation network with its "
      "output shape, theoretical receptive field, parameters and FLOPs, and "
      "the formulas with this network's numbers: a k×k conv with dilation d "
      "adds (k − 1)·d times the input spacing to the field.\n\n"
      "• Click a pixel of a prediction (or of the large image): the square is "
      "the theoretical field, every input pixel that can change that output. "
      "The heat is the effective field, the size of the gradient of that "
      "pixel's logit with respect to each input pixel, from a real backward "
      "pass. It is zero outside the square and concentrated near its centre, "
      "so the effective field is smaller than the theoretical one.\n"
      "• Train: the effective field of the chosen pixel is recomputed every 20 "
      "steps and changes with the weights; the theoretical one does not.\n"
      "• Two stacked 3×3 convs see 5×5 pixels, as one 5×5 conv does, with 18 "
      "instead of 25 weights per channel pair and a non-linearity in between.\n"
      "• A 1×1 bottleneck (64 → 16 → 16 → 64 channels) keeps the 3×3 field "
      "with about an eighth of the weights of a plain 3×3 conv at 64 "
      "channels.\n"
      "• Raise the dilation of the three-conv stack: its field grows as "
      "1 + 6·d while its weights stay 27."),
  },
};

const GradlabLab *
gradlab_labs (guint *n_labs)
{
  if (n_labs != NULL)
    *n_labs = G_N_ELEMENTS (lab_table);
  return lab_table;
}

const GradlabLab *
gradlab_lab_find (const char *id)
{
  if (id == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (lab_table); i++)
    if (g_str_equal (lab_table[i].id, id))
      return &lab_table[i];
  return NULL;
}
