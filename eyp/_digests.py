"""Digest policy and streaming multi-algorithm hashing (eyp.md §7.1, §12.6).

2.x manifests carry exactly two digests per reference, of different algorithms, one of them
SHA-512; SHA-256, SHA-384 and SHA-512 are allowed; the default (as the official API) is
SHA-384 then SHA-512. 1.x manifests carry one digest, SHA-256 by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eyp.errors import BuildError
from eyp.model import DigestAlgorithm

__all__ = ["DEFAULT_DIGESTS", "DigestPolicy", "MultiHasher"]


@dataclass(frozen=True)
class DigestPolicy:
    """The algorithms written for every reference of a 2.x manifest, in writing order."""

    algorithms: tuple[DigestAlgorithm, ...] = (DigestAlgorithm.SHA384, DigestAlgorithm.SHA512)

    def __post_init__(self) -> None:
        algs = self.algorithms
        allowed = {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
        if len(algs) != 2 or algs[0] == algs[1]:
            raise BuildError("a 2.x manifest needs exactly two different digest algorithms (§7.1)")
        if DigestAlgorithm.SHA512 not in algs:
            raise BuildError("one of the two digest algorithms must be SHA-512 (§7.1)")
        if not set(algs) <= allowed:
            raise BuildError("2.x digests may only use SHA-256, SHA-384 and SHA-512 (§7.1)")


DEFAULT_DIGESTS = DigestPolicy()


class MultiHasher:
    """Feeds the same bytes to several hash objects; ``update`` is the only hot path."""

    def __init__(self, algorithms: Iterable[DigestAlgorithm]) -> None:
        self.algorithms = tuple(dict.fromkeys(algorithms))
        self._hashes: list[Any] = [alg.new() for alg in self.algorithms]

    def update(self, data: bytes, /) -> None:
        for h in self._hashes:
            h.update(data)

    def digests(self) -> dict[DigestAlgorithm, bytes]:
        return {alg: h.digest() for alg, h in zip(self.algorithms, self._hashes, strict=True)}
