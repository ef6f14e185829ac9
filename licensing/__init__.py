"""Licence files that gate encrypted e-Yazışma packages (signatures.md §8).

Only the two operations of §8.1 fact 4 are gated: creating ``.eyps``
(:attr:`Product.EYP_ENCRYPTION`) and opening ``.eyps`` (:attr:`Product.EYP_DECRYPTION`).
Decryption is gated too, which is our answer to the open question "does decryption-only use need
the licence" (§10 Q11); sending never depends on an institution certificate (§8.3). Generic CMS
encryption in :mod:`encryption` is not gated and must not be exposed by ``eyp`` as a way around
the gate (§8.1 fact 4).

The format is our own (``urn:eyazisma:licence:1``, :mod:`licensing._xml`): XML with an enveloped
XMLDSig by a licence authority whose certificate is pinned (:mod:`licensing._authorities`);
optional password protection (:mod:`licensing._protect`); dates and maintenance semantics in
:mod:`licensing._model`; the lookup order and process-wide state in :mod:`licensing._gate`.

Typical use::

    licensing.set_license_xml("/etc/eyazisma/licence.xml")          # once, at start-up
    licensing.require(Product.EYP_ENCRYPTION, certificates=recipients)  # in the .eyps builder
"""

from licensing._authorities import (
    Authority,
    builtin_authorities,
    reset_trusted_authorities,
    trust_authority,
    trusted_authorities,
)
from licensing._gate import (
    LICENSE_ENV,
    PASSWORD_ENV,
    clear_license,
    current_licence,
    default_licence_path,
    require,
    set_license_xml,
)
from licensing._issue import AuthorityKey, issue_licence, protect_licence
from licensing._model import (
    RELEASE_DATE,
    RENEWAL_OVERLAP,
    TURKEY_TIME,
    Licence,
    Licensee,
    Product,
    Renewal,
)
from licensing._protect import is_protected
from licensing._testcert import is_test_certificate
from licensing._verify import LicenceReport, LicenceSource, inspect_licence, load_licence
from licensing.errors import (
    LicenceError,
    LicenceExpiredError,
    LicenceIssueError,
    LicenceMaintenanceError,
    LicenceMalformedError,
    LicenceMissingError,
    LicencePasswordError,
    LicenceProductError,
    LicenceTamperedError,
    LicenceUntrustedError,
    TestLicenceError,
)

__all__ = [
    "LICENSE_ENV",
    "PASSWORD_ENV",
    "RELEASE_DATE",
    "RENEWAL_OVERLAP",
    "TURKEY_TIME",
    "Authority",
    "AuthorityKey",
    "Licence",
    "LicenceError",
    "LicenceExpiredError",
    "LicenceIssueError",
    "LicenceMaintenanceError",
    "LicenceMalformedError",
    "LicenceMissingError",
    "LicencePasswordError",
    "LicenceProductError",
    "LicenceReport",
    "LicenceSource",
    "LicenceTamperedError",
    "LicenceUntrustedError",
    "Licensee",
    "Product",
    "Renewal",
    "TestLicenceError",
    "builtin_authorities",
    "clear_license",
    "current_licence",
    "default_licence_path",
    "inspect_licence",
    "is_protected",
    "is_test_certificate",
    "issue_licence",
    "load_licence",
    "protect_licence",
    "require",
    "reset_trusted_authorities",
    "set_license_xml",
    "trust_authority",
    "trusted_authorities",
]
