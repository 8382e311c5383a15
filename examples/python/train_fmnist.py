#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# PyTorch's usual small MNIST CNN on Fashion-MNIST, plain and with one daf.torch line, in lockstep
# from the same seed (same weights, batches and dropout). A measurement example, not a trainer.
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.multiprocessing.reductions import StorageWeakRef

import daf
import daf.torch

DATA = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
MEAN, STD = 0.2860, 0.3530                  # Fashion-MNIST training-set pixel mean and std


class Net(nn.Module):
    """The CNN of PyTorch's MNIST example: two 3x3 convolutions, max-pool, dropout, two linears."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = self.dropout1(F.max_pool2d(x, 2))
        x = self.dropout2(F.relu(self.fc1(torch.flatten(x, 1))))
        return F.log_softmax(self.fc2(x), dim=1)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(root, split):
    images = read_idx(os.path.join(root, "%s-images-idx3-ubyte.gz" % split))
    labels = read_idx(os.path.join(root, "%s-labels-idx1-ubyte.gz" % split))
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - MEAN) / STD
    return x.unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


class CopySaved:
    """--modes copy and touch: hooks that take what daf.torch stores (floats, bool masks and
    int64 indices with at least min_numel values, once per storage and version, parameters left
    to torch) and move it without compressing it, as floors for daf's step time. copy packs
    each as one clone of its storage and unpacks a fresh clone; touch (the least traffic any
    compressor behind saved_tensors_hooks needs) reads each storage once when it packs (a sum)
    and writes a fresh buffer of its size once when it unpacks (zeros; the values are lost,
    so its training learns nothing). Both unpack once per entry and backward, as daf.torch
    restores once and shares, on as many torch threads as daf.torch's own passes (hook_threads).
    They save no memory; not part of daf."""
    TAKEN = (torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.bool, torch.int64)

    def __init__(self, min_numel=4096, touch=False, hook_threads=1):
        self.min_numel, self.touch, self.hook_threads = min_numel, touch, hook_threads
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)
        self.reset_counters()

    def reset_counters(self):
        """A new step: counters zeroed, storages seen forgotten."""
        self.pack_seconds = self.unpack_seconds = 0.0
        self.packs = self.unpacks = self.step_saved_bytes = 0
        self._copies = {}

    def _pack(self, t):
        start = time.perf_counter()
        self.packs += 1
        if (t.numel() < self.min_numel or t.dtype not in self.TAKEN or t.layout != torch.strided
                or t.device.type != "cpu" or daf.torch._is_parameter_like(t)):
            result = daf.torch._as_is(t)  # what daf.torch leaves to torch
        else:
            storage, key = daf.torch._storage_key(t)  # keyed as daf.torch keys its entries
            entry = self._copies.get(key)
            if entry is None or entry["weak"].expired():  # new, or a freed address reused
                flat = daf.torch._whole_storage(t, storage)
                with daf.torch._TorchThreads(self.hook_threads):
                    if self.touch:
                        flat.sum()  # the read; nothing is kept
                    copy = None if self.touch else flat.clone()
                entry = self._copies[key] = {"copy": copy, "count": flat.numel(),
                                             "dtype": flat.dtype, "users": 0, "cache": None,
                                             "weak": StorageWeakRef(storage)}
                self.step_saved_bytes += storage.nbytes()
            entry["users"] += 1
            result = (entry, tuple(t.shape), t.stride(), t.storage_offset())
        self.pack_seconds += time.perf_counter() - start
        return result

    def _unpack(self, saved):
        if not isinstance(saved, tuple):
            return saved
        start = time.perf_counter()
        self.unpacks += 1
        entry, shape, stride, offset = saved
        flat = entry["cache"]
        if flat is None:
            with daf.torch._TorchThreads(self.hook_threads):
                if self.touch:  # one write of the storage's size
                    flat = torch.empty(entry["count"], dtype=entry["dtype"]).zero_()
                else:
                    flat = entry["copy"].clone()
            if entry["users"] > 1:
                entry["cache"], entry["left"] = flat, entry["users"]
        if entry["cache"] is not None:
            entry["left"] -= 1
            if entry["left"] == 0:
                entry["cache"] = None
        self.unpack_seconds += time.perf_counter() - start
        return flat.as_strided(shape, stride, offset)

    def __enter__(self):
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)


class Run:
    """One model with its optimizer and its own dropout random stream."""

    def __init__(self, mode, seed, args):
        torch.manual_seed(seed)
        self.mode, self.model = mode, Net()
        self.optimizer = torch.optim.Adadelta(self.model.parameters(), lr=args.lr)
        self.rng_state = torch.get_rng_state()
        self.step_seconds, self.saved, self.stored = [], 0, 0
        self.calibrating_stored = 0  # bytes held at the end of a calibration's forward
        self.hook_seconds, self.hook_tensors = [], []
        self.probe_bits, self.calibrate_examples = args.probe_bits, args.calibrate_examples
        self.calibrate_seconds = []  # whole steps that calibrated (forward, probes, backward)
        hook_threads = args.hook_threads or None  # None: torch's own thread count
        if mode == "daf":
            options = {"bits": "auto", "avg_bits": args.avg_bits, "threads": args.daf_threads}
            if args.bits:
                options = {"bits": args.bits, "threads": args.daf_threads}
            self.hooks = daf.torch.saved_activations(options, hook_threads=hook_threads)
        elif mode in ("copy", "touch"):
            self.hooks = CopySaved(touch=mode == "touch", hook_threads=hook_threads)
        else:
            self.hooks = daf.torch.count_saved()

    def calibrate(self, x, y):
        """daf: slot sensitivities measured on the batch's first examples (their floats kept
        as fp32 copies), before the step trains as usual; the step's dropout masks stay the
        plain run's."""
        n = self.calibrate_examples or len(x)
        self.hooks.reset_counters()
        loss = self.hooks.calibrate(lambda: F.nll_loss(self.model(x[:n]), y[:n]),
                                    self.model.parameters(), probe_bits=self.probe_bits)
        self.calibrating_stored = max(self.calibrating_stored, self.hooks.step_bytes()[1])
        del loss  # its graph and exact copies freed before the step's own forward
        torch.set_rng_state(self.rng_state)

    def step(self, x, y, measure, calibrate=False):
        torch.set_rng_state(self.rng_state)
        self.model.train()
        start = time.perf_counter()
        hooked = self.mode != "fp32" or measure
        calibrate = calibrate and self.mode == "daf"
        if calibrate:
            self.calibrate(x, y)
        if hooked:
            if self.mode != "fp32":
                self.hooks.reset_counters()
            else:
                self.hooks.new_step()
            with self.hooks:  # the one line a user adds
                loss = F.nll_loss(self.model(x), y)
        else:
            loss = F.nll_loss(self.model(x), y)
        if measure:
            if self.mode == "daf":
                saved, stored = self.hooks.step_bytes()
            else:
                saved = stored = self.hooks.step_saved_bytes
            self.saved, self.stored = max(self.saved, saved), max(self.stored, stored)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        elapsed = time.perf_counter() - start
        if not measure:
            self.step_seconds.append(elapsed)  # calibration steps included
            if calibrate:
                self.calibrate_seconds.append(elapsed)
            elif self.mode != "fp32":
                self.hook_seconds.append(self.hooks.pack_seconds + self.hooks.unpack_seconds)
                self.hook_tensors.append(self.hooks.packs + self.hooks.unpacks)
        self.rng_state = torch.get_rng_state()
        return loss.item()

    def accuracy(self, x, y):
        self.model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(x), 1000):
                correct += int((self.model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum())
        return 100.0 * correct / len(x)


def last_plan(hooks):
    """{slot: "bits/group size, bytes"} of every slot libdaf has seen saved."""
    plan = {}
    for slot in sorted(set(hooks._slots.values())):
        try:
            p = hooks.ctx.plan(slot)
        except daf.Error:  # a slot only a calibration measured: never saved to libdaf
            continue
        plan[slot] = "%d/%d, %d" % (p["bits"], p["group_size"], p["bytes"])
    return plan


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--avg-bits", type=float, default=1.9, help="daf target (automatic bits)")
    parser.add_argument("--bits", type=int, default=0, help="fixed width instead of automatic bits")
    parser.add_argument("--daf-threads", type=int, default=1, help="libdaf's threads")
    parser.add_argument("--hook-threads", type=int, default=1,
                        help="torch threads of the hooks' own passes (daf, copy, touch); 0: "
                             "torch's own count")
    parser.add_argument("--measure-every", type=int, default=50,
                        help="every n-th step's saved bytes are counted (that step is not timed)")
    parser.add_argument("--calibrate-every", type=int, default=100,
                        help="daf: measure slot sensitivities (SavedActivations.calibrate) at "
                             "step 1 and every n-th step after; 0: never")
    parser.add_argument("--calibrate-examples", type=int, default=4,
                        help="calibrate on the batch's first n examples; 0: the whole batch")
    parser.add_argument("--probe-bits", type=int, default=2, help="calibration's probe width")
    parser.add_argument("--modes", default="fp32,daf",
                        help="runs in lockstep: fp32 (plain PyTorch), daf (one with line), copy "
                             "(CopySaved: hooks that only clone), touch (hooks that read each "
                             "stored tensor once and write a fresh one: the hooks' floor)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    train_x, train_y = load(args.data, "train")
    test_x, test_y = load(args.data, "t10k")
    runs = [Run(mode, args.seed, args) for mode in args.modes.split(",")]
    order = np.random.default_rng(args.seed).permutation
    perm, at = order(len(train_x)), 0
    log = sys.stderr if args.json else sys.stdout
    for step in range(1, args.steps + 1):
        if at + args.batch > len(perm):
            perm, at = order(len(train_x)), 0
        index = torch.from_numpy(perm[at:at + args.batch])
        at += args.batch
        x, y = train_x[index], train_y[index]
        # Bytes are counted once the planner has a plan (it plans from the second step on).
        measure = step % args.measure_every == 0
        calibrate = args.calibrate_every > 0 and step % args.calibrate_every == 1 % args.calibrate_every
        # Lockstep, alternating which run goes first, so both see the same machine load.
        for run in (runs if step % 2 else runs[::-1]):
            loss = run.step(x, y, measure, calibrate)
            if step % 100 == 0:
                print("step %4d %-4s loss %.4f" % (step, run.mode, loss), file=log)

    report = []
    for run in runs:
        report.append({
            "mode": run.mode, "steps": args.steps,
            "test_accuracy": round(run.accuracy(test_x, test_y), 2),
            "saved_unique_fp32_bytes": run.saved, "stored_bytes": run.stored,
            "step_ms_median": round(1000 * statistics.median(run.step_seconds), 3),
            "step_ms_mean": round(1000 * statistics.mean(run.step_seconds), 3),
        })
        if run.hook_seconds:
            report[-1]["hook_ms_median"] = round(1000 * statistics.median(run.hook_seconds), 3)
        if run.calibrate_seconds:
            report[-1]["stored_bytes_calibrating"] = run.calibrating_stored
            report[-1]["stored_bytes_peak"] = max(run.stored, run.calibrating_stored)
            report[-1]["calibrate_examples"] = args.calibrate_examples or args.batch
            report[-1]["calibrations"] = len(run.calibrate_seconds)
            report[-1]["calibrate_step_ms_median"] = round(
                1000 * statistics.median(run.calibrate_seconds), 3)
    for run, row in zip(runs, report):
        line = "%-4s acc %.2f %%  saved %d B  stored %d B (%.1fx)  step %.2f ms" % (
            run.mode, row["test_accuracy"], row["saved_unique_fp32_bytes"], row["stored_bytes"],
            row["saved_unique_fp32_bytes"] / max(row["stored_bytes"], 1), row["step_ms_median"])
        if "stored_bytes_peak" in row:
            line += "  calibrating %d B, peak %d B (%.1fx over all steps)" % (
                row["stored_bytes_calibrating"], row["stored_bytes_peak"],
                row["saved_unique_fp32_bytes"] / max(row["stored_bytes_peak"], 1))
        if run.hook_seconds:
            tensors = statistics.median(run.hook_tensors)
            hook_ms = 1000 * statistics.median(run.hook_seconds)
            line += "  hooks %.2f ms/step, %.1f us per pack or unpack (%d per step)" % (
                hook_ms, 1000 * hook_ms / max(tensors, 1), tensors)
            if run.mode == "daf":
                line += "  libdaf plans %d" % run.hooks.ctx.stats()["plans"]
                line += "; last plan (slot: bits/group, bytes) %s" % last_plan(run.hooks)
            if run.calibrate_seconds:
                line += "  %d calibrations, %.1f ms per calibrating step; sensitivities %s" % (
                    len(run.calibrate_seconds), 1000 * statistics.median(run.calibrate_seconds),
                    {k: float("%.3g" % v) for k, v in sorted(run.hooks.sensitivities.items())})
        print(line, file=log)
    if args.json:
        print(json.dumps({"runs": report}))


if __name__ == "__main__":
    main()
