# SPDX-License-Identifier: MIT
# Binding round trips (numpy in and out, kinds, automatic bits, figures) and struct layouts
# checked against include/daf.h when the repository's header is at hand. No PyTorch here.
import ctypes
import os
import re

import numpy as np
import pytest

import daf
from daf import _library as L

HEADER = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "daf.h")


def group_bound(x, bits, group):
    """Largest nearest-rounding error the codec allows per value: half a step of its group."""
    pad = (-x.size) % group
    padded = np.concatenate([x, np.repeat(x[-1:], pad)]).reshape(-1, group)
    step = (padded.max(1) - padded.min(1)) / (2 ** bits - 1)
    return np.repeat(step / 2, group)[: x.size]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_float_round_trip_within_bound(seed, bits):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5000))  # odd sizes, partial last group
    x = (rng.standard_normal(n) * rng.uniform(0.01, 100)).astype(np.float32)
    with daf.Context(bits=bits, group_size=64, rounding="nearest") as ctx:
        h = ctx.save(x)
        y = ctx.restore(h)
        assert y.shape == (n,) and y.dtype == np.float32
        bound = group_bound(x, bits, 64)
        assert np.all(np.abs(y - x) <= bound * (1 + 1e-5) + 1e-6 * np.abs(x) + 1e-30)
        info = ctx.info(h)
        assert info["count"] == n and info["bits"] == bits
        ctx.release(h)


def test_non_contiguous_input_and_out_array():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((33, 17)).astype(np.float32)
    with daf.Context(bits=8) as ctx:
        h = ctx.save(x.T)  # Fortran-ordered view: copied once into C order
        out = np.empty((17, 33), dtype=np.float32)
        ctx.restore(h, out=out)
        assert np.max(np.abs(out - x.T)) <= (x.max() - x.min()) / 255
        with pytest.raises(TypeError):
            ctx.restore(h, out=np.empty((33, 17), dtype=np.float32).T)


def test_mask_and_integer_kinds_are_exact():
    rng = np.random.default_rng(11)
    mask = rng.random(1001) < 0.3
    ints = rng.integers(-40, 60, size=777).astype(np.int32)
    with daf.Context() as ctx:
        hm = ctx.save(mask, kind="mask")
        assert np.array_equal(ctx.restore(hm, dtype=np.bool_), mask)
        assert ctx.info(hm)["packed_bytes"] < mask.size  # 1 bit each plus a header
        hi = ctx.save(ints, kind="integer")
        assert np.array_equal(ctx.restore(hi, dtype=np.int32), ints)
        assert np.array_equal(ctx.restore(hi), ints.astype(np.float32))


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.parametrize("bits", [2, 3, 4])
def test_nonnegative_kind_keeps_the_relu_mask(seed, bits):
    # Companding does not always lower the error on ReLU-like data (at 2 bits it can raise it);
    # what it promises is that zeros and non-zeros come back as they were.
    rng = np.random.default_rng(seed)
    x = np.maximum(rng.standard_normal(4096), 0).astype(np.float32)  # ReLU-like
    with daf.Context(bits=bits) as ctx:
        plain = ctx.restore(ctx.save(x))
        companded = ctx.restore(ctx.save(x, kind="nonnegative"))
    assert np.array_equal(companded > 0, x > 0)
    assert np.all(companded >= 0)
    assert not np.array_equal(plain > 0, x > 0)  # plain 2-4 bit codes lose part of the mask


def test_automatic_bits_plan_per_slot():
    rng = np.random.default_rng(3)
    wide = (rng.standard_normal(8192) * 10).astype(np.float32)
    narrow = (rng.standard_normal(8192) * 0.01).astype(np.float32)
    with daf.Context(bits="auto", avg_bits=3.0) as ctx:
        for _ in range(4):  # steps: slot 1 then slot 2, the planner runs when slot 1 repeats
            handles = [ctx.save(wide, slot=1), ctx.save(narrow, slot=2)]
            for h in handles:
                ctx.release(h)
        ctx.set_sensitivity(2, 0.5)
        ctx.plan_update()
        p1, p2 = ctx.plan(1), ctx.plan(2)
        assert p1["automatic"] == 1 and p1["saves"] == 4 and p1["count"] == 8192
        assert 1 <= p1["bits"] <= 8 and 1 <= p2["bits"] <= 8
        s = ctx.stats()
        assert s["plans"] >= 1 and s["live_entries"] == 0 and s["saves"] == 8
        # the average the plan spends stays under the target
        assert (p1["bytes"] + p2["bytes"]) * 8 <= 3.0 * 2 * 8192 * 1.01


def test_stats_follow_saves_and_releases():
    with daf.Context(bits=4) as ctx:
        x = np.arange(1000, dtype=np.float32)
        handles = [ctx.save(x) for _ in range(5)]
        s = ctx.stats()
        assert s["live_entries"] == 5 and s["live_fp32_bytes"] == 5 * 4000
        assert 0 < s["live_packed_bytes"] < s["live_fp32_bytes"]
        for h in handles[:2]:
            ctx.release(h)
        assert ctx.stats()["live_entries"] == 3
        released = ctx.release_all()
        if released is not None:
            assert released == 3 and ctx.stats()["live_entries"] == 0


def test_restore_range_matches_full_restore():
    rng = np.random.default_rng(9)
    x = rng.standard_normal(3000).astype(np.float32)
    with daf.Context(bits=3) as ctx:
        h = ctx.save(x)
        full = ctx.restore(h)
        assert np.array_equal(ctx.restore_range(h, 1234, 567), full[1234:1801])


def _header_structs():
    text = open(HEADER).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    structs = {}
    for body, name in re.findall(r"typedef struct \w+ \{(.*?)\} (\w+);", text, flags=re.S):
        fields = re.findall(r"([\w ]+?[\s\*]+)(\w+);", body)
        structs[name] = [(n, " ".join(t.split())) for t, n in fields]
    return structs


C_TYPES = {"uint32_t": ctypes.c_uint32, "uint64_t": ctypes.c_uint64, "int32_t": ctypes.c_int32,
           "float": ctypes.c_float, "double": ctypes.c_double}


@pytest.mark.skipif(not os.path.exists(HEADER), reason="include/daf.h not beside this package")
@pytest.mark.parametrize("c_names,ours", [
    (("daf_options",), L.Options), (("daf_save_params",), L.SaveParams),
    (("daf_context_statistics", "daf_context_stats"), L.ContextStatistics),
    (("daf_handle_information", "daf_entry_info"), L.HandleInformation),
    (("daf_slot_plan_information", "daf_slot_plan_info"), L.SlotPlanInformation),
])
def test_layouts_match_the_header(c_names, ours):
    structs = _header_structs()
    name = next((n for n in c_names if n in structs), None)
    if name is None:
        pytest.skip("the header has none of %s" % (c_names,))
    header = structs[name]
    mine = [(n, t) for n, t in ours._fields_]
    # A newer header may append fields; ours must be a prefix of it, field by field.
    assert len(mine) <= len(header) or name.endswith("statistics")
    for (hn, ht), (mn, mt) in zip(header, mine):
        assert hn == mn, (name, hn, mn)
        if ht in C_TYPES:
            assert C_TYPES[ht]._type_ == mt._type_, (hn, ht)
        else:
            assert ctypes.sizeof(mt) == ctypes.sizeof(ctypes.c_void_p), (hn, ht)  # pointers
