"""Lifecycle of the live test services process (eyazisma.testing.services)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from eyazisma.testing.pki import TestPki
from eyazisma.testing.services import LiveServices, start_live_services


def test_start_and_stop_own_process(tmp_path: Path) -> None:
    services = start_live_services(tmp_path)
    try:
        assert services.running
        with urllib.request.urlopen(f"{services.pki.base_url}/_control/health", timeout=5) as r:
            assert r.read() == b"ok"
    finally:
        services.stop()
    assert not services.running
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        urllib.request.urlopen(f"{services.pki.base_url}/_control/health", timeout=2)


def test_busy_port_is_reported(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        pki = TestPki.create(tmp_path, base_url=f"http://127.0.0.1:{port}")
        services = LiveServices(pki)
        with pytest.raises(RuntimeError, match="failed to start"):
            services.start()
        assert not services.running


def test_only_loopback_is_allowed(live_pki: TestPki, tmp_path: Path) -> None:
    remote = TestPki.create(tmp_path, base_url="http://192.0.2.1:80")
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        LiveServices(remote)


def test_unknown_paths_are_404(live_services: LiveServices) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{live_services.pki.base_url}/nothing", timeout=5)
    assert info.value.code == 404
    info.value.close()


def test_ca_certificates_are_served_for_aia(live_services: LiveServices) -> None:
    url = f"{live_services.pki.base_url}/certs/qualified_ca.cer"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == live_services.pki.qualified_ca.cert_der
