"""Private keys wherever they live: files (PKCS#12/PEM), smart cards and HSMs (PKCS#11).

Leaf of the import graph (DESIGN.md §1); also home of the exception root
:class:`EYazismaError`.
"""

from keys.errors import EYazismaError, KeysError

__all__ = ["EYazismaError", "KeysError"]
