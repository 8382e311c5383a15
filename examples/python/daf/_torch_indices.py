# SPDX-License-Identifier: MIT
# daf.torch's int64 index tensors (e.g. max-pool argmax positions): how one place's indices are
# coded as small exact integers for DAF_KIND_INTEGER, and decoded. Not the hooks themselves.
import torch

_SAFE = 1 << 23  # bound on |base| and on the codes: half of 2^24, below which float32 is exact


def _bits(reach):
    return max(1, int(reach).bit_length())


class IndexLayout:
    """One place's code: the offset d = t - base (base: the smallest value at each position
    over the leading dimensions) in 0..top; or, when the offsets have a row pitch p (a 2x2
    max-pool window's offsets are 0, 1, W, W + 1), the two codes q = floor(d / p) and
    r = d - p * q, each in 0..reach (2 bits per index where d needs 5). d is computed in float32
    from t and base converted (one cheap pass). Exact either way: libdaf refuses a save whose
    codes are not integers in their range; |base|, base + top and p * (reach + 1) stay below
    2^23, so every accepted code and d is an exact float32 integer, and a t at or beyond 2^24
    (where float32 rounds; rounding is monotonic) gives a d of at least 2^23, never accepted.
    d is computed by one torch subtraction of int64 t and float32 base, which converts t to
    float32 as it reads it (type promotion).
    r is d - p * q exactly, so p * q + r is d whatever q is."""
    __slots__ = ("base", "base_float", "top", "pitch", "reach")

    def __init__(self, base, top, pitch=None, reach=None):
        self.base, self.top, self.pitch, self.reach = base, top, pitch, reach
        self.base_float = base.to(torch.float32)

    @staticmethod
    def measure(t, lead, rows):
        """The layout of t (lead rows over `rows` leading dimensions), or None when its
        offsets span more than 256 values. Two passes over t, and a sort of the offsets when
        they could split: done once per place, again only when a save is refused."""
        flat = t.reshape(lead, -1)
        lo, hi = torch.aminmax(flat, dim=0)
        top = int((hi - lo).max())
        if top > 255 or int(lo.min()) <= -_SAFE or int(lo.max()) + top >= _SAFE:
            return None
        layout = IndexLayout(lo.view((1,) * rows + tuple(t.shape[rows:])), top)
        if top >= 3:
            offsets = torch.unique(flat - lo).tolist()
            gaps = [b for a, b in zip(offsets, offsets[1:]) if b - a > 1]
            if gaps:
                pitch = gaps[0]
                reach = max(max(d // pitch for d in offsets), max(d % pitch for d in offsets))
                if 2 * _bits(reach) < _bits(top) and pitch * (reach + 1) < _SAFE:
                    layout.pitch, layout.reach = pitch, reach
        return layout

    def codes(self, t):
        """(float32 codes, their largest allowed value): t - base (t's shape), or q and r
        stacked (shape (2,) + t's shape). One torch pass, or three (five when reach > 1)."""
        if self.pitch is None:
            return torch.sub(t, self.base_float), self.top
        codes = torch.empty((2,) + tuple(t.shape), dtype=torch.float32)
        q, r = codes[0], codes[1]
        torch.sub(t, self.base_float, out=r)  # d
        if self.reach == 1:
            # q in 0..1 (a 2x2 window): one comparison. A d outside the layout still gives
            # an r outside 0..1 (d >= 2p: r >= p; d < 0: r < 0), which libdaf refuses.
            torch.ge(r, self.pitch, out=q)
        else:
            # floor(d / p) from (d + 1/2) / p, half a step from any integer; any q is exact
            torch.add(r, 0.5, out=q).mul_(1.0 / self.pitch).floor_()
        r.sub_(q, alpha=self.pitch)
        return codes, self.reach

    def decoder(self):
        """The function from restored int32 codes back to int64 indices."""
        base, pitch = self.base, self.pitch
        if pitch is None:
            return lambda c: torch.empty(c.shape, dtype=torch.int64).copy_(c).add_(base)
        return lambda c: torch.empty(c.shape[1:], dtype=torch.int64).copy_(
            torch.add(c[1], c[0], alpha=pitch)).add_(base)
