# SPDX-License-Identifier: MIT
# daf.Context and daf.Error: the C context of libdaf as a Python object, numpy arrays in and out.
# Pointer-level save/restore (used by daf.torch) is here too; no tensor framework is imported.
import ctypes

import numpy as np

from . import _library as L

BITS_AUTO = 255
ROUNDING = {"nearest": 0, "stochastic": 1}
POLICY = {"fail": 0, "degrade": 1, "spill": 2, "recompute": 4}
KIND = {"float": 0, "nonnegative": 1, "mask": 2, "integer": 3}
DTYPE_FLOAT32, DTYPE_UINT8, DTYPE_INT32 = 0, 1, 2
_NUMPY_DTYPE = {np.dtype(np.float32): DTYPE_FLOAT32, np.dtype(np.uint8): DTYPE_UINT8,
                np.dtype(np.bool_): DTYPE_UINT8, np.dtype(np.int32): DTYPE_INT32}

_default_library = None


def library(path=None):
    """The loaded libdaf (loaded on first use; `path` as daf.load)."""
    global _default_library
    if path is not None:
        return L.load(path)
    if _default_library is None:
        _default_library = L.load()
    return _default_library


class Error(Exception):
    """A libdaf call failed: .status (negative), .name ("DAF_E_..."), .detail (daf_last_error)."""

    def __init__(self, call, status, name, detail):
        self.call, self.status, self.name, self.detail = call, status, name, detail
        super().__init__("%s: %s (%d): %s" % (call, name, status, detail))


def _check(lib, ctx, call, status):
    if status == 0:
        return
    name = lib.daf_status_name(status).decode()
    detail = (lib.daf_last_error(ctx) or b"").decode(errors="replace")
    if not detail:
        detail = lib.daf_status_message(status).decode()
    raise Error(call, status, name, detail)


def _lookup(table, value, what):
    if isinstance(value, str):
        if value not in table:
            raise ValueError("unknown %s %r (one of %s)" % (what, value, ", ".join(table)))
        return table[value]
    return int(value)


class Context:
    """A libdaf context: saved tensors kept quantized and bit-packed in its own pool.

    bits: 1..8, or "auto" (the planner chooses per slot under avg_bits and the budget).
    rounding: "nearest" or "stochastic"; None keeps libdaf's default (stochastic).
    Every failure of the C library raises daf.Error; use it as a context manager or close()."""

    def __init__(self, bits=2, group_size=256, rounding=None, seed=0, threads=1,
                 policy="fail", budget_bytes=0, avg_bits=0.0, min_bits=1, max_bits=8,
                 plan_group_size=True, degrade_floor_bits=1, spill_dir=None, library_path=None):
        self._lib = lib = library(library_path)
        self._ctx = None
        opts, size = L.new_struct(L.Options)
        _check(lib, None, "daf_options_init_sized",
               lib.daf_options_init_sized(ctypes.byref(opts), size))
        opts.bits = BITS_AUTO if bits == "auto" else int(bits)
        opts.group_size = int(group_size)
        if rounding is not None:  # None: libdaf's default (stochastic: unbiased, see daf.h)
            opts.rounding = _lookup(ROUNDING, rounding, "rounding")
        opts.seed = int(seed)
        opts.threads = int(threads)
        if isinstance(policy, str):
            policy = [policy]
        if not isinstance(policy, int):
            policy = sum(_lookup(POLICY, p, "policy") for p in policy)
        opts.policy = policy
        opts.budget_bytes = int(budget_bytes)
        opts.avg_bits = float(avg_bits)
        opts.min_bits, opts.max_bits = int(min_bits), int(max_bits)
        opts.plan_flags = 1 if plan_group_size else 0
        opts.degrade_floor_bits = int(degrade_floor_bits)
        self._spill_dir = None if spill_dir is None else str(spill_dir).encode()
        opts.spill_dir = self._spill_dir
        handle = ctypes.c_void_p()
        _check(lib, None, "daf_create", lib.daf_create(ctypes.byref(opts), ctypes.byref(handle)))
        self._ctx = handle
        self._params, self._params_size = L.new_struct(L.SaveParams)
        _check(lib, None, "daf_save_params_init_sized",
               lib.daf_save_params_init_sized(ctypes.byref(self._params), self._params_size))
        # What every pointer-level call passes, made once (these calls run per saved tensor).
        self._params_ref = ctypes.byref(self._params)
        self._handle_out = ctypes.c_uint64()
        self._handle_out_ref = ctypes.byref(self._handle_out)
        self._save_typed, self._restore_typed = lib.daf_save_typed, lib.daf_restore_typed
        self.bits = opts.bits

    # --- lifetime -------------------------------------------------------------------------
    def close(self):
        """Destroys the context (every handle becomes unknown). A second close does nothing."""
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            _check(self._lib, None, "daf_destroy", self._lib.daf_destroy(ctx))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @property
    def handle(self):
        if self._ctx is None:
            raise ValueError("the daf.Context is closed")
        return self._ctx

    def _call(self, name, *args):
        _check(self._lib, self._ctx, name, getattr(self._lib, name)(self.handle, *args))

    # --- pointer level ----------------------------------------------------------------------
    def save_pointer(self, pointer, count, dtype=DTYPE_FLOAT32, bits=0, slot=0, kind="float",
                     importance=0.0, int_range=(0, 0)):
        """Saves `count` elements at address `pointer` (an int) of daf dtype `dtype`; returns the
        handle. The memory is only read during the call."""
        params = self._params  # initialized once; every field a call can change is set here
        params.bits = BITS_AUTO if bits == "auto" else int(bits)
        params.slot = int(slot)
        params.kind = _lookup(KIND, kind, "kind")
        params.importance = float(importance)
        params.int_min, params.int_max = int(int_range[0]), int(int_range[1])
        status = self._save_typed(self.handle, pointer, int(count), int(dtype), self._params_ref,
                                  self._handle_out_ref)
        if status:
            _check(self._lib, self._ctx, "daf_save_typed", status)
        return self._handle_out.value

    def restore_pointer(self, handle, pointer, count, dtype=DTYPE_FLOAT32, release=False):
        """Writes the saved tensor's `count` elements at address `pointer` (daf dtype `dtype`);
        with release=True the entry is released after a successful restore."""
        if release and dtype == DTYPE_FLOAT32 and hasattr(self._lib, "daf_restore_release"):
            self._call("daf_restore_release", int(handle), ctypes.c_void_p(pointer), int(count))
            return
        status = self._restore_typed(self.handle, int(handle), pointer, int(count), int(dtype))
        if status:
            _check(self._lib, self._ctx, "daf_restore_typed", status)
        if release:
            self.release(handle)

    # --- numpy level ------------------------------------------------------------------------
    def save(self, array, bits=0, slot=0, kind="float", importance=0.0, int_range=None):
        """Saves a numpy array (float32 any kind; bool/uint8/int32 for kind "mask"/"integer").
        A C-contiguous array is read in place; others are copied once. Returns the handle."""
        array = np.asarray(array)
        if array.dtype not in _NUMPY_DTYPE:
            raise TypeError("daf.Context.save takes float32, bool, uint8 or int32 arrays, not %s"
                            % array.dtype)
        array = np.ascontiguousarray(array)
        if kind == "integer" and int_range is None:
            int_range = (int(array.min()), int(array.max())) if array.size else (0, 0)
        return self.save_pointer(array.ctypes.data, array.size, _NUMPY_DTYPE[array.dtype], bits,
                                 slot, kind, importance, int_range or (0, 0))

    def restore(self, handle, shape=None, dtype=np.float32, out=None, release=False):
        """The saved values as a new numpy array (of `shape`, default flat), or written into
        `out` (C-contiguous, of the saved element count)."""
        if out is None:
            count = self.info(handle)["count"]
            out = np.empty(count if shape is None else shape, dtype=dtype)
        if out.dtype not in _NUMPY_DTYPE or not out.flags.c_contiguous or not out.flags.writeable:
            raise TypeError("out must be a writeable C-contiguous float32, bool, uint8 or "
                            "int32 array")
        self.restore_pointer(handle, out.ctypes.data, out.size, _NUMPY_DTYPE[out.dtype], release)
        return out

    def restore_range(self, handle, first, count):
        out = np.empty(int(count), dtype=np.float32)
        self._call("daf_restore_range", int(handle), int(first), int(count),
                   out.ctypes.data_as(ctypes.c_void_p))
        return out

    def release(self, handle):
        self._call("daf_release", int(handle))

    def release_all(self):
        """Releases every entry; returns how many (None if the library cannot tell)."""
        if hasattr(self._lib, "daf_release_all"):
            released = ctypes.c_size_t()
            self._call("daf_release_all", ctypes.byref(released))
            return released.value
        return None

    def wait(self, handle):
        self._call("daf_wait", int(handle))

    def set_importance(self, handle, importance):
        self._call("daf_set_importance", int(handle), float(importance))

    def set_budget(self, budget_bytes):
        self._call("daf_set_budget", int(budget_bytes))

    def set_sensitivity(self, slot, sensitivity):
        self._call("daf_slot_set_sensitivity", int(slot), float(sensitivity))

    def plan_update(self):
        self._call("daf_plan_update")

    # --- figures ----------------------------------------------------------------------------
    def stats(self):
        value, size = L.new_struct(L.ContextStatistics)
        value.struct_size = size
        self._call("daf_stats", ctypes.byref(value))
        return L.struct_to_dict(value)

    def info(self, handle):
        value, size = L.new_struct(L.HandleInformation)
        value.struct_size = size
        self._call("daf_handle_info", int(handle), ctypes.byref(value))
        return L.struct_to_dict(value)

    def plan(self, slot):
        value, size = L.new_struct(L.SlotPlanInformation)
        value.struct_size = size
        self._call("daf_slot_plan", int(slot), ctypes.byref(value))
        return L.struct_to_dict(value)
