"""Compile and run the small BouncyCastle checkers under ``tests/java`` (independent interop peer).

The checkers are plain Java sources compiled by the tests against Debian's ``libbcprov-java``,
``libbcpkix-java`` and ``libbcutil-java`` jars (installed by ``./run``). Compiled classes are
cached per source hash under the system temp directory, so each source compiles once per machine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

JAVA_DIR = Path(__file__).parent / "java"
_JAR_DIR = Path("/usr/share/java")
_JARS = ("bcprov.jar", "bcpkix.jar", "bcutil.jar")


def classpath() -> str:
    """The BouncyCastle class path; fails the test (not skips) when a jar is missing."""
    missing = [jar for jar in _JARS if not (_JAR_DIR / jar).exists()]
    if missing or shutil.which("javac") is None:
        pytest.fail(f"BouncyCastle or a JDK is missing ({missing}); run ./run test to install them")
    return os.pathsep.join(str(_JAR_DIR / jar) for jar in _JARS)


def compiled(source_name: str) -> Path:
    """Compile ``tests/java/<source_name>`` (if not cached) and return the class directory."""
    source = JAVA_DIR / source_name
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"eyazisma-java-{source.stem}-{digest}"
    if not (out / f"{source.stem}.class").exists():
        staging = Path(tempfile.mkdtemp(prefix="eyazisma-javac-"))
        subprocess.run(
            ["javac", "-nowarn", "-cp", classpath(), "-d", str(staging), str(source)],
            check=True,
            capture_output=True,
        )
        if out.exists():
            shutil.rmtree(staging)
        else:
            staging.rename(out)
    return out


def run_java(
    source_name: str, args: Sequence[str], *, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the checker's ``main`` with ``args``; returns the completed process (not checked)."""
    classes = compiled(source_name)
    cp = os.pathsep.join((str(classes), classpath()))
    return subprocess.run(
        ["java", "-cp", cp, Path(source_name).stem, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
