"""Which certificates count as test certificates for a test licence (signatures.md §8.2).

The incumbent limits test licences to certificates whose end-entity subject CN contains "test"
(§8.2, "Test licences"). We deliberately do **not** copy that rule: the subject is chosen by the
applicant, so a production certificate of "Test Yazılım A.Ş." or of a person named "Test" would
pass it. The issuer name is chosen by the certification authority, so our rule looks there:

    A certificate is a *test certificate* when the word "test" appears in the CN, O or OU of its
    **issuer** name.

"Word" means "test" not directly preceded or followed by a letter ("Test Kamu SM", "TEST-CA",
"test1" match; "Testere", "Contest" do not). Comparison is case-insensitive after NFKC
normalisation and Turkish dotted/dotless I folding (İ, I, ı → i) so that names typed with a
Turkish keyboard layout compare like ASCII ones. A self-signed certificate is its own issuer.
Our test PKI (eyazisma.testing.pki) issues everything from "Test Kamu SM ..." CAs, as Kamu SM's
test hierarchy does.
"""

from __future__ import annotations

import re
import unicodedata

from cryptography import x509
from cryptography.x509.oid import NameOID

__all__ = ["fold_name", "is_test_certificate"]

_FIELDS = (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME)
# "test" with no letter immediately before or after ([^\W\d_] is "a letter" in Python's re).
_WORD = re.compile(r"(?<![^\W\d_])test(?![^\W\d_])")
_TURKISH_I = str.maketrans({"İ": "i", "I": "i", "ı": "i"})


def fold_name(text: str) -> str:
    """Case-fold ``text`` for name matching: NFKC, Turkish I folding, then ``casefold``."""
    return unicodedata.normalize("NFKC", text).translate(_TURKISH_I).casefold()


def is_test_certificate(certificate: x509.Certificate) -> bool:
    """True when the certificate's issuer CN/O/OU contains the word "test" (module docs)."""
    for oid in _FIELDS:
        for attribute in certificate.issuer.get_attributes_for_oid(oid):
            value = attribute.value
            text = value if isinstance(value, str) else value.decode("utf-8", "replace")
            if _WORD.search(fold_name(text)):
                return True
    return False
