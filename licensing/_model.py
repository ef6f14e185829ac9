"""The licence model: products, licensee, validity, maintenance and renewal (signatures.md §8).

Decisions (our own format; §8.2 describes the incumbent only as context and is not copied):

* **Instants, not local dates.** Every date in a licence is an instant with an explicit UTC
  offset. The incumbent compares dates with the machine's local time and stops "at 00:00 local
  time on the end date" (§8.2 "Date semantics"), which makes the end depend on the machine's
  time zone. A calendar date given to the issuing tool means **00:00 Türkiye time (UTC+03:00)**
  on that day, so the result is the same on every machine and equals §8.2's behaviour for a
  machine in Türkiye.
* **End exclusive.** A licence is valid for ``not_before <= now < not_after`` (§8.2).
* **Maintenance against the release date.** The maintenance end is compared with this library's
  release date :data:`RELEASE_DATE` (read as 00:00 Türkiye time), not with today (§8.2
  "Maintenance check"): every release made before the maintenance end keeps working for the
  licence's validity; newer releases need renewed maintenance. Releases older than the
  maintenance start are also covered: maintenance buys newer releases, it never takes old ones
  away.
* **Renewal overlap.** A renewal names the licence it renews and that licence's maintenance end
  ``E``; its maintenance starts at ``E - 24 h`` (§8.1 fact 3, [FAQ]; §10 Q11 asks for a second
  source). The reader refuses a renewal whose start differs, so the overlap cannot be lost by a
  typing mistake in the issuing office. With the exclusive end this leaves no gap (§8.3).
* **Institutions.** A licence is issued per institution (§8.1 fact 1). §10 Q11 leaves open how an
  institution is identified, so the licence carries the name plus optional KKK (= DETSİS code,
  eyp.md §4) and VKN; they are shown, not matched against certificates.
* **Products** have stable string ids. Ids unknown to this release (from newer issuing tools) are
  kept in :attr:`Licence.other_products` and never grant anything here.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from licensing._testcert import is_test_certificate
from licensing.errors import (
    LicenceExpiredError,
    LicenceIssueError,
    LicenceMaintenanceError,
    LicenceProductError,
    TestLicenceError,
)

__all__ = [
    "RELEASE_DATE",
    "RENEWAL_OVERLAP",
    "TURKEY_TIME",
    "Licence",
    "Licensee",
    "Product",
    "Renewal",
    "as_instant",
    "format_instant",
    "release_instant",
]

#: Release date of this library version, compared with the maintenance end (§8.2). The release
#: procedure updates it together with ``eyazisma.__version__``.
RELEASE_DATE = dt.date(2026, 11, 21)

#: Türkiye has used UTC+03:00 all year since 2016; calendar dates are read in this zone.
TURKEY_TIME = dt.timezone(dt.timedelta(hours=3), "TRT")

#: A renewal's maintenance starts this long before the renewed licence's maintenance end (§8.1).
RENEWAL_OVERLAP = dt.timedelta(hours=24)

_KKK = re.compile(r"[1-9][0-9]{7}")
_VKN = re.compile(r"[0-9]{10}")
_MAX_NAME = 256


class Product(enum.Enum):
    """Licensed capabilities; the value is the stable id written in licence files.

    Only the two gated operations of §8.1 fact 4 exist today; new capabilities get new ids.
    """

    EYP_ENCRYPTION = "eyp-encryption"
    EYP_DECRYPTION = "eyp-decryption"

    @property
    def id(self) -> str:
        return self.value

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]

    @classmethod
    def from_id(cls, product_id: str) -> Product:
        """The product with this id; unknown ids raise :class:`LicenceIssueError`."""
        try:
            return cls(product_id)
        except ValueError:
            known = ", ".join(p.value for p in cls)
            raise LicenceIssueError(
                f"Unknown product id {product_id!r}; use one of: {known}."
            ) from None


_DESCRIPTIONS = {
    Product.EYP_ENCRYPTION: "creating encrypted e-Yazışma packages (.eyps)",
    Product.EYP_DECRYPTION: "opening encrypted e-Yazışma packages (.eyps)",
}


def as_instant(value: dt.date | dt.datetime, *, what: str = "date") -> dt.datetime:
    """A timezone-aware instant, to the second, from a date (00:00 Türkiye time) or datetime.

    Naive datetimes are refused: a licence must not depend on the issuing machine's zone.
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise LicenceIssueError(
                f"The {what} {value.isoformat()} has no time zone; give an aware datetime "
                "or a plain date (read as 00:00 Türkiye time)."
            )
        return value.replace(microsecond=0)
    return dt.datetime(value.year, value.month, value.day, tzinfo=TURKEY_TIME)


def format_instant(value: dt.datetime) -> str:
    """ISO 8601 with seconds and offset, e.g. ``2027-06-01T00:00:00+03:00``."""
    return value.isoformat(timespec="seconds")


def release_instant(release_date: dt.date = RELEASE_DATE) -> dt.datetime:
    """The instant a release date stands for when compared with a maintenance end."""
    return as_instant(release_date)


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        return now.astimezone()  # a naive "now" is local time, as datetime.now() returns it
    return now


@dataclass(frozen=True)
class Licensee:
    """The licensed institution (§8.1 fact 1): a name plus optional identifiers (§10 Q11).

    ``kkk`` is the Kurum Kimlik Kodu, i.e. the DETSİS code (8 digits, first non-zero, eyp.md §4);
    ``vkn`` the 10-digit tax number.
    """

    name: str
    kkk: str | None = None
    vkn: str | None = None

    def __post_init__(self) -> None:
        name = self.name.strip()
        if not name or len(name) > _MAX_NAME or any(ord(c) < 0x20 for c in name):
            raise LicenceIssueError(
                f"The licensee name must be 1-{_MAX_NAME} printable characters."
            )
        object.__setattr__(self, "name", name)
        if self.kkk is not None and not _KKK.fullmatch(self.kkk):
            raise LicenceIssueError(
                f"KKK/DETSİS code {self.kkk!r} must be 8 digits, the first non-zero."
            )
        if self.vkn is not None and not _VKN.fullmatch(self.vkn):
            raise LicenceIssueError(f"VKN {self.vkn!r} must be 10 digits.")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kkk": self.kkk, "vkn": self.vkn}


@dataclass(frozen=True)
class Renewal:
    """The licence a renewal replaces: its id and its maintenance end (§8.1 fact 3)."""

    licence_id: uuid.UUID
    maintenance_end: dt.datetime

    @property
    def maintenance_start(self) -> dt.datetime:
        """Where the renewal's maintenance must start: 24 h before the old end."""
        return self.maintenance_end - RENEWAL_OVERLAP

    def to_dict(self) -> dict[str, Any]:
        return {
            "licence_id": str(self.licence_id),
            "maintenance_end": format_instant(self.maintenance_end),
        }


@dataclass(frozen=True)
class Licence:
    """A licence whose signature verified against a trusted authority.

    Instances come from :func:`licensing.load_licence` / :func:`licensing.set_license_xml`; a
    ``Licence`` object always stands for a verified document. :attr:`xml` holds the signed XML
    exactly as received (bytes are the truth; re-serialising would break the signature).
    """

    licence_id: uuid.UUID
    issued_at: dt.datetime
    licensee: Licensee
    products: frozenset[Product]
    not_before: dt.datetime
    not_after: dt.datetime
    maintenance_start: dt.datetime
    maintenance_end: dt.datetime
    test: bool
    authority: x509.Certificate = field(repr=False)
    xml: bytes = field(repr=False)
    renews: Renewal | None = None
    other_products: tuple[str, ...] = ()
    #: True when the file was a password-protected container (the password is not kept).
    protected: bool = False

    # -- questions -----------------------------------------------------------------------------

    def valid_at(self, when: dt.datetime | None = None) -> bool:
        """``not_before <= when < not_after`` (end exclusive, §8.2)."""
        moment = _now(when)
        return self.not_before <= moment < self.not_after

    def covers_release(self, release_date: dt.date = RELEASE_DATE) -> bool:
        """True when a library released on ``release_date`` is inside maintenance (§8.2)."""
        return release_instant(release_date) < self.maintenance_end

    def allows(self, product: Product) -> bool:
        return product in self.products

    @property
    def authority_fingerprint(self) -> str:
        """SHA-256 of the authority certificate (hex), to tell authorities apart in reports."""
        return self.authority.fingerprint(hashes.SHA256()).hex()

    # -- the gate ------------------------------------------------------------------------------

    def check(
        self,
        product: Product,
        *,
        certificates: Sequence[x509.Certificate] | Iterable[x509.Certificate] = (),
        now: dt.datetime | None = None,
        release_date: dt.date = RELEASE_DATE,
        check_certificates: bool = True,
    ) -> None:
        """Raise the matching :class:`~licensing.errors.LicenceError` unless this licence allows
        ``product`` now, for this release and these certificates.

        Order: product, validity, maintenance, test restriction; each has its own error.
        A **test licence** needs at least one certificate and every one must be a test
        certificate (:func:`licensing.is_test_certificate`); without certificates there is
        nothing that proves test use, so it is refused rather than passed vacuously.
        ``check_certificates=False`` skips that last step; it exists for reporting tools
        (``eyazisma license check`` without ``--cert``) and is never used by :func:`require`.
        """
        certs = tuple(certificates)
        if product not in self.products:
            listed = ", ".join(sorted(p.value for p in self.products)) or "none"
            raise LicenceProductError(
                f"The licence {self.licence_id} for {self.licensee.name} does not cover "
                f"{product.description} (product '{product.value}'; it lists: {listed}). "
                "Ask the licence authority for a licence that includes this product."
            )
        moment = _now(now)
        if moment < self.not_before:
            raise LicenceExpiredError(
                f"The licence {self.licence_id} is not valid yet: it is valid from "
                f"{format_instant(self.not_before)} until (excluding) "
                f"{format_instant(self.not_after)}; now is {format_instant(moment)}. "
                "Check the system clock or wait until the start date.",
                not_before=self.not_before,
                not_after=self.not_after,
                checked_at=moment,
            )
        if moment >= self.not_after:
            raise LicenceExpiredError(
                f"The licence {self.licence_id} expired: it was valid from "
                f"{format_instant(self.not_before)} until (excluding) "
                f"{format_instant(self.not_after)}; now is {format_instant(moment)}. "
                "Install a renewed licence (set_license_xml, $EYAZISMA_LICENSE or the default "
                "licence file).",
                not_before=self.not_before,
                not_after=self.not_after,
                checked_at=moment,
            )
        if not self.covers_release(release_date):
            raise LicenceMaintenanceError(
                f"This eyazisma release ({release_date.isoformat()}) is newer than the "
                f"licence's maintenance end ({format_instant(self.maintenance_end)}). Renew the "
                "maintenance to get a new licence file, or keep using a release made before the "
                "maintenance end."
            )
        if self.test and check_certificates:
            if not certs:
                raise TestLicenceError(
                    "This is a test licence; it only works with test certificates and none were "
                    "given to check. Get a production licence for production use."
                )
            for cert in certs:
                if not is_test_certificate(cert):
                    raise TestLicenceError(
                        "This is a test licence and the certificate "
                        f"'{cert.subject.rfc4514_string()}' (issuer "
                        f"'{cert.issuer.rfc4514_string()}') is not a test certificate. Get a "
                        "production licence to use production certificates."
                    )

    # -- output --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "licence_id": str(self.licence_id),
            "issued_at": format_instant(self.issued_at),
            "kind": "test" if self.test else "production",
            "licensee": self.licensee.to_dict(),
            "products": sorted(p.value for p in self.products),
            "other_products": list(self.other_products),
            "not_before": format_instant(self.not_before),
            "not_after": format_instant(self.not_after),
            "maintenance_start": format_instant(self.maintenance_start),
            "maintenance_end": format_instant(self.maintenance_end),
            "renews": self.renews.to_dict() if self.renews else None,
            "authority": self.authority.subject.rfc4514_string(),
            "authority_sha256": self.authority_fingerprint,
            "protected": self.protected,
        }
