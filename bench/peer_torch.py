#!/usr/bin/python3
"""The PyTorch side of Gradlab's benchmark (bench/run).

    peer_torch.py train WORKLOAD --data DIR [--threads T] [--seconds S] [--warmup S] [--seed N]
    peer_torch.py quality WORKLOAD --data DIR [--steps N] [--seed N] [--threads T]
                          [--gradlab-params FILE]

Trains the same network as bench/gradlab-bench.c on the data and the
initial weights that `gradlab-bench dump DIR` wrote, with the same batch,
optimizer and thread count, in the plain way a PyTorch user would write the
loop (zero_grad, forward, loss, backward, step; batches indexed out of
tensors in memory). Prints one JSON object per line, like the C driver.

Run it with /usr/bin/python3: Debian's python3-torch lives there. Thread
counts must also be in the environment (OMP_NUM_THREADS and friends) before
torch is imported; bench/run does that.
"""

import argparse
import json
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["train", "quality"])
    p.add_argument("workload")
    p.add_argument("--data", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--warmup", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=0)
    p.add_argument("--gradlab-params", default="")
    return p.parse_args()


args = parse_args()
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(var, str(args.threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(args.threads)


def load_meta(data_dir, workload):
    with open(os.path.join(data_dir, workload + ".json")) as f:
        return json.load(f)


def load_split(data_dir, meta, part):
    n = meta["n_" + part]
    c, h, w = meta["sample"]
    lh, lw = meta["label_shape"]
    base = os.path.join(data_dir, "%s.%s" % (meta["data"], part))
    x = np.fromfile(base + ".x.f32", dtype="<f4")
    y = np.fromfile(base + ".y.i32", dtype="<i4")
    if meta["data"] == "seg":
        x = x.reshape(n, c, h, w)
        y = y.reshape(n, lh, lw)
    else:
        x = x.reshape(n, c * h * w)
        y = y.reshape(n)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


# The networks of bench/gradlab-bench.c, layer for layer, so that the
# parameters come out in the order of Gradlab's parameter slab (weights,
# then bias, of each layer in turn).
def build(workload, meta):
    c, h, w = meta["sample"]
    classes = meta["n_classes"]
    if workload == "w1":
        return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                             nn.Linear(8, classes))
    if workload in ("w2", "w2-bn", "w2-dropout"):
        layers = []
        fan_in = c * h * w
        for _ in range(2):
            layers.append(nn.Linear(fan_in, 128))
            if workload == "w2-bn":
                layers.append(nn.BatchNorm1d(128))
            layers.append(nn.ReLU())
            if workload == "w2-dropout":
                layers.append(nn.Dropout(0.2))
            fan_in = 128
        layers.append(nn.Linear(fan_in, classes))
        return nn.Sequential(*layers)
    if workload == "w4":
        layers = []
        fan_in = c * h * w
        for _ in range(20):
            layers += [nn.Linear(fan_in, 64), nn.Sigmoid()]
            fan_in = 64
        layers.append(nn.Linear(fan_in, classes))
        return nn.Sequential(*layers)
    if workload == "w3":
        layers = []
        in_c = c
        for dil in (1, 2, 4):
            layers += [nn.Conv2d(in_c, 16, 3, padding=dil, dilation=dil, bias=False),
                       nn.BatchNorm2d(16), nn.ReLU()]
            in_c = 16
        layers.append(nn.Conv2d(16, classes, 1))
        return nn.Sequential(*layers)
    raise SystemExit("peer_torch.py: unknown workload " + workload)


def load_params(model, data_dir, workload, seed, n_params):
    flat = np.fromfile(os.path.join(data_dir, "%s.seed%d.params.f32" % (workload, seed)),
                       dtype="<f4")
    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    if total != n_params or flat.size != n_params:
        raise SystemExit("peer_torch.py: %s has %d parameters, Gradlab's %d"
                         % (workload, total, n_params))
    pos = 0
    with torch.no_grad():
        for p in params:
            k = p.numel()
            p.copy_(torch.from_numpy(flat[pos:pos + k].copy()).view_as(p))
            pos += k


def make_optimizer(model, meta):
    if meta["optimizer"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=meta["lr"], betas=(0.9, 0.999), eps=1e-8)
    return torch.optim.SGD(model.parameters(), lr=meta["lr"])


class Batcher:
    """Shuffled batches drawn from tensors in memory, reshuffled per epoch;
    or, given @order (sample indices, one batch after another), exactly
    those batches: the quality check replays Gradlab's batch order."""

    def __init__(self, x, y, batch, seed, order=None):
        self.x, self.y, self.batch = x, y, batch
        self.gen = torch.Generator().manual_seed(seed)
        self.order = order
        self.perm = order if order is not None else torch.randperm(len(x), generator=self.gen)
        self.pos = 0

    def next(self):
        if self.pos + self.batch > len(self.perm):
            if self.order is not None:
                raise SystemExit("peer_torch.py: ran past the replayed batch order")
            self.perm = torch.randperm(len(self.x), generator=self.gen)
            self.pos = 0
        idx = self.perm[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return self.x[idx], self.y[idx]


def setup(workload, seed, replay=False):
    meta = load_meta(args.data, workload)
    xt, yt = load_split(args.data, meta, "train")
    order = None
    if replay:
        path = os.path.join(args.data, "%s.seed%d.batches.i32" % (workload, seed))
        if os.path.exists(path):
            order = torch.from_numpy(np.fromfile(path, dtype="<i4").astype(np.int64))
    model = build(workload, meta)
    load_params(model, args.data, workload, seed, meta["n_params"])
    opt = make_optimizer(model, meta)
    weight = None
    if meta["data"] == "seg":
        weight = torch.tensor(meta["class_weights"], dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weight)
    batcher = Batcher(xt, yt, meta["batch"], seed, order)
    model.train()

    def step():
        xb, yb = batcher.next()
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    return meta, model, step, loss_fn, (xt, yt, order is not None)


def cmd_train():
    meta, model, step, _, _ = setup(args.workload, args.seed)
    t0 = time.perf_counter()
    warm = 0
    while True:
        step()
        warm += 1
        if warm >= 5 and time.perf_counter() - t0 >= args.warmup:
            break
    steps = 0
    t0 = time.perf_counter()
    t1 = t0
    while t1 - t0 < args.seconds or steps < 3:
        loss = step()
        steps += 1
        t1 = time.perf_counter()
    if not torch.isfinite(loss):
        raise SystemExit("peer_torch.py: the loss is not finite")
    secs = t1 - t0
    batch = meta["batch"]
    flops = meta["train_flops_per_sample"] * batch
    print(json.dumps({
        "side": "pytorch", "workload": args.workload, "threads": args.threads,
        "batch": batch, "warmup_steps": warm, "steps": steps, "seconds": round(secs, 6),
        "samples_per_s": round(steps * batch / secs, 3),
        "ms_per_step": round(1e3 * secs / steps, 6),
        "gflops": round(flops * steps / secs * 1e-9, 4),
        "torch": torch.__version__,
    }))


def miou(pred, truth, classes):
    """Mean IoU over the classes present in truth or prediction, as
    gr_session_evaluate () computes it."""
    ious = []
    for c in range(classes):
        tp = int(((pred == c) & (truth == c)).sum())
        fp = int(((pred == c) & (truth != c)).sum())
        fn = int(((pred != c) & (truth == c)).sum())
        if tp + fp + fn > 0:
            ious.append(tp / (tp + fp + fn))
    return sum(ious) / len(ious) if ious else float("nan")


def cmd_quality():
    meta, model, step, loss_fn, (xt, yt, replayed) = setup(args.workload, args.seed,
                                                            replay=True)
    steps = args.steps or meta["quality_steps"]
    init = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    for _ in range(steps):
        step()
    xv, yv = load_split(args.data, meta, "val")
    model.eval()
    with torch.no_grad():
        out = model(xv)
        val_loss = float(loss_fn(out, yv))
        pred = out.argmax(dim=1)
        # As gr_session_evaluate (): the first 1024 training samples.
        train_loss = float(loss_fn(model(xt[:1024]), yt[:1024]))
    acc = float((pred == yv).float().mean())
    seg = meta["data"] == "seg"
    value = miou(pred, yv, meta["n_classes"]) if seg else acc
    result = {
        "side": "pytorch", "workload": args.workload, "seed": args.seed, "steps": steps,
        "metric": "miou" if seg else "val_acc", "value": round(value, 6),
        "val_acc": round(acc, 6), "val_loss": round(val_loss, 6),
        "train_loss": round(train_loss, 6), "replayed_batches": replayed,
    }
    if args.gradlab_params and os.path.exists(args.gradlab_params):
        # How far apart the two trained networks are, relative to how far
        # training moved PyTorch's: near 0 when both did the same work.
        final = torch.cat([p.detach().flatten() for p in model.parameters()])
        theirs = torch.from_numpy(np.fromfile(args.gradlab_params, dtype="<f4").copy())
        moved = float(torch.linalg.vector_norm(final - init))
        gap = float(torch.linalg.vector_norm(final - theirs))
        result["param_gap"] = round(gap / moved, 6) if moved > 0 else None
    print(json.dumps(result))


if __name__ == "__main__":
    if args.command == "train":
        cmd_train()
    else:
        cmd_quality()
    sys.stdout.flush()
