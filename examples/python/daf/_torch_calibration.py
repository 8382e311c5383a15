# SPDX-License-Identifier: MIT
# daf.torch's sensitivity calibration (SavedActivations.calibrate): one forward (often on a
# sub-batch) kept exact, its gradients compared with those of one slot quantized at a time.
# Not a training loop.
import math
import time

import torch

from ._context import DTYPE_FLOAT32, Context

FLOAT_KINDS = ("float", "nonnegative")  # the kinds a calibration measures


class Calibration:
    """One calibration: the entries its forward kept exact, then one probe per float slot.
    The method is GACT's (Liu et al., ICML 2022: the gradient change a tensor's quantization
    causes, measured by quantizing one tensor at a time), normalized per parameter and by the
    probe's measured squared error so that it is the weight w_s of libdaf's error model."""

    def __init__(self, hooks, probe_bits, group_size):
        if isinstance(probe_bits, bool) or not isinstance(probe_bits, int) \
                or not 1 <= probe_bits <= 8:
            raise ValueError("probe_bits must be an int in 1..8, not %r" % (probe_bits,))
        self.hooks, self.probe_bits, self.group_size = hooks, probe_bits, int(group_size)
        self.entries = []

    def add(self, entry):
        self.entries.append(entry)

    def run(self, forward, parameters):
        hooks = self.hooks
        params = [p for p in parameters if isinstance(p, torch.Tensor) and p.requires_grad]
        if not params:
            raise ValueError("calibrate needs parameters that require grad")
        if hooks._calibration is not None:
            raise RuntimeError("calibrate is already running on these hooks")
        start = time.perf_counter()
        hooks._calibration = self
        hooks._backward_seen = True  # its forward is a step of its own: places count from 1
        try:
            with hooks:
                loss = forward()
        finally:
            hooks._calibration = None
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1 or not loss.requires_grad:
            raise ValueError("calibrate's forward() must return a scalar loss that requires grad")
        exact = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
        norms = [None if g is None else float(g.double().pow(2).sum()) for g in exact]
        report = {}
        probe_ctx = Context(bits=self.probe_bits, group_size=self.group_size, rounding="nearest",
                            threads=1)
        try:
            for entry in self.entries:
                if entry.save_kind not in FLOAT_KINDS or entry.exact is None:
                    continue
                handle, error = self._probe(probe_ctx, entry)
                try:
                    if not 0 < error < math.inf:
                        continue
                    entry.probe = _restorer(probe_ctx, handle, entry.exact)
                    grads = torch.autograd.grad(loss, params, retain_graph=True,
                                                allow_unused=True)
                finally:
                    entry.probe = None
                    probe_ctx.release(handle)
                change = 0.0
                for g, e, n in zip(grads, exact, norms):
                    if g is not None and e is not None and n is not None and n > 0:
                        change += float((g - e).double().pow(2).sum()) / n
                sensitivity = change / error
                if math.isfinite(sensitivity):
                    report[entry.slot] = sensitivity
                    hooks.ctx.set_sensitivity(entry.slot, sensitivity)
        finally:
            probe_ctx.close()
            self.entries = []
        hooks.sensitivities.update(report)
        hooks.calibrations += 1
        hooks.calibrate_seconds += time.perf_counter() - start
        return loss

    def _probe(self, ctx, entry):
        """The entry's values saved in ctx at the probe width (as libdaf stores its kind): its
        handle, and the squared error that made, summed in the stored domain over finite
        values. Only the packed probe is held; a backward restores it where it reads it."""
        x = entry.exact
        handle = ctx.save_pointer(x.data_ptr(), x.numel(), DTYPE_FLOAT32, bits=self.probe_bits,
                                  kind=entry.save_kind)
        q = torch.empty_like(x)
        ctx.restore_pointer(handle, q.data_ptr(), q.numel(), DTYPE_FLOAT32)
        if entry.save_kind == "nonnegative":
            difference = _compand(q) - _compand(x)
        else:
            difference = q - x
        difference = torch.where(torch.isfinite(difference), difference, 0.0).double()
        return handle, float(difference.pow(2).sum())


def _restorer(ctx, handle, like):
    """A function that restores the probe into a new tensor shaped as `like`."""
    def restore():
        values = torch.empty_like(like)
        ctx.restore_pointer(handle, values.data_ptr(), values.numel(), DTYPE_FLOAT32)
        return values
    return restore


def _compand(x):
    return x.sign() * x.abs().sqrt()
