"""Safety limits applied while reading a ZIP (zip bombs, resource exhaustion)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ZipLimits"]

_GIB = 1024**3


@dataclass(frozen=True)
class ZipLimits:
    """Limits for :class:`~eyp._opc.ZipReader`.

    The defaults admit multi-GB attachments (e-Yazışma allows large Ekler) while refusing archives
    whose declared or actual sizes are absurd. ``max_ratio`` applies only to entries larger than
    ``ratio_floor`` bytes, because tiny XML parts legitimately compress very well; 1000:1 is
    just under deflate's maximum (~1032:1), so highly repetitive but legitimate files pass while
    the classic all-zero bombs do not.
    """

    max_entries: int = 10_000
    max_entry_size: int = 64 * _GIB
    max_total_size: int = 128 * _GIB
    max_ratio: float = 1000.0
    ratio_floor: int = 1024 * 1024
    #: Largest XML/OPC part read into memory (content types, rels, manifests, Üstveri).
    max_xml_part_size: int = 64 * 1024 * 1024
