"""Errors of :mod:`licensing`: one distinct class per reason the licence gate says no.

Every class derives from :class:`LicenceError` (itself a :class:`keys.errors.EYazismaError`), has
a stable :attr:`code` and a message that says what to do (DESIGN.md §2.7). Messages never contain
passwords. The gate guards exactly the operations of signatures.md §8.1 fact 4 ("create
``.eyps``" and "open ``.eyps``"), so the messages speak about encrypted packages.
"""

from __future__ import annotations

import datetime as dt

from keys.errors import EYazismaError

__all__ = [
    "LicenceError",
    "LicenceExpiredError",
    "LicenceIssueError",
    "LicenceMaintenanceError",
    "LicenceMalformedError",
    "LicenceMissingError",
    "LicencePasswordError",
    "LicenceProductError",
    "LicenceTamperedError",
    "LicenceUntrustedError",
    "TestLicenceError",
]


class LicenceError(EYazismaError):
    """Base class: the licence is missing, unreadable or does not allow the operation."""

    code = "LICENCE"
    #: CLI exit code for licence problems outside ``license show/check`` (1 = invalid there).
    exit_code: int = 5


class LicenceMissingError(LicenceError):
    """No licence was set and none was found in ``$EYAZISMA_LICENSE`` or the default path."""

    code = "LICENCE_MISSING"


class LicenceMalformedError(LicenceError):
    """The input is not a readable licence file (not XML, wrong root, DTD, too large, ...)."""

    code = "LICENCE_MALFORMED"


class LicenceTamperedError(LicenceError):
    """The licence's signature or structure is invalid: it was changed after it was issued."""

    code = "LICENCE_TAMPERED"


class LicenceUntrustedError(LicenceTamperedError):
    """Correctly formed, but not signed by an authority trusted for this kind of licence.

    A subclass of :class:`LicenceTamperedError` so that callers catching "the licence cannot be
    trusted" need only one ``except``; :attr:`code` tells the two apart.
    """

    code = "LICENCE_UNTRUSTED"


class LicenceExpiredError(LicenceError):
    """The licence is not valid at the checked time (over, or not yet valid)."""

    code = "LICENCE_EXPIRED"

    def __init__(
        self,
        message: str,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        checked_at: dt.datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.not_before = not_before
        self.not_after = not_after
        self.checked_at = checked_at


class LicenceMaintenanceError(LicenceError):
    """This library release is newer than the licence's maintenance end (signatures.md §8.2)."""

    code = "LICENCE_MAINTENANCE"


class LicenceProductError(LicenceError):
    """The licence does not list the product (capability) that was asked for."""

    code = "LICENCE_PRODUCT"


class LicencePasswordError(LicenceError):
    """The licence file is password-protected and the password is missing or wrong."""

    code = "LICENCE_PASSWORD"


class TestLicenceError(LicenceError):
    """A test licence was used with a certificate that is not a test certificate."""

    __test__ = False  # not a pytest test class despite the name
    code = "LICENCE_TEST_ONLY"


class LicenceIssueError(LicenceError):
    """Issuing a licence failed because of the given terms, key or certificate."""

    code = "LICENCE_ISSUE"
    exit_code = 2
