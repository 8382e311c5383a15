# SPDX-License-Identifier: MIT
# daf: Python bindings of libdaf (quantized, bit-packed saved activations) over ctypes.
# Pure Python; libdaf.so is found at run time (see load). Only daf.torch needs PyTorch.
from ._context import BITS_AUTO, Context, Error, library
from ._library import LibraryNotFound, load

__all__ = ["BITS_AUTO", "Context", "Error", "LibraryNotFound", "library", "load", "version"]


def version():
    """The loaded libdaf's version string, e.g. "0.2.0"."""
    return library().daf_version_string().decode()


def __getattr__(name):
    # daf.torch is imported on first use, so `import daf` works without PyTorch.
    if name == "torch":
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError("module 'daf' has no attribute %r" % name)
