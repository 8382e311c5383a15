# SPDX-License-Identifier: MIT
# daf.torch's int64 index tensors (e.g. max-pool argmax positions): how one place's indices are
# coded as small exact integers for DAF_KIND_INTEGER, and decoded. Not the hooks themselves.
import torch

_EXACT_FLOAT = 1 << 24  # float32 holds every integer below this exactly


def _bits(reach):
    return max(1, int(reach).bit_length())


class IndexLayout:
    """One place's code: the offset d = t - base (base: the smallest value at each position
    over the leading dimensions) in 0..top; or, when the offsets have a row pitch p (a 2x2
    max-pool window's offsets are 0, 1, W, W + 1), the two codes q = d // p and r = d - p * q,
    each in 0..reach (2 bits per index where d needs 5). Exact either way: libdaf refuses a
    save whose codes are not integers in the range, and float32 is exact below 2^24 and
    monotonic above (so an int64 d outside the range never looks like one inside; with a
    pitch, p * (reach + 1) < 2^24 keeps every accepted q, r and d exact)."""
    __slots__ = ("base", "top", "pitch", "reach")

    def __init__(self, base, top, pitch=None, reach=None):
        self.base, self.top, self.pitch, self.reach = base, top, pitch, reach

    @staticmethod
    def measure(t, lead, rows):
        """The layout of t (lead rows over `rows` leading dimensions), or None when its
        offsets span more than 256 values. Two passes over t, and a sort of the offsets when
        they could split: done once per place, again only when a save is refused."""
        flat = t.reshape(lead, -1)
        lo, hi = torch.aminmax(flat, dim=0)
        top = int((hi - lo).max())
        if top > 255:
            return None
        layout = IndexLayout(lo.view((1,) * rows + tuple(t.shape[rows:])), top)
        if top >= 3:
            offsets = torch.unique(flat - lo).tolist()
            gaps = [b for a, b in zip(offsets, offsets[1:]) if b - a > 1]
            if gaps:
                pitch = gaps[0]
                reach = max(max(d // pitch for d in offsets), max(d % pitch for d in offsets))
                if 2 * _bits(reach) < _bits(top) and pitch * (reach + 1) < _EXACT_FLOAT:
                    layout.pitch, layout.reach = pitch, reach
        return layout

    def codes(self, t):
        """(float32 codes, their largest allowed value): t - base (t's shape), or q and r
        stacked (shape (2,) + t's shape). One torch pass, or three."""
        if self.pitch is None:
            codes = torch.empty(t.shape, dtype=torch.float32)
            torch.sub(t, self.base, out=codes)  # in int64, written as float32
            return codes, self.top
        codes = torch.empty((2,) + tuple(t.shape), dtype=torch.float32)
        q, r = codes[0], codes[1]
        torch.sub(t, self.base, out=r)
        torch.floor_divide(r, self.pitch, out=q)
        r.sub_(q, alpha=self.pitch)
        return codes, self.reach

    def decoder(self):
        """The function from restored int32 codes back to int64 indices."""
        base, pitch = self.base, self.pitch
        if pitch is None:
            return lambda c: torch.add(c, base)
        return lambda c: torch.add(torch.add(c[1], c[0], alpha=pitch), base)
