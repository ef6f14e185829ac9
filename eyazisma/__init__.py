"""eyazisma — Turkish e-Yazışma packages, signatures, keys and encryption.

This package is the command line and the top of the import graph (DESIGN.md §1). The library
lives in the sibling packages ``eyp``, ``cades``, ``keys``, ``encryption``, ``licensing``,
``pades`` and ``conformance``.
"""

from keys.errors import EYazismaError

__version__ = "0.1.0"

__all__ = ["EYazismaError", "__version__"]
