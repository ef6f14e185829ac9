"""Part file names for ÜstYazı and Ek files (eyp.md §2.3).

Turkish letters are transliterated, everything outside printable ASCII is dropped, then all
whitespace is removed — as the official API's path encoding does. Colliding Ek names get ``_2``,
``_3`` … before the extension.
"""

from __future__ import annotations

from eyp.errors import BuildError

__all__ = ["part_file_name", "unique_file_name"]

_TURKISH = str.maketrans("şŞöÖçÇİığĞüÜ", "sSoOcCIigGuU")
_FORBIDDEN_IN_SEGMENT = set('/\\?#%<>"|*:')


def part_file_name(original: str) -> str:
    """The stored file name for ``original`` (e.g. ``Üst Yazı.pdf`` → ``UstYazi.pdf``)."""
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_only = "".join(ch for ch in base.translate(_TURKISH) if 0x20 <= ord(ch) <= 0x7E)
    name = "".join(ch for ch in ascii_only if not ch.isspace() and ch not in _FORBIDDEN_IN_SEGMENT)
    if not name or name.strip(".") == "":
        raise BuildError(
            f"file name {original!r} has no usable characters after transliteration; rename it"
        )
    return name


def unique_file_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem_N.ext`` when it collides (case-insensitively) with ``taken``."""
    if name.casefold() not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    counter = 2
    while True:
        candidate = f"{stem}_{counter}{dot}{ext}"
        if candidate.casefold() not in taken:
            return candidate
        counter += 1
