# SPDX-License-Identifier: MIT
# Finds and loads libdaf.so with ctypes and declares the C structs and prototypes of daf.h.
# Layouts only: the Pythonic wrappers live in _context.py; nothing here is compiled.
import ctypes
import ctypes.util
import os
import subprocess

c_u32 = ctypes.c_uint32
c_u64 = ctypes.c_uint64
c_int = ctypes.c_int
c_size = ctypes.c_size_t
c_ptr = ctypes.c_void_p

RECOMPUTE_FN = ctypes.CFUNCTYPE(c_int, c_ptr, c_u64, ctypes.POINTER(ctypes.c_float), c_size)


class Options(ctypes.Structure):
    """daf_options (0.2.0 layout: 88 bytes; the 0.1.0 prefix is 72)."""
    _fields_ = [
        ("struct_size", c_u32), ("bits", c_u32), ("group_size", c_u32), ("rounding", c_u32),
        ("seed", c_u64), ("threads", c_u32), ("policy", c_u32), ("budget_bytes", c_u64),
        ("chunk_bytes", c_u64), ("page_size", c_u32), ("degrade_floor_bits", c_u32),
        ("pool_flags", c_u32), ("reserved", c_u32), ("spill_dir", ctypes.c_char_p),
        ("avg_bits", ctypes.c_float), ("min_bits", c_u32), ("max_bits", c_u32),
        ("plan_flags", c_u32),
    ]


class SaveParams(ctypes.Structure):
    """daf_save_params (0.2.0 layout: 48 bytes; the 0.1.0 prefix is 32)."""
    _fields_ = [
        ("struct_size", c_u32), ("bits", c_u32), ("importance", ctypes.c_float),
        ("reserved", c_u32), ("recompute", RECOMPUTE_FN), ("recompute_user", c_ptr),
        ("slot", c_u32), ("kind", c_u32), ("int_min", ctypes.c_int32), ("int_max", ctypes.c_int32),
    ]


_STAT_FIELDS = (
    "live_entries live_packed_bytes live_fp32_bytes peak_packed_bytes peak_fp32_bytes saves "
    "restores releases budget_bytes pool_capacity_bytes pool_peak_capacity_bytes pool_page_size "
    "pool_pages_total pool_pages_free pool_fragmentation_bytes pool_chunks_mapped pool_trims "
    "evictions_degrade evictions_spill evictions_recompute budget_refusals degraded_entries "
    "spilled_entries spilled_bytes spill_file_bytes dropped_entries spill_restores "
    "recompute_restores recompute_failures plans plan_changes plan_nanoseconds "
    "plan_target_bytes plan_bytes evictions_after_plan"
).split()


class ContextStatistics(ctypes.Structure):
    """daf_context_stats (result struct: the caller sets struct_size)."""
    _fields_ = [("struct_size", c_u32), ("reserved", c_u32)] + [(n, c_u64) for n in _STAT_FIELDS]


class HandleInformation(ctypes.Structure):
    """daf_entry_info (one saved entry)."""
    _fields_ = [
        ("struct_size", c_u32), ("state", c_u32), ("bits", c_u32), ("saved_bits", c_u32),
        ("importance", ctypes.c_float), ("reserved", c_u32), ("count", c_u64),
        ("packed_bytes", c_u64),
    ]


class SlotPlanInformation(ctypes.Structure):
    """daf_slot_plan_info (one slot's statistics and plan)."""
    _fields_ = [
        ("struct_size", c_u32), ("slot", c_u32), ("bits", c_u32), ("group_size", c_u32),
        ("kind", c_u32), ("automatic", c_u32), ("count", c_u64), ("bytes", c_u64),
        ("saves", c_u64), ("predicted_error", ctypes.c_double), ("sensitivity", ctypes.c_double),
    ]


# Every struct is passed inside a buffer of the largest struct_size the library accepts (4096):
# a library whose structs have grown past these layouts then fills or reads the fields it has
# and zeroes (or expects zero in) the bytes these layouts do not name, instead of refusing the
# size as one between two releases.
STRUCT_BUFFER_BYTES = 4096


def new_struct(kind):
    """A zeroed `kind` at the start of a 4096-byte buffer; returns (struct, its size to pass)."""
    buffer = ctypes.create_string_buffer(STRUCT_BUFFER_BYTES)
    value = kind.from_buffer(buffer)
    value._buffer = buffer  # keeps the memory alive with the struct
    return value, STRUCT_BUFFER_BYTES


def struct_to_dict(value):
    return {name: getattr(value, name) for name, _ in value._fields_
            if name not in ("struct_size", "reserved")}


# (name, restype, argtypes). Calls are declared once here; optional ones may be missing from an
# older or newer library and are then left undeclared (callers test with hasattr).
_PROTOTYPES = [
    ("daf_version_number", c_u32, []),
    ("daf_version_string", ctypes.c_char_p, []),
    ("daf_status_name", ctypes.c_char_p, [c_int]),
    ("daf_status_message", ctypes.c_char_p, [c_int]),
    ("daf_last_error", ctypes.c_char_p, [c_ptr]),
    ("daf_options_init_sized", c_int, [c_ptr, c_size]),
    ("daf_save_params_init_sized", c_int, [c_ptr, c_size]),
    ("daf_create", c_int, [c_ptr, ctypes.POINTER(c_ptr)]),
    ("daf_destroy", c_int, [c_ptr]),
    ("daf_save", c_int, [c_ptr, c_ptr, c_size, c_ptr, ctypes.POINTER(c_u64)]),
    ("daf_save_typed", c_int, [c_ptr, c_ptr, c_size, c_u32, c_ptr, ctypes.POINTER(c_u64)]),
    ("daf_save_async", c_int, [c_ptr, c_ptr, c_size, c_ptr, ctypes.POINTER(c_u64)]),
    ("daf_wait", c_int, [c_ptr, c_u64]),
    ("daf_restore", c_int, [c_ptr, c_u64, c_ptr, c_size]),
    ("daf_restore_typed", c_int, [c_ptr, c_u64, c_ptr, c_size, c_u32]),
    ("daf_restore_range", c_int, [c_ptr, c_u64, c_size, c_size, c_ptr]),
    ("daf_release", c_int, [c_ptr, c_u64]),
    ("daf_set_importance", c_int, [c_ptr, c_u64, ctypes.c_float]),
    ("daf_stats", c_int, [c_ptr, c_ptr]),
    ("daf_set_budget", c_int, [c_ptr, c_u64]),
    ("daf_handle_info", c_int, [c_ptr, c_u64, c_ptr]),
    ("daf_slot_set_sensitivity", c_int, [c_ptr, c_u32, ctypes.c_float]),
    ("daf_plan_update", c_int, [c_ptr]),
    ("daf_slot_plan", c_int, [c_ptr, c_u32, c_ptr]),
]
_OPTIONAL = [
    ("daf_restore_release", c_int, [c_ptr, c_u64, c_ptr, c_size]),
    ("daf_release_all", c_int, [c_ptr, ctypes.POINTER(c_size)]),
    ("daf_wait_all", c_int, [c_ptr]),
]


class LibraryNotFound(OSError):
    """libdaf.so could not be loaded; the message lists every place tried and why it failed."""


def _pkg_config_libdir():
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "daf"], capture_output=True,
                             text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as error:
        return None, "pkg-config could not run (%s)" % error
    if out.returncode != 0:
        return None, "pkg-config knows no package 'daf' (%s)" % (out.stderr.strip() or "no output")
    return out.stdout.strip(), None


def _candidates(path):
    """Yields (description, path or None, reason if None) in the documented search order."""
    if path is not None:
        yield "explicit path", os.fspath(path), None
    env = os.environ.get("DAF_LIBRARY")
    if env:
        yield "DAF_LIBRARY", env, None
    else:
        yield "DAF_LIBRARY", None, "not set"
    libdir, why = _pkg_config_libdir()
    if libdir:
        for name in ("libdaf.so.0", "libdaf.so"):
            yield "pkg-config libdir", os.path.join(libdir, name), None
    else:
        yield "pkg-config", None, why
    found = ctypes.util.find_library("daf")
    yield "system loader", found or "libdaf.so.0", None


def load(path=None):
    """Loads libdaf: `path`, else $DAF_LIBRARY, else pkg-config's libdir, else the system loader.
    Raises LibraryNotFound naming every attempt."""
    attempts = []
    for where, candidate, reason in _candidates(path):
        if candidate is None:
            attempts.append("%s: %s" % (where, reason))
            continue
        try:
            lib = ctypes.CDLL(candidate)
        except OSError as error:
            attempts.append("%s: %s (%s)" % (where, candidate, error))
            if where in ("explicit path", "DAF_LIBRARY"):
                break  # an explicit choice that fails must not silently fall back elsewhere
            continue
        if not hasattr(lib, "daf_save_typed"):
            attempts.append("%s: %s is libdaf older than 0.2.0 (no daf_save_typed)"
                            % (where, candidate))
            continue
        _declare(lib)
        lib.daf_loaded_from = candidate
        return lib
    raise LibraryNotFound(
        "libdaf.so (0.2.0 or newer) was not found. Tried, in order:\n  - " + "\n  - ".join(attempts)
        + "\nInstall it (PREFIX=... bash .scripts/install.sh), then pass its path (daf.load(path), "
        "daf.Context(library_path=path)), set "
        "DAF_LIBRARY=/path/to/libdaf.so, or put its daf.pc on PKG_CONFIG_PATH.")


def _declare(lib):
    for name, restype, argtypes in _PROTOTYPES + _OPTIONAL:
        if not hasattr(lib, name):
            continue
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
