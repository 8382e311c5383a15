# SPDX-License-Identifier: MIT
# Bad input from Python: every case must raise (daf.Error, or TypeError/ValueError before the C
# call), never crash the interpreter, and leave the context usable afterwards.
import ctypes
import os
import subprocess
import sys

import numpy as np
import pytest

import daf


def expect(status_name, function, *args, **kwargs):
    with pytest.raises(daf.Error) as caught:
        function(*args, **kwargs)
    assert caught.value.name == status_name, str(caught.value)
    assert caught.value.status < 0 and caught.value.detail
    assert status_name in str(caught.value)
    return caught.value


@pytest.mark.parametrize("options,status", [
    ({"bits": 9}, "DAF_E_INVALID_ARGUMENT"), ({"bits": 0}, "DAF_E_INVALID_ARGUMENT"),
    ({"group_size": 17}, "DAF_E_INVALID_ARGUMENT"), ({"group_size": 0}, "DAF_E_INVALID_ARGUMENT"),
    ({"threads": 100000}, "DAF_E_INVALID_ARGUMENT"), ({"policy": 64}, "DAF_E_INVALID_ARGUMENT"),
    ({"min_bits": 5, "max_bits": 3}, "DAF_E_INVALID_ARGUMENT"),
    ({"avg_bits": -1.0}, "DAF_E_INVALID_ARGUMENT"),
    ({"avg_bits": float("nan")}, "DAF_E_INVALID_ARGUMENT"),
    ({"policy": "spill", "spill_dir": "/nonexistent/dir"}, "DAF_E_INVALID_ARGUMENT"),
])
def test_bad_options_raise(options, status):
    expect(status, daf.Context, **options)


def test_bad_enum_names_raise_before_the_call():
    with pytest.raises(ValueError):
        daf.Context(rounding="sideways")
    with pytest.raises(ValueError):
        daf.Context(policy="explode")


def test_bad_saves_and_handles():
    rng = np.random.default_rng(17)
    x = rng.standard_normal(1000).astype(np.float32)
    with daf.Context(bits=4) as ctx:
        expect("DAF_E_INVALID_ARGUMENT", ctx.save, x, bits=9)
        expect("DAF_E_INVALID_ARGUMENT", ctx.save, x, importance=float("inf"))
        # float masks hold exactly 0 and 1 (uint8 masks count any nonzero byte as 1)
        expect("DAF_E_INVALID_ARGUMENT", ctx.save, np.array([0, 1, 2], dtype=np.float32),
               kind="mask")
        expect("DAF_E_INVALID_ARGUMENT", ctx.save, np.array([0, 300], dtype=np.int32),
               kind="integer", int_range=(0, 300))
        expect("DAF_E_INVALID_ARGUMENT", ctx.save, np.array([5], dtype=np.int32), kind="integer",
               int_range=(0, 3))
        expect("DAF_E_INVALID_ARGUMENT", ctx.save, np.array([1, 2], dtype=np.int32), kind="float")
        expect("DAF_E_INVALID_ARGUMENT", ctx.save_pointer, x.ctypes.data, 10, dtype=7)
        expect("DAF_E_INVALID_ARGUMENT", ctx.save, x, kind=9)
        expect("DAF_E_NULL_ARGUMENT", ctx.save_pointer, 0, 10)
        expect("DAF_E_MISALIGNED", ctx.save_pointer, x.ctypes.data + 1, 10)
        expect("DAF_E_OVERFLOW", ctx.save_pointer, x.ctypes.data, 2 ** 63)
        h = ctx.save(x)
        expect("DAF_E_SIZE_MISMATCH", ctx.restore, h, out=np.empty(999, dtype=np.float32))
        expect("DAF_E_INVALID_ARGUMENT", ctx.restore, h, dtype=np.int32)  # float entry, int dtype
        expect("DAF_E_OUT_OF_RANGE", ctx.restore_range, h, 990, 11)
        expect("DAF_E_MISALIGNED", ctx.restore_pointer, h, x.ctypes.data + 2, 10)
        expect("DAF_E_UNKNOWN_HANDLE", ctx.restore, 0)
        expect("DAF_E_UNKNOWN_HANDLE", ctx.restore, 2 ** 64 - 1)
        expect("DAF_E_INVALID_ARGUMENT", ctx.plan, 0)
        expect("DAF_E_INVALID_ARGUMENT", ctx.plan, 12345)
        expect("DAF_E_INVALID_ARGUMENT", ctx.set_sensitivity, 0, 1.0)
        expect("DAF_E_INVALID_ARGUMENT", ctx.set_sensitivity, 3, -1.0)
        ctx.release(h)
        expect("DAF_E_UNKNOWN_HANDLE", ctx.release, h)
        # still usable after all of that
        assert np.allclose(ctx.restore(ctx.save(x)), x, atol=(x.max() - x.min()) / 15)
    with pytest.raises(TypeError):
        daf.Context().save(np.zeros(4, dtype=np.float64))


def test_handle_of_another_context():
    x = np.ones(64, dtype=np.float32)
    with daf.Context() as a, daf.Context() as b:
        expect("DAF_E_UNKNOWN_HANDLE", b.restore_pointer, a.save(x), x.ctypes.data, 64)


def test_budget_refusal_keeps_the_context_alive():
    x = np.random.default_rng(1).standard_normal(1 << 16).astype(np.float32)
    with daf.Context(bits=8, budget_bytes=1 << 16) as ctx:  # the blob alone is larger
        expect("DAF_E_BUDGET_EXCEEDED", ctx.save, x)
        assert ctx.stats()["budget_refusals"] == 1


def test_closed_context_raises_and_double_close_is_harmless():
    ctx = daf.Context()
    ctx.close()
    ctx.close()
    with pytest.raises(ValueError):
        ctx.save(np.zeros(16, dtype=np.float32))


def test_library_not_found_lists_every_attempt(tmp_path):
    missing = tmp_path / "libnothing.so"
    with pytest.raises(daf.LibraryNotFound) as caught:
        daf.load(missing)
    assert str(missing) in str(caught.value) and "Tried" in str(caught.value)
    # A process whose every route fails: the message names DAF_LIBRARY, pkg-config, the loader.
    env = dict(os.environ, DAF_LIBRARY=str(missing), PKG_CONFIG_PATH=str(tmp_path),
               LD_LIBRARY_PATH=str(tmp_path))
    code = "import daf\ntry:\n    daf.library()\nexcept daf.LibraryNotFound as e:\n    print(e)\n"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "DAF_LIBRARY" in out.stdout and str(missing) in out.stdout


def test_not_a_library(tmp_path):
    fake = tmp_path / "libdaf.so"
    fake.write_bytes(b"not an ELF file")
    with pytest.raises(daf.LibraryNotFound) as caught:
        daf.load(fake)
    assert "explicit path" in str(caught.value)
