"""Test helpers: a throw-away PKI, live TSA/OCSP/CRL services on 127.0.0.1 and SoftHSM2 tokens.

These modules are used by the test suite, the examples and the demo. They are never needed to sign,
verify or encrypt real documents and must never be pointed at production services.
Import the submodules directly (``eyazisma.testing.pki``, ``eyazisma.testing.services``,
``eyazisma.testing.softhsm``); this package re-exports nothing so that importing one helper does not
drag in the dependencies of the others.
"""

__all__: list[str] = []
