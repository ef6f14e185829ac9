"""Shape of the CMS parts of a package (eyp.md §8.2; rules EYP-SIG-001…004).

Only the container is looked at here: a DER ``ContentInfo`` holding ``SignedData`` whose
encapsulated content is the exact manifest bytes. Cryptographic verification of the signatures
belongs to ``cades``.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms

__all__ = ["CmsShape", "inspect_signed_data"]


@dataclass(frozen=True)
class CmsShape:
    """``error`` is None for a well-formed SignedData; ``econtent`` is None when detached."""

    error: str | None
    econtent: bytes | None = None
    signer_count: int = 0


def inspect_signed_data(data: bytes) -> CmsShape:
    """Parse ``data`` as DER CMS SignedData without ever raising."""
    if len(data) < 16 or data[0] != 0x30:
        return CmsShape(f"not a CMS signature ({len(data)} bytes, not DER ContentInfo)")
    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            return CmsShape(f"CMS content type is {info['content_type'].native}, not signed_data")
        signed = info["content"]
        encap = signed["encap_content_info"]
        content = encap["content"]
        econtent = None if content.native is None else bytes(content.native)
        signers = len(signed["signer_infos"])
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        return CmsShape(f"not a CMS signature (malformed DER: {exc})")
    return CmsShape(None, econtent, signers)
