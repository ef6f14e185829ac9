"""``xsd:dateTime`` values in the lexical form of .NET (spec/eyp.md §2.2).

.NET ``DateTime`` has 100 ns ticks and a *kind* (local with offset, UTC, unspecified);
``XmlSerializer`` writes the round-trip form ``yyyy-MM-ddTHH:mm:ss.FFFFFFF`` + ``zzz``/``Z``/
nothing, dropping trailing fraction zeros. Python's ``datetime`` has only microseconds, so this
type keeps the tick fraction (0‥9 999 999) itself. To reproduce third-party bytes exactly it also
remembers a non-canonical fraction width (``fraction_digits``) when one was read.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import re

from eyp.errors import ModelError

__all__ = ["DateTimeKind", "DotNetDateTime"]

_LEXICAL = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)T(?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)"
    r"(?:\.(?P<f>\d{1,7}))?(?P<tz>Z|[+-]\d\d:\d\d)?"
)
_TICKS_PER_SECOND = 10_000_000


class DateTimeKind(enum.Enum):
    """.NET ``DateTimeKind``: how the zone is written."""

    UNSPECIFIED = "unspecified"  # no suffix
    UTC = "utc"  # "Z"
    LOCAL = "local"  # "+03:00"


@dataclasses.dataclass(frozen=True, kw_only=True)
class DotNetDateTime:
    """A dateTime with 100 ns precision and .NET kind, formatted like ``XmlSerializer``.

    ``offset_minutes`` is set exactly when ``kind`` is LOCAL. ``fraction_digits`` is ``None``
    for the canonical .NET form (1‥7 digits, trailing zeros dropped, no dot when zero); otherwise
    the exact number of fraction digits to write (0‥7).
    """

    year: int
    month: int
    day: int
    hour: int = 0
    minute: int = 0
    second: int = 0
    ticks: int = 0
    kind: DateTimeKind = DateTimeKind.UNSPECIFIED
    offset_minutes: int | None = None
    fraction_digits: int | None = None

    def __post_init__(self) -> None:
        try:
            _dt.datetime(self.year, self.month, self.day, self.hour, self.minute, self.second)
        except (ValueError, TypeError) as exc:
            raise ModelError(f"invalid date/time fields: {exc}") from exc
        if not 0 <= self.ticks < _TICKS_PER_SECOND:
            raise ModelError(f"ticks must be in 0..9999999, got {self.ticks}")
        if (self.kind is DateTimeKind.LOCAL) != (self.offset_minutes is not None):
            raise ModelError("offset_minutes must be given exactly for DateTimeKind.LOCAL")
        if self.offset_minutes is not None and not -14 * 60 <= self.offset_minutes <= 14 * 60:
            raise ModelError(f"UTC offset {self.offset_minutes} min is outside ±14:00")
        if self.fraction_digits is not None:
            if not 0 <= self.fraction_digits <= 7:
                raise ModelError("fraction_digits must be in 0..7")
            if self.ticks % 10 ** (7 - self.fraction_digits):
                raise ModelError(
                    f"ticks {self.ticks} need more than {self.fraction_digits} fraction digits"
                )

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> DotNetDateTime:
        """Parse an ``xsd:dateTime`` with at most 7 fraction digits; :class:`ModelError` else."""
        m = _LEXICAL.fullmatch(text)
        if m is None:
            raise ModelError(
                f"{text!r} is not an xsd:dateTime with at most 7 fraction digits "
                "(expected e.g. 2025-05-12T14:23:13.35438+03:00)"
            )
        frac = m["f"] or ""
        ticks = int(frac.ljust(7, "0")) if frac else 0
        tz = m["tz"]
        offset: int | None = None
        if tz is None:
            kind = DateTimeKind.UNSPECIFIED
        elif tz == "Z":
            kind = DateTimeKind.UTC
        else:
            kind = DateTimeKind.LOCAL
            sign = -1 if tz[0] == "-" else 1
            hh, mm = int(tz[1:3]), int(tz[4:6])
            if mm >= 60:
                raise ModelError(f"{text!r} has an invalid UTC offset")
            offset = sign * (hh * 60 + mm)
        value = cls(
            year=int(m["y"]),
            month=int(m["mo"]),
            day=int(m["d"]),
            hour=int(m["h"]),
            minute=int(m["mi"]),
            second=int(m["s"]),
            ticks=ticks,
            kind=kind,
            offset_minutes=offset,
        )
        if value.text != text:
            # Non-canonical fraction width (e.g. ".5000000" or ".0"): remember it for the bytes.
            value = dataclasses.replace(value, fraction_digits=len(frac))
        return value

    @classmethod
    def from_datetime(cls, value: _dt.datetime, *, ticks: int | None = None) -> DotNetDateTime:
        """Convert a Python datetime: naive → unspecified, ``timezone.utc`` → UTC (``Z``),
        any other aware value → local with its offset. ``ticks`` overrides the sub-second part
        (for values with 100 ns precision)."""
        if value.tzinfo is None:
            kind, offset = DateTimeKind.UNSPECIFIED, None
        elif value.tzinfo is _dt.UTC:
            kind, offset = DateTimeKind.UTC, None
        else:
            delta = value.utcoffset()
            assert delta is not None
            if delta % _dt.timedelta(minutes=1):
                raise ModelError("UTC offsets with seconds cannot be written as xsd:dateTime")
            kind, offset = DateTimeKind.LOCAL, int(delta.total_seconds()) // 60
        return cls(
            year=value.year,
            month=value.month,
            day=value.day,
            hour=value.hour,
            minute=value.minute,
            second=value.second,
            ticks=value.microsecond * 10 if ticks is None else ticks,
            kind=kind,
            offset_minutes=offset,
        )

    @classmethod
    def now_local(cls) -> DotNetDateTime:
        """Current local time with its offset (what .NET ``DateTime.Now`` serializes to)."""
        return cls.from_datetime(_dt.datetime.now().astimezone())

    @classmethod
    def now_utc(cls, *, fraction_digits: int | None = None) -> DotNetDateTime:
        """Current UTC time (``Z``). The official core ``created`` uses ``fraction_digits=7``."""
        value = cls.from_datetime(_dt.datetime.now(_dt.UTC))
        if fraction_digits is not None:
            value = dataclasses.replace(value, fraction_digits=fraction_digits)
        return value

    # -- conversions --------------------------------------------------------------------------

    def to_datetime(self) -> _dt.datetime:
        """Python datetime (the 7th fraction digit is truncated; aware unless unspecified)."""
        tz: _dt.tzinfo | None
        if self.kind is DateTimeKind.UTC:
            tz = _dt.UTC
        elif self.kind is DateTimeKind.LOCAL:
            assert self.offset_minutes is not None
            tz = _dt.timezone(_dt.timedelta(minutes=self.offset_minutes))
        else:
            tz = None
        return _dt.datetime(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.ticks // 10,
            tzinfo=tz,
        )

    @property
    def text(self) -> str:
        """The lexical form written into XML."""
        out = (
            f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
            f"T{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        )
        if self.fraction_digits is None:
            if self.ticks:
                out += "." + f"{self.ticks:07d}".rstrip("0")
        elif self.fraction_digits:
            out += "." + f"{self.ticks:07d}"[: self.fraction_digits]
        if self.kind is DateTimeKind.UTC:
            out += "Z"
        elif self.kind is DateTimeKind.LOCAL:
            assert self.offset_minutes is not None
            sign = "-" if self.offset_minutes < 0 else "+"
            hh, mm = divmod(abs(self.offset_minutes), 60)
            out += f"{sign}{hh:02d}:{mm:02d}"
        return out

    def __str__(self) -> str:
        return self.text
