"""Licence files that gate EYP encryption/decryption: model, verification, ``set_license_xml``.

Not built yet: this package is an empty namespace until the encryption/licensing issue lands.
"""

__all__: list[str] = []
