"""Session fixtures: the test PKI and the live TSA/OCSP/CRL services (signatures.md §5.7).

Listed in ``pytest_plugins`` of ``tests/conftest.py``. The PKI is issued once per session for a
port that is free at that moment and the service process (TSA, Kamu SM-like TSA, OCSP, CRL on
127.0.0.1) starts once and is stopped at the end of the session. ``live_services`` resets the
counters and pending faults before every test that uses it, so tests can assert exact counts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eyazisma.testing.pki import PKCS12_PASSWORD, TestPki
from eyazisma.testing.services import LiveServices, start_live_services
from keys import SoftwareKey, load_pkcs12


@pytest.fixture(scope="session")
def _live_services_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServices]:
    services = start_live_services(tmp_path_factory.mktemp("pki"))
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture(scope="session")
def live_pki(_live_services_process: LiveServices) -> TestPki:
    """The test PKI (root, qualified CA, person, revoked, expired, seal, enc, TSA, OCSP)."""
    return _live_services_process.pki


@pytest.fixture
def live_services(_live_services_process: LiveServices) -> LiveServices:
    """The running services, with counters and faults reset for this test."""
    _live_services_process.reset()
    return _live_services_process


@pytest.fixture(scope="session")
def rsa_key(live_pki: TestPki) -> SoftwareKey:
    """The institution's RSA decryption key (``enc_rsa``) as a software key."""
    return load_pkcs12(live_pki.enc_rsa.p12_path, PKCS12_PASSWORD)


@pytest.fixture(scope="session")
def ec_key(live_pki: TestPki) -> SoftwareKey:
    """The institution's EC decryption key (``enc_ec``) as a software key."""
    return load_pkcs12(live_pki.enc_ec.p12_path, PKCS12_PASSWORD)
