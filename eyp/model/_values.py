"""Small validated values: GUIDs, KKK/TCKN, xsd:duration (spec/eyp.md §4, §5.2).

GUIDs stay plain ``str`` in the models (they are compared and printed far more often than
built); these helpers validate and create them.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import uuid

from eyp.errors import ModelError

__all__ = [
    "Duration",
    "guid_problem",
    "is_guid",
    "kkk_problem",
    "new_guid",
    "normalize_guid",
    "tckn_problem",
]

_GUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
_GUID_ANY_CASE = re.compile(r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}")
_KKK = re.compile(r"[1-9][0-9]{7}")
_TCKN = re.compile(r"[1-9][0-9]{10}")


def new_guid() -> str:
    """A fresh random GUID in the canonical upper-case form writers must emit (§4)."""
    return str(uuid.uuid4()).upper()


def is_guid(value: str) -> bool:
    """True for the canonical 8-4-4-4-12 upper-case hexadecimal form (§4, K.80)."""
    return _GUID.fullmatch(value) is not None


def guid_problem(value: str) -> str | None:
    """Why ``value`` is not a canonical GUID, or ``None`` if it is."""
    if is_guid(value):
        return None
    if not value:
        return "GUID is missing or empty"
    if _GUID_ANY_CASE.fullmatch(value):
        return f"GUID {value!r} must be upper case"
    return f"{value!r} is not a GUID (8-4-4-4-12 hexadecimal digits)"


def normalize_guid(value: str) -> str:
    """Upper-case a GUID given in any case; :class:`ModelError` if it is not a GUID."""
    if not _GUID_ANY_CASE.fullmatch(value):
        raise ModelError(f"{value!r} is not a GUID (8-4-4-4-12 hexadecimal digits)")
    return value.upper()


def kkk_problem(value: str) -> str | None:
    """Why ``value`` is not a Kurum Kimlik Kodu (8 digits, first non-zero; §4), or ``None``."""
    if _KKK.fullmatch(value):
        return None
    return f"KKK {value!r} must be 8 decimal digits, the first non-zero"


def tckn_problem(value: str) -> str | None:
    """Why ``value`` is not lexically a TCKN (11 digits, first non-zero; §4), or ``None``.

    The checksum is a verifier warning (EYP-UV-009), not a model error.
    """
    if _TCKN.fullmatch(value):
        return None
    return f"TCKN {value!r} must be 11 decimal digits, the first non-zero"


# xsd:duration: at least one component, T only when a time component follows.
_DURATION = re.compile(
    r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"
)


@dataclasses.dataclass(frozen=True)
class Duration:
    """An ``xsd:duration`` lexical value, kept exactly as written (``Miat``, §5.2).

    >>> Duration("P1D").text
    'P1D'
    """

    text: str

    def __post_init__(self) -> None:
        if not _DURATION.fullmatch(self.text):
            raise ModelError(
                f"{self.text!r} is not an xsd:duration (expected e.g. 'P1D', 'PT12H', 'P1DT2H')"
            )

    @classmethod
    def from_timedelta(cls, value: _dt.timedelta) -> Duration:
        """The form .NET ``XmlConvert.ToString(TimeSpan)`` writes (``P1D``, ``PT1H30M``)."""
        total_us = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
        sign = "-" if total_us < 0 else ""
        total_us = abs(total_us)
        days, rest = divmod(total_us, 86_400 * 1_000_000)
        hours, rest = divmod(rest, 3_600 * 1_000_000)
        minutes, rest = divmod(rest, 60 * 1_000_000)
        seconds, micro = divmod(rest, 1_000_000)
        out = f"{sign}P" + (f"{days}D" if days else "")
        time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        if seconds or micro:
            time += f"{seconds}" + (f".{micro:06d}".rstrip("0") if micro else "") + "S"
        if time:
            out += "T" + time
        elif not days:
            out += "T0S"
        return cls(out)

    def __str__(self) -> str:
        return self.text
