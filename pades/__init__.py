"""PAdES signatures for the cover letter and other PDFs (pyhanko), using ``cades`` policy and
time-stamp pieces.

Not built yet: this package is an empty namespace until its issue lands; nothing here claims to
sign or verify PDFs.
"""

__all__: list[str] = []
