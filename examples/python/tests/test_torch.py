# SPDX-License-Identifier: MIT
# daf.torch against plain autograd: gradients of a small CNN and a transformer block, exactness
# of the exact kinds, views and layouts, release of dropped and retained graphs, a run that learns.
import gc

import pytest

torch = pytest.importorskip("torch",
                            reason="PyTorch is not installed: the daf.torch tests are skipped")
nn = torch.nn

import daf  # noqa: E402
import daf.torch  # noqa: E402,F811


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear(16 * 6 * 6, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(self.drop(x), 1))


def block():
    return nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.1,
                                      batch_first=True, activation="gelu")


def gradients(model, x, target, hooks=None, seed=0, memory_format=None):
    model.zero_grad(set_to_none=True)
    torch.manual_seed(seed)  # the same dropout masks in every run
    if memory_format is not None:
        x = x.contiguous(memory_format=memory_format)
    if hooks is None:
        out = model(x)
    else:
        with hooks:
            out = model(x)
    loss = nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), target.reshape(-1))
    loss.backward()
    return [p.grad.clone() for p in model.parameters()]


def relative_errors(a, b):
    return [float((x - y).norm() / y.norm().clamp_min(1e-12)) for x, y in zip(a, b)]


def cnn_case(seed):
    torch.manual_seed(seed)
    model = SmallCNN()
    x = torch.randn(24, 1, 16, 16)
    return model, x, torch.randint(0, 10, (24,))


def transformer_case(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(block(), nn.Linear(32, 10))
    x = torch.randn(6, 40, 32)
    return model, x, torch.randint(0, 10, (6, 40))


@pytest.mark.parametrize("case", [cnn_case, transformer_case])
@pytest.mark.parametrize("seed", [0, 1])
def test_eight_bits_stay_within_the_quantization_bound(case, seed):
    model, x, target = case(seed)
    plain = gradients(model, x, target)
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=256)
    quantized = gradients(model, x, target, hooks)
    errors = relative_errors(quantized, plain)
    assert hooks.stored_tensors > 0
    # 8-bit steps are 1/255 of a group's range: the gradients move by about that much, not more.
    assert max(errors) < 0.03, errors
    assert max(errors) > 0  # the hooks really replaced the tensors
    hooks2 = daf.torch.saved_activations({"bits": 2}, min_numel=256)
    two_bit = gradients(model, x, target, hooks2)
    assert max(relative_errors(two_bit, plain)) > max(errors)


@pytest.mark.parametrize("case", [cnn_case, transformer_case])
def test_lossless_kinds_give_identical_gradients(case):
    model, x, target = case(3)
    plain = gradients(model, x, target)
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=256, floats=False)
    exact = gradients(model, x, target, hooks)
    assert hooks.stored_tensors > 0  # dropout masks (and max-pool indices) went to libdaf
    for a, b in zip(exact, plain):
        assert torch.equal(a, b)


def test_channels_last_cnn():
    model, x, target = cnn_case(4)
    model = model.to(memory_format=torch.channels_last)
    plain = gradients(model, x, target, memory_format=torch.channels_last)
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=256)
    ours = gradients(model, x, target, hooks, memory_format=torch.channels_last)
    assert max(relative_errors(ours, plain)) < 0.03


def exact_hooks():
    # Storage values k % 256 with groups of 256: each group spans 0..255, so 8 bits are exact.
    return daf.torch.saved_activations({"bits": 8, "group_size": 256}, min_numel=1, kinds=False)


def test_views_come_back_exactly_with_their_strides():
    hooks = exact_hooks()
    base = (torch.arange(64 * 48) % 256).float().reshape(64, 48)
    nhwc = (torch.arange(2 * 8 * 16 * 12) % 256).float().reshape(2, 16, 12, 8)
    views = [base, base.t(), base[:, 1:], base.reshape(8, 8, 48).transpose(0, 2),
             nhwc.permute(0, 3, 1, 2),  # an NCHW tensor in channels-last memory
             nhwc, nhwc[:, 1:, :, :].transpose(1, 2),
             base.view(-1)[::3],  # a third of its storage: saved as a copy of the view
             base.view(-1)[256:512]]
    for v in views:
        back = hooks._unpack(hooks._pack(v))
        assert torch.equal(back, v), v.shape
        assert back.shape == v.shape
        if v.numel() * 2 >= v.untyped_storage().nbytes() // 4:
            assert back.stride() == v.stride()


def test_one_storage_is_saved_once_per_version():
    hooks = exact_hooks()
    x = (torch.arange(4096) % 256).float()
    a, b = hooks._pack(x), hooks._pack(x.view(64, 64).t())
    assert hooks.stored_tensors == 1 and a.entry is b.entry
    x.mul_(0.5)  # in place: a new version is a new entry
    c = hooks._pack(x)
    assert hooks.stored_tensors == 2
    assert torch.equal(hooks._unpack(c), x) and torch.equal(hooks._unpack(a), x * 2)


def test_reused_address_is_not_mistaken_for_the_old_storage():
    hooks = exact_hooks()
    for i in range(20):
        t = ((torch.arange(8192) + i) % 256).float()
        saved = hooks._pack(t)
        assert torch.equal(hooks._unpack(saved), t)
        del t  # the next tensor often lands at the same address


def test_masks_indices_and_other_dtypes():
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=1)
    mask = torch.rand(5000) < 0.4
    # max-pool-like positions: one per window of 4 in each 10x10 plane
    indices = torch.arange(100).reshape(10, 10) * 4 + torch.randint(0, 4, (8, 4, 10, 10))
    wide = torch.randint(-10 ** 12, 10 ** 12, (5000,))
    half = torch.randn(3000, dtype=torch.float16)
    dropout = (torch.rand(6000) < 0.7).float() / 0.7  # 0 or 1/0.7, as dropout's mask
    dropout[:4096] = 0  # the scale is not among the first values: a pass finds it
    dropout[4096] = 1 / 0.7
    for t in (mask, indices, wide, dropout):
        back = hooks._unpack(hooks._pack(t))
        assert back.dtype == t.dtype and torch.equal(back, t)
    back = hooks._unpack(hooks._pack(half))
    step = float(half.max() - half.min()) / 255
    assert back.dtype == torch.float16 and torch.allclose(back, half, atol=step)
    not_a_mask = dropout.clone()
    not_a_mask[-1] = 0.5  # one value off: saved as floats instead (within 8-bit error)
    back = hooks._unpack(hooks._pack(not_a_mask))
    assert torch.allclose(back, not_a_mask, atol=1.5 / 255)
    # mask, indices (as small deltas), dropout's mask, half, the near-mask as floats; wide stayed
    assert hooks.stored_tensors == 5


def live(hooks):
    gc.collect()
    return hooks.ctx.stats()["live_entries"]


def test_a_stored_tensor_is_freed_before_the_backward():
    # libdaf holds its values: nothing of the hooks keeps the fp32 storage alive
    from torch.multiprocessing.reductions import StorageWeakRef
    torch.manual_seed(1)
    conv, x = nn.Conv2d(3, 8, 3), torch.randn(4, 3, 20, 20)
    for hooks in (daf.torch.saved_activations({"bits": 8}, min_numel=256), None):
        with hooks or daf.torch.count_saved():
            y = torch.relu(conv(x))  # saved by relu, and twice by the product
            weak = StorageWeakRef(y.untyped_storage())
            loss = (y * y).sum()
        del y
        gc.collect()
        assert weak.expired() == (hooks is not None)  # plain autograd keeps it
        loss.backward()
        assert weak.expired()


def test_dropped_graph_and_retained_graph_release_everything():
    model, x, target = cnn_case(5)
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=256)
    with hooks:
        loss = nn.functional.cross_entropy(model(x), target)
    assert live(hooks) > 0
    del loss  # no backward: autograd frees the saved entries, libdaf releases them
    assert live(hooks) == 0
    with hooks:
        loss = nn.functional.cross_entropy(model(x), target)
    first = torch.autograd.grad(loss, list(model.parameters()), retain_graph=True)
    assert live(hooks) > 0
    second = torch.autograd.grad(loss, list(model.parameters()))
    for a, b in zip(first, second):
        assert torch.equal(a, b)
    del loss
    assert live(hooks) == 0


def test_parameters_and_small_tensors_stay_in_torch():
    lin = nn.Linear(300, 300)
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=1000)
    with hooks:
        lin(torch.randn(2, 300)).sum().backward()  # input 600 values: small; weight: a parameter
    assert hooks.stored_tensors == 0 and hooks.packs > 0


def test_automatic_bits_training_learns():
    torch.manual_seed(0)
    model = SmallCNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    # Two classes that a CNN separates: a bright top half or a bright bottom half, plus noise.
    def batch(n):
        y = torch.randint(0, 2, (n,))
        x = torch.randn(n, 1, 16, 16) * 0.5
        x[y == 0, :, :8] += 1.0
        x[y == 1, :, 8:] += 1.0
        return x, y
    hooks = daf.torch.saved_activations({"bits": "auto", "avg_bits": 2.0}, min_numel=256)
    losses = []
    with hooks:
        for _ in range(60):
            x, y = batch(32)
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    x, y = batch(512)
    with torch.no_grad():
        accuracy = float((model(x).argmax(1) == y).float().mean())
    assert hooks.ctx.stats()["plans"] > 10
    assert sum(losses[-10:]) < 0.5 * sum(losses[:10]) and accuracy > 0.9, (losses, accuracy)


def test_indices_reuse_their_base_and_fall_back_exactly():
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=1)
    torch.manual_seed(3)
    plane = torch.arange(100).reshape(10, 10) * 4
    for step, shift in enumerate([0, 0, 300, -7, 0]):
        # the same place in each step; a shifted base no longer fits the kept one
        indices = plane + shift + torch.randint(0, 4, (8, 4, 10, 10))
        hooks._backward_seen = True  # a new step for the hooks
        saved = hooks._pack(indices)
        back = hooks._unpack(saved)
        assert back.dtype == torch.int64 and torch.equal(back, indices), step
        del saved
    assert hooks.stored_tensors == 5 and len(hooks._index_layouts) == 1
    # a value far outside any int32 still comes back exactly (kept by torch when too wide)
    hooks._backward_seen = True
    wide = plane + torch.randint(0, 4, (8, 4, 10, 10))
    wide[0, 0, 0, 0] = 2 ** 40
    assert torch.equal(hooks._unpack(hooks._pack(wide)), wide)


def float_slots_saved(hooks):
    """Wraps hooks._save: the list it fills with the slot of every float it saves."""
    slots, save = [], hooks._save
    def spy(flat, daf_dtype, slot, kind, *args, **kwargs):
        if kind in ("float", "nonnegative"):
            slots.append(slot)
        return save(flat, daf_dtype, slot, kind, *args, **kwargs)
    hooks._save = spy
    return slots


def calibration_case(seed=4):
    model, x, target = cnn_case(seed)
    hooks = daf.torch.saved_activations({"bits": "auto", "avg_bits": 2.0}, min_numel=256)
    def forward():
        torch.manual_seed(seed)
        return nn.functional.cross_entropy(model(x), target)
    return model, hooks, forward


def test_calibration_measures_slots_and_keeps_its_step_exact():
    model, hooks, forward = calibration_case()
    params = list(model.parameters())
    plain = torch.autograd.grad(forward(), params)
    loss = hooks.calibrate(forward, params)
    # floats are kept as exact copies (counted as stored); the max-pool indices and dropout's
    # mask are saved to libdaf exactly, as in any step, so the step stores less than plain
    saved, stored = hooks.step_bytes()
    assert 0 < hooks.step_exact_bytes < stored < saved
    assert hooks.ctx.stats()["live_entries"] == 2
    exact = torch.autograd.grad(loss, params)  # the calibration step's own gradients
    for a, b in zip(exact, plain):
        assert torch.equal(a, b)
    del loss
    assert live(hooks) == 0 and hooks.calibrations == 1
    sensitivities = hooks.sensitivities
    assert len(sensitivities) >= 3 and all(v >= 0 for v in sensitivities.values())
    # the first ReLU's output feeds conv2: quantizing it moves the gradients
    assert max(sensitivities.values()) > 0
    # a normal step afterwards saves into the same slots, and libdaf weighs them as reported
    full = float_slots_saved(hooks)
    with hooks:
        loss = forward()
    loss.backward()
    assert len(full) >= 3 and set(full) <= set(sensitivities)
    for slot in full:
        plan = hooks.ctx.plan(slot)
        assert plan["saves"] >= 1
        assert plan["sensitivity"] == pytest.approx(sensitivities[slot], rel=1e-6, abs=1e-30)


@pytest.mark.parametrize("case", [cnn_case, transformer_case])
def test_a_sub_batch_calibrates_the_slots_of_the_full_batch(case):
    # min_numel 2000: the CNN's input holds 6144 values at 24 examples and 1024 at 4, so a
    # sub-batch must measure a tensor that the full batch alone stores
    model, x, target = case(3)
    params = list(model.parameters())
    def loss_of(n):
        torch.manual_seed(3)
        out = model(x[:n])
        return nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), target[:n].reshape(-1))
    hooks = daf.torch.saved_activations({"bits": "auto", "avg_bits": 2.0}, min_numel=2000)
    measured = float_slots_saved(hooks)
    hooks.calibrate(lambda: loss_of(4), params)  # its loss dropped
    slots_before, measured = hooks._next_slot, list(measured)
    assert len(measured) == len(set(measured)) and set(hooks.sensitivities) == set(measured)
    for step in range(2):
        full = float_slots_saved(hooks)
        with hooks:
            loss = loss_of(len(x))
        loss.backward()
        # the full batch saves its floats into slots the sub-batch measured (which also
        # measured floats below min_numel at the full batch: those stay in torch)
        assert len(full) >= 3 and set(full) <= set(measured), step
    assert hooks._next_slot == slots_before  # no slot of the full batch was new
    # the calibration's masks and indices stayed outside the slots: only the two steps count
    exact_slots = 0
    for slot in set(hooks._slots.values()) - set(hooks.sensitivities):
        try:
            saves = hooks.ctx.plan(slot)["saves"]
        except daf.Error:  # a tensor the full batch left in torch
            continue
        assert saves == 2
        exact_slots += 1
    assert exact_slots >= 1  # dropout's masks (and the CNN's max-pool indices)
    for slot in full:
        assert hooks.ctx.plan(slot)["sensitivity"] == pytest.approx(
            hooks.sensitivities[slot], rel=1e-6, abs=1e-30)
    assert live(hooks) == 0


def test_a_sub_batch_calibration_holds_its_fraction_of_a_step():
    model, x, target = cnn_case(5)
    plain = daf.torch.count_saved()
    with plain:
        nn.functional.cross_entropy(model(x), target)
    hooks = daf.torch.saved_activations({"bits": "auto", "avg_bits": 2.0}, min_numel=256)
    loss = hooks.calibrate(lambda: nn.functional.cross_entropy(model(x[:4]), target[:4]),
                           model.parameters())
    saved, stored = hooks.step_bytes()
    # less than its share of plain autograd's full step: the masks and indices are packed
    assert 0 < hooks.step_exact_bytes < stored and stored * len(x) < plain.step_saved_bytes * 4
    del loss
    assert live(hooks) == 0


def test_calibration_finds_a_mask_only_tensor_insensitive():
    # ReLU's output used only by ReLU's backward (its mask) and a max-pool (its indices): with
    # companding the mask comes back exactly, so quantizing it changes no gradient.
    torch.manual_seed(2)
    conv = nn.Conv2d(3, 8, 3)
    x = torch.randn(16, 3, 18, 18)
    hooks = daf.torch.saved_activations({"bits": "auto", "avg_bits": 2.0}, min_numel=256)
    forward = lambda: nn.functional.max_pool2d(torch.relu(conv(x)), 2).square().sum()  # noqa: E731
    hooks.calibrate(forward, conv.parameters())  # its loss dropped: the step's copies freed
    with hooks:  # a normal step: libdaf knows a slot once it has been saved
        forward().backward()
    relu = [slot for (_, producer, _, _), slot in hooks._slots.items() if producer == "ReluBackward0"]
    others = [v for slot, v in hooks.sensitivities.items() if slot not in relu]
    assert len(relu) == 1 and hooks.sensitivities[relu[0]] == 0.0
    assert hooks.ctx.plan(relu[0])["sensitivity"] == 0.0
    # the input (for conv's weight) and the pooled output (for the square) do matter
    assert len(others) == 2 and min(others) > 0


def test_calibration_refuses_bad_input_and_stays_usable():
    model, hooks, forward = calibration_case(6)
    params = list(model.parameters())
    for bits in (0, 9, "2", 2.0, True, None):
        with pytest.raises(ValueError):
            hooks.calibrate(forward, params, probe_bits=bits)
    with pytest.raises(ValueError):
        hooks.calibrate(forward, [])
    with pytest.raises(ValueError):
        hooks.calibrate(forward, [torch.zeros(3)])  # nothing requires grad
    with pytest.raises(ValueError):
        hooks.calibrate(lambda: model(torch.randn(2, 1, 16, 16)), params)  # not a scalar
    with pytest.raises(ZeroDivisionError):
        hooks.calibrate(lambda: 1 / 0, params)
    assert hooks._calibration is None and hooks.calibrations == 0
    assert live(hooks) == 0
    loss = hooks.calibrate(forward, params)
    loss.backward()
    del loss
    assert hooks.calibrations == 1 and live(hooks) == 0


def test_max_pool_indices_are_split_by_row_pitch_and_stay_exact():
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=1)
    torch.manual_seed(7)
    for step in range(4):
        x = torch.randn(6, 5, 14, 14)
        _, indices = nn.functional.max_pool2d_with_indices(x, 2)  # offsets 0, 1, 14, 15
        if step == 2:
            indices[1, 2, 3, 4] += 2  # an offset in the gap: the kept layout cannot code it
        if step == 3:
            indices[0, 0, 0, 0] = -(2 ** 40)  # far outside: kept by torch as it is
        hooks._backward_seen = True
        saved = hooks._pack(indices)
        back = hooks._unpack(saved)
        assert back.dtype == torch.int64 and torch.equal(back, indices), step
        layout = next(iter(hooks._index_layouts.values()), None)
        if step < 2:
            assert layout.pitch == 14 and layout.reach == 1 and layout.top == 15
            assert hooks.ctx.info(saved.entry.handle)["bits"] == 1  # q and r: 1 bit each
        del saved
    assert hooks.stored_tensors == 3
    # around 2^24, where float32 stops holding every integer: kept by torch, exactly
    hooks._backward_seen = True
    near = indices.clamp_min(0) + (2 ** 24 - 100)
    assert torch.equal(hooks._unpack(hooks._pack(near)), near) and hooks.stored_tensors == 3


def test_wider_pool_windows_split_by_row_pitch_and_stay_exact():
    # 3x3 windows: offsets 0..2, W..W+2, 2W..2W+2, so q and r each take 0..2 (the floor path)
    hooks = daf.torch.saved_activations({"bits": 8}, min_numel=1)
    torch.manual_seed(11)
    for step in range(3):
        x = torch.randn(64, 3, 15, 15)  # enough windows that every offset occurs
        _, indices = nn.functional.max_pool2d_with_indices(x, 3)
        if step == 2:
            indices[0, 1, 2, 3] += 3  # d = W + 3 in a 3x3 window: r = 3, outside the layout
        hooks._backward_seen = True
        saved = hooks._pack(indices)
        back = hooks._unpack(saved)
        assert back.dtype == torch.int64 and torch.equal(back, indices), step
        layout = next(iter(hooks._index_layouts.values()))
        if step < 2:
            assert layout.pitch == 15 and layout.reach == 2 and isinstance(saved, daf.torch._Saved)
        del saved
    assert hooks.stored_tensors == 3
