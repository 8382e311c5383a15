# SPDX-License-Identifier: MIT
# daf.torch: PyTorch's saved-tensor hooks backed by a libdaf context (saved_activations), and a
# counting-only twin (count_saved) that measures what plain autograd keeps. Not a model wrapper.
import threading
import time

import torch
from torch.multiprocessing.reductions import StorageWeakRef

from ._context import DTYPE_FLOAT32, DTYPE_INT32, DTYPE_UINT8, Context, Error
from ._torch_calibration import FLOAT_KINDS, Calibration
from ._torch_indices import IndexLayout

# Producers whose outputs are mostly >= 0 with small values that matter: saved companded.
NONNEGATIVE_PRODUCERS = frozenset({
    "ReluBackward0", "ReluBackward1", "ThresholdBackward0", "ThresholdBackward1",
    "SoftmaxBackward0", "SafeSoftmaxBackward0", "SigmoidBackward0", "SigmoidBackward1",
    "HardsigmoidBackward0", "AbsBackward0",
})
_CONVERTED_FLOATS = (torch.float16, torch.bfloat16, torch.float64)
_RESTORED_DTYPE = {DTYPE_FLOAT32: torch.float32, DTYPE_UINT8: torch.bool, DTYPE_INT32: torch.int32}


def _is_parameter_like(t):
    """A parameter (a leaf that requires grad) or a view of one: never stored by libdaf."""
    if t.is_leaf and t.requires_grad:
        return True
    base = t._base
    return base is not None and base.is_leaf and base.requires_grad


def _as_is(t):
    """t kept by torch. A non-leaf comes back detached (same storage and version counter): an
    output returned as it is would hold its own node through grad_fn, a cycle through C++ that
    never frees the graph."""
    return t.detach() if t.grad_fn is not None else t


def _producer(t):
    node = t.grad_fn
    return type(node).__name__ if node is not None else "leaf"


def _batch_free_shape(t):
    """t's shape with its leading (batch) dimension left out: (None, *t.shape[1:]), or () for a
    scalar. A slot's signature uses it, so that a step on fewer examples (calibrate's sub-batch,
    an epoch's last batch) saves into the slots of a full step."""
    return (None,) + tuple(t.shape[1:]) if t.dim() else ()


def _first_sight(seen, storage, key):
    """True when this step has not counted storage yet (seen: key -> weak reference). Only a
    weak reference is kept, so counting never keeps a saved storage alive; an address freed
    and reused by a new storage counts again."""
    weak = seen.get(key)
    if weak is not None and not weak.expired():
        return False
    seen[key] = StorageWeakRef(storage)
    return True


def _storage_key(t):
    storage = t.untyped_storage()
    return storage, (storage.data_ptr(), t.dtype, t._version)


def _whole_storage(t, storage):
    """storage (t's) as a flat tensor of t's dtype, every element of it."""
    return t.new_empty(0).set_(storage, 0, (storage.nbytes() // t.element_size(),), (1,))


class _TorchThreads:
    """torch's intra-op threads set to n (if fewer) for the hooks' own passes over a tensor:
    memory-bound, and on a busy machine a second thread waited for costs far more than it
    gives (a 590 K-value pass: 1 ms on one thread, 15 ms of CPU on two under load)."""
    __slots__ = ("n", "before")

    def __init__(self, n):
        self.n, self.before = n, None

    def __enter__(self):
        if self.n is not None:
            before = torch.get_num_threads()
            if before > self.n:
                self.before = before
                torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        if self.before is not None:
            torch.set_num_threads(self.before)


class _Entry:
    """One libdaf entry: a whole storage (views rebuilt with as_strided) or one view's copy.
    kind: the libdaf dtype it is restored as; save_kind: its libdaf kind. A float saved by a
    calibration (SavedActivations.calibrate) has no handle: exact holds its values as fp32,
    and probe, while its slot is measured, restores the probe."""
    __slots__ = ("handle", "count", "dtype", "kind", "users", "cache", "unpacks_left", "key",
                 "weak", "slot", "decode", "nbytes", "save_kind", "exact", "probe")

    def __init__(self, handle, count, dtype, kind, key, weak, slot, decode, nbytes, save_kind,
                 exact=None):
        self.handle, self.count, self.dtype, self.kind = handle, count, dtype, kind
        self.key, self.weak, self.slot, self.decode, self.nbytes = key, weak, slot, decode, nbytes
        self.save_kind, self.exact, self.probe = save_kind, exact, None
        self.users, self.cache, self.unpacks_left = 0, None, 0


class _Saved:
    """What autograd holds instead of a tensor; its deletion (autograd freed the saved entry)
    drops one user of the libdaf entry, and the last user releases it."""
    __slots__ = ("hooks", "entry", "view")

    def __init__(self, hooks, entry, view):
        self.hooks, self.entry, self.view = hooks, entry, view
        entry.users += 1

    def __del__(self):
        hooks = self.hooks
        if hooks is not None:
            hooks._drop(self.entry)


class SavedActivations:
    """Keeps every tensor autograd saves (above min_numel elements) in a libdaf context.

    context: a daf.Context, or a dict of daf.Context options (default: automatic bits at
    avg_bits=2, nearest rounding, one libdaf thread so that torch keeps its own). min_numel:
    smaller tensors stay in torch. kinds: bool masks and small-range int64 indices go to libdaf
    exactly. floats=False stores only those lossless kinds (gradients then equal plain
    autograd's). nonnegative: ReLU, softmax and sigmoid outputs saved companded
    (DAF_KIND_NONNEGATIVE). Use it as `with daf.torch.saved_activations(...):` around the
    forward passes (or the whole loop); every few hundred steps, `calibrate` measures each
    slot's sensitivity for the planner."""

    def __init__(self, context=None, min_numel=4096, kinds=True, floats=True, nonnegative=True,
                 view_fraction=0.5, hook_threads=1):
        if context is None:
            context = {}
        if isinstance(context, dict):
            # Kinds and automatic bits: nearest rounding has the smaller error (daf.h).
            options = {"bits": "auto", "avg_bits": 2.0, "rounding": "nearest", "threads": 1}
            options.update(context)
            context = Context(**options)
        self.ctx = context
        self.min_numel = int(min_numel)
        self.kinds = bool(kinds)
        self.floats = bool(floats)
        self.nonnegative = bool(nonnegative)
        self.view_fraction = float(view_fraction)
        self.hook_threads = None if hook_threads is None else int(hook_threads)
        self._lock = threading.RLock()
        self._entries = {}
        self._live = 0
        self._backward_seen = True
        self._step_had_entries = False
        self._slots = {}          # (position, producer, batch-free shape, dtype) -> slot id
        self._next_slot = 1
        self._position = 0        # pack calls so far in this step: a tensor's place in the step
        self._index_layouts = {}  # (position, shape with its batch) -> IndexLayout
        self._not_masks = set()   # (position in step, shape, dtype) of constants not 0 or c
        self._calibration = None  # a _Calibration while calibrate runs its forward and probes
        self.sensitivities = {}   # slot -> the last sensitivity calibrate reported
        self.calibrations = 0
        self.calibrate_seconds = 0.0
        self.reset_counters()
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)

    # --- counters -----------------------------------------------------------------------------
    def reset_counters(self):
        """Zeroes the cumulative counters (hook time, tensors, restores)."""
        self.pack_seconds = self.unpack_seconds = 0.0
        self.packs = self.unpacks = self.stored_tensors = self.restores = 0
        self._step_seen = {}
        self.step_saved_bytes = 0   # unique storages autograd saved this step (as plain torch)
        self.step_kept_bytes = 0    # of those, kept as they are (parameters excluded from both)
        self.step_exact_bytes = 0   # fp32 copies a calibration step keeps instead of libdaf entries

    def step_bytes(self):
        """This step's saved bytes so far: (as plain torch keeps them, as stored now; in a
        calibration step the exact copies count as stored)."""
        return (self.step_saved_bytes, self.step_kept_bytes + self.step_exact_bytes
                + self.ctx.stats()["live_packed_bytes"])

    # --- the with block ---------------------------------------------------------------------
    def __enter__(self):
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)

    # --- pack ---------------------------------------------------------------------------------
    def _new_step(self):
        self._position = 0
        self._step_seen = {}
        self.step_saved_bytes = self.step_kept_bytes = self.step_exact_bytes = 0
        self._backward_seen = self._step_had_entries = False

    def _count(self, t, kept):
        storage = t.untyped_storage()
        key = (storage.data_ptr(), t._version)
        if _first_sight(self._step_seen, storage, key):
            self.step_saved_bytes += storage.nbytes()
            if kept:
                self.step_kept_bytes += storage.nbytes()

    def _pack(self, t):
        start = time.perf_counter()
        with self._lock:
            self.packs += 1
            # A step ends with a backward pass, or when all its entries were released (a graph
            # dropped without one).
            if self._backward_seen or (self._live == 0 and self._step_had_entries):
                self._new_step()
            # Every call counts, whatever is saved: a tensor's place in the step depends only on
            # the graph, not on sizes (a sub-batch passes the same places as the full batch).
            self._position += 1
            if _is_parameter_like(t) or t.layout != torch.strided or t.device.type != "cpu":
                result = _as_is(t)
            else:
                result = self._pack_activation(t)
                kept = not isinstance(result, _Saved)
                self._count(t, kept)
                if kept:
                    result = _as_is(result)
        self.pack_seconds += time.perf_counter() - start
        return result

    def _pack_activation(self, t):
        if t.dtype == torch.float32 or t.dtype in _CONVERTED_FLOATS:
            # A calibration measures floats of any size but scalars: on a sub-batch, a tensor
            # may hold fewer than min_numel values that a full step stores.
            if t.numel() < self.min_numel and (self._calibration is None or t.dim() == 0):
                return t
            if self.kinds and t.grad_fn is None and not t.requires_grad:
                with _TorchThreads(self.hook_threads):
                    saved = self._pack_scaled_mask(t)  # e.g. a dropout mask: 0 or 1/(1-p)
                if saved is not None:
                    return saved
            if not self.floats:
                return t
            if t.dtype != torch.float32:
                with _TorchThreads(self.hook_threads):
                    return self._pack_float(t)
            return self._pack_float(t)  # no torch pass: libdaf reads t's storage
        if t.numel() < self.min_numel:
            return t
        if t.dtype == torch.bool and self.kinds:
            return self._pack_storage(t, "mask", DTYPE_UINT8, None)
        if t.dtype == torch.int64 and self.kinds:
            with _TorchThreads(self.hook_threads):
                return self._pack_indices(t)
        return t

    def _slot(self, t):
        signature = (self._position, _producer(t), _batch_free_shape(t), t.dtype)
        slot = self._slots.get(signature)
        if slot is None:
            slot = self._slots[signature] = self._next_slot
            self._next_slot += 1
        return slot

    def _pack_float(self, t):
        kind = "float"
        if self.nonnegative and _producer(t) in NONNEGATIVE_PRODUCERS:
            kind = "nonnegative"
        if t.dtype != torch.float32:
            return self._pack_copy(t, t.to(torch.float32), kind, DTYPE_FLOAT32, t.dtype)
        return self._pack_storage(t, kind, DTYPE_FLOAT32, None)

    def _pack_storage(self, t, kind, daf_dtype, decode):
        """Saves t's whole storage once per step and version; t comes back as a view of it."""
        storage, key = _storage_key(t)
        element = t.element_size()
        count = storage.nbytes() // element
        if t.numel() < self.view_fraction * count or storage.data_ptr() % element:
            with _TorchThreads(self.hook_threads):
                return self._pack_copy(t, t.contiguous(), kind, daf_dtype, t.dtype)
        entry = self._entries.get(key)
        if entry is not None and entry.weak.expired():
            entry = None  # the address was reused by a new storage
        if entry is None:
            slot = self._slot(t)
            # The whole storage, flat: a tensor only when a calibration copies it.
            flat = lambda: _whole_storage(t, storage)  # noqa: E731
            handle, exact = self._save(flat, daf_dtype, slot, kind, pointer=storage.data_ptr(),
                                       count=count)
            entry = _Entry(handle, count, t.dtype, daf_dtype, key, StorageWeakRef(storage), slot,
                           decode, storage.nbytes(), kind, exact)
            self._entries[key] = entry
            if exact is not None:
                self._calibration.add(entry)
            self._live += 1
            self._step_had_entries = True
        return _Saved(self, entry, (tuple(t.shape), t.stride(), t.storage_offset()))

    def _pack_copy(self, t, dense, kind, daf_dtype, dtype, decode=None, int_range=(0, 0),
                   restore_dtype=None, shape=None):
        """Saves a dense copy of one view (a part of a larger storage, a converted dtype). Its
        entry has one user and is never cached, so decode may change the restored buffer. A
        refused save raises."""
        dense = dense.contiguous()
        slot = self._slot(t)
        handle, exact = self._save(dense.reshape(-1), daf_dtype, slot, kind, int_range)
        entry = _Entry(handle, dense.numel(), dtype,
                       daf_dtype if restore_dtype is None else restore_dtype, None, None, slot,
                       decode, t.numel() * t.element_size(), kind, exact)
        if exact is not None:
            self._calibration.add(entry)
        self._live += 1
        self._step_had_entries = True
        return _Saved(self, entry, (tuple(t.shape if shape is None else shape), None, 0))

    def _pack_scaled_mask(self, t):
        """A constant whose values are all 0 or one c >= 1 (dropout's 0 or 1/(1-p)), saved as a
        1-bit mask and c; None (nothing saved) otherwise. c is the largest of the first values,
        and libdaf checks that t / c holds only 0 and 1 while it packs, so no pass over t is
        spent on checking c. (t / c is exactly 1 only where t == c; it is 0 where
        t == 0, and also for a subnormal t below c * 2^-150, the one value not kept exactly.)
        A place in the step whose tensor was refused once is not tried again."""
        place = (self._position, tuple(t.shape), t.dtype)
        if place in self._not_masks:  # refused in an earlier step: not tried again
            return None
        flat = t.reshape(-1)
        scale = float(flat[:4096].amax())
        if scale == 0:  # all the first values are 0: one pass finds c
            scale = float(flat.amax())
        if not 1.0 <= scale < float("inf"):
            return None
        unit = t.to(torch.float32) / scale
        try:
            return self._pack_copy(t, unit, "mask", DTYPE_FLOAT32, t.dtype,
                                   decode=lambda r: r.mul_(scale))
        except Error as error:
            if error.name != "DAF_E_INVALID_ARGUMENT":
                raise
            self.stored_tensors -= 1
            self._not_masks.add(place)
            return None

    def _pack_indices(self, t):
        """int64 indices (e.g. max-pool argmax positions) kept exactly as small codes (see
        IndexLayout), or t as it is when their offsets span more than 256 values. A place's
        layout, measured in the first step, is kept for the same place and shape in later
        steps (one or three cheap passes per save; a sub-batch's shape has its own); it is
        measured again only when libdaf refuses a save."""
        rows = t.dim() - 2 if t.dim() > 2 else 1 if t.dim() == 2 else 0
        lead = 1
        for n in t.shape[:rows]:
            lead *= n
        if lead < 16:
            return t
        place = (self._position, tuple(t.shape))
        layout = self._index_layouts.get(place)
        if layout is not None:
            saved = self._pack_index_codes(t, layout)
            if saved is not None:
                return saved
        layout = IndexLayout.measure(t, lead, rows)
        if layout is None:
            self._index_layouts.pop(place, None)
            return t
        self._index_layouts[place] = layout
        saved = self._pack_index_codes(t, layout)
        return t if saved is None else saved

    def _pack_index_codes(self, t, layout):
        """t saved as its layout's codes; None (nothing saved) if they do not fit it."""
        codes, reach = layout.codes(t)
        try:
            return self._pack_copy(t, codes, "integer", DTYPE_FLOAT32, torch.int64,
                                   decode=layout.decoder(), int_range=(0, reach),
                                   restore_dtype=DTYPE_INT32, shape=codes.shape)
        except Error as error:
            if error.name != "DAF_E_INVALID_ARGUMENT":
                raise
            self.stored_tensors -= 1
            return None

    def _save(self, flat, daf_dtype, slot, kind, int_range=(0, 0), pointer=None, count=None):
        """Saves the 1-D tensor flat (or a function that makes it, with its pointer and
        count) to libdaf: (handle, None); a float during a calibration forward is kept as a
        copy instead: (None, the copy). A calibration saves exact kinds without a slot, so that
        its (smaller) tensors neither begin a planner step nor enter the slots' statistics."""
        self.stored_tensors += 1
        if self._calibration is not None:
            if kind in FLOAT_KINDS:
                copy = (flat() if pointer is not None else flat).clone()
                self.step_exact_bytes += copy.numel() * copy.element_size()
                return None, copy
            slot = 0
        if pointer is None:
            pointer, count = flat.data_ptr(), flat.numel()
        bits = 0 if kind in FLOAT_KINDS else 8
        return self.ctx.save_pointer(pointer, count, daf_dtype, bits=bits, slot=slot, kind=kind,
                                     int_range=int_range), None

    # --- calibration ------------------------------------------------------------------------
    def calibrate(self, forward, parameters, probe_bits=2, group_size=256):
        """Measures each float slot's sensitivity and reports it to the planner
        (daf_slot_set_sensitivity), in the manner of GACT (Liu et al., ICML 2022). Runs
        forward() (which must return a scalar loss) under these hooks with every saved float
        kept exact, as an fp32 copy, whatever its size (masks and indices are saved exactly, as
        in any step, but outside the planner's slots); takes the gradients of `parameters` once
        as they are and once per float slot with only that slot quantized at probe_bits;
        reports for each slot
        c = sum over parameters of |g_probe - g|^2 / |g|^2, divided by the probe's squared
        error summed over the slot's values in its stored domain (square roots for companded
        slots), the unit of libdaf's predicted error. Returns the loss, its graph still held
        (call backward on it, or drop it).

        forward() may run the model on a few examples of the batch (e.g. 4 of 64): slots are
        keyed by place in the step, producer, dtype and shape without its leading (batch)
        dimension, so the sub-batch's tensors measure the slots the full batch saves into, and
        its fp32 copies are that fraction of what plain autograd keeps for a step. The weights
        of a sub-batch share one scale factor against a full batch's (tensors that all scale
        with the batch); the planner uses only their ratios. Holds meanwhile: the fp32 copies,
        the exact kinds' libdaf entries, one gradient per parameter and one packed probe
        (restored where a backward reads it, as any stored tensor).
        Costs one forward and one backward per float slot plus one; self.calibrate_seconds
        sums its time."""
        return Calibration(self, probe_bits, group_size).run(forward, parameters)

    # --- unpack -------------------------------------------------------------------------------
    def _unpack(self, saved):
        self._backward_seen = True  # the next pack begins a new step
        if not isinstance(saved, _Saved):
            return saved
        start = time.perf_counter()
        result = self._unpacked(saved)
        self.unpack_seconds += time.perf_counter() - start
        return result

    def _unpacked(self, saved):
        with self._lock:
            self.unpacks += 1
            entry = saved.entry
            flat = entry.cache
            if entry.exact is not None:
                flat = self._calibration_values(entry)
            elif flat is None:
                flat = self._restore(entry)
                if entry.users > 1:  # others will unpack the same entry in this backward
                    entry.cache, entry.unpacks_left = flat, entry.users
            if entry.cache is not None:
                entry.unpacks_left -= 1
                if entry.unpacks_left <= 0:
                    entry.cache = None
        shape, stride, offset = saved.view
        if stride is None:
            result = flat.view(shape)
        else:
            result = flat.as_strided(shape, stride, offset)
        if entry.decode is not None or result.dtype != entry.dtype:
            with _TorchThreads(self.hook_threads):  # the hooks' own torch passes
                if entry.decode is not None:
                    result = entry.decode(result)
                if result.dtype != entry.dtype:
                    result = result.to(entry.dtype)
        return result

    def _calibration_values(self, entry):
        """An entry of a calibration: its exact values, or the probe's, restored (the slot being
        measured); a copy when decode changes the buffer in place."""
        if entry.probe is not None:
            return entry.probe()
        if entry.decode is not None:
            return entry.exact.clone()
        return entry.exact

    def _restore(self, entry):
        self.restores += 1
        flat = torch.empty(entry.count, dtype=_RESTORED_DTYPE[entry.kind])  # a mask: bool or 0/1
        self.ctx.restore_pointer(entry.handle, flat.data_ptr(), entry.count, entry.kind)
        return flat

    # --- release ------------------------------------------------------------------------------
    def _drop(self, entry):
        with self._lock:
            entry.users -= 1
            if entry.users > 0:
                return
            entry.cache = None
            if entry.key is not None and self._entries.get(entry.key) is entry:
                del self._entries[entry.key]
            self._live -= 1
            entry.exact = entry.probe = None
            if entry.handle is not None and self.ctx._ctx is not None:
                self.ctx.release(entry.handle)


def saved_activations(context=None, **kwargs):
    """`with daf.torch.saved_activations():` — autograd's saved tensors go to libdaf.
    See SavedActivations for the arguments."""
    return SavedActivations(context, **kwargs)


class count_saved:
    """Counting-only hooks: what plain autograd keeps, per unique storage (parameters excluded),
    counted exactly as SavedActivations counts it. Tensors are returned untouched."""

    def __init__(self):
        self.step_saved_bytes = 0
        self._seen = {}
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)

    def new_step(self):
        self.step_saved_bytes = 0
        self._seen = {}

    def _pack(self, t):
        if not _is_parameter_like(t) and t.layout == torch.strided:
            storage = t.untyped_storage()
            key = (storage.data_ptr(), t._version)
            if _first_sight(self._seen, storage, key):
                self.step_saved_bytes += storage.nbytes()
        return _as_is(t)

    def __enter__(self):
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)
