"""PKCS#11 URIs (RFC 7512): naming a token and a key on it with one string.

Grammar (RFC 7512 §2.3)::

    pkcs11:<path attributes separated by ";">[?<query attributes separated by "&">]

Path attributes: ``token``, ``manufacturer``, ``serial``, ``model`` (CK_TOKEN_INFO),
``library-manufacturer``, ``library-description``, ``library-version`` (CK_INFO),
``slot-description``, ``slot-manufacturer``, ``slot-id`` (CK_SLOT_INFO), ``object``
(CKA_LABEL), ``type`` and ``id`` (CKA_ID, raw bytes), plus vendor attributes ``x-…``.
Query attributes: ``module-name``, ``module-path``, ``pin-source`` and vendor ``x-…``.

Rules applied here:

* the scheme is case-insensitive (RFC 3986 §3.1); attribute names are case-sensitive and
  lower-case; an unknown attribute is an error rather than "matches nothing" (RFC 7512 §2.4),
  because a typo should be reported, not silently select no key;
* every attribute may appear once; a second occurrence is an error (RFC 7512 §2.3);
* values are percent-decoded (hex digits in either case); ``id`` is bytes, the others UTF-8 text;
* ``pin-value`` is **refused**: a PIN in a URI ends up in argv, shell history and process
  listings (signatures.md §6.5, "PINs ... never logged"); use ``pin-source`` or a prompt;
* shorthand: ``module=<path>`` in the path is accepted as an alias of the ``module-path`` query
  attribute (the form ``pkcs11:module=…;token=…;id=…`` used in the issue); module paths may
  contain ``/`` and ``\\`` unencoded.

:meth:`Pkcs11Uri.parse` and :meth:`Pkcs11Uri.__str__` round-trip: ``parse(str(u)) == u``
(the canonical output always writes ``module-path`` in the query and encodes ``id`` fully).
"""

from __future__ import annotations

import dataclasses
import string
from dataclasses import dataclass
from typing import Any, ClassVar

from keys.errors import KeysError

__all__ = ["KeySpecError", "Pkcs11Uri", "Pkcs11UriError", "looks_like_pkcs11_uri"]

_SCHEME = "pkcs11:"


class KeySpecError(KeysError):
    """A key specification (file path or PKCS#11 URI) is malformed or names nothing usable.

    A usage error: the CLI exits with code 2.
    """

    code = "KEYS_KEY_SPEC"
    exit_code = 2


class Pkcs11UriError(KeySpecError):
    """A PKCS#11 URI does not follow RFC 7512 or uses a refused attribute (``pin-value``)."""

    code = "KEYS_PKCS11_URI"


# RFC 7512 §2.3 character classes.
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_RES_AVAIL = frozenset(":[]@!$'()*+,=")
_PATH_CHARS = _UNRESERVED | _RES_AVAIL | {"&"}
_QUERY_CHARS = _UNRESERVED | _RES_AVAIL | {"/", "?", "|"}
# Module paths: be lenient about directory separators (absolute paths are the normal case).
_MODULE_CHARS = _UNRESERVED | _RES_AVAIL | {"/", "\\"}
_HEX = frozenset(string.hexdigits)
_VENDOR_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "-_")
_TYPES = ("public", "private", "cert", "secret-key", "data")

# attribute name -> dataclass field, in canonical output order
_PATH_TEXT = {
    "token": "token",
    "manufacturer": "manufacturer",
    "serial": "serial",
    "model": "model",
    "library-manufacturer": "library_manufacturer",
    "library-description": "library_description",
    "slot-description": "slot_description",
    "slot-manufacturer": "slot_manufacturer",
    "object": "object",
}
_QUERY_TEXT = {
    "module-name": "module_name",
    "module-path": "module_path",
    "pin-source": "pin_source",
}
_PATH_NAMES = (*_PATH_TEXT, "library-version", "slot-id", "type", "id", "module")
_QUERY_NAMES = (*_QUERY_TEXT, "pin-value")


def looks_like_pkcs11_uri(text: str) -> bool:
    """True if ``text`` starts with the ``pkcs11:`` scheme (any case)."""
    return text[: len(_SCHEME)].lower() == _SCHEME


def _decode(raw: str, allowed: frozenset[str], name: str) -> bytes:
    """Percent-decode ``raw``; characters outside ``allowed`` are errors (RFC 7512 §2.3)."""
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "%":
            pair = raw[i + 1 : i + 3]
            if len(pair) != 2 or not set(pair) <= _HEX:
                raise Pkcs11UriError(
                    f"Bad percent-encoding in the value of {name!r} of the PKCS#11 URI: '%' must "
                    "be followed by two hex digits (write a literal '%' as %25)."
                )
            out.append(int(pair, 16))
            i += 3
            continue
        if ch not in allowed:
            raise Pkcs11UriError(
                f"The value of {name!r} in the PKCS#11 URI contains {ch!r}, which must be "
                f"percent-encoded (as %{ord(ch):02X} for ASCII) — RFC 7512 §2.3."
            )
        out.extend(ch.encode("ascii"))
        i += 1
    return bytes(out)


def _text(raw: str, allowed: frozenset[str], name: str) -> str:
    data = _decode(raw, allowed, name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Pkcs11UriError(
            f"The value of {name!r} in the PKCS#11 URI is not UTF-8 after percent-decoding."
        ) from exc


def _encode(value: str | bytes, keep: frozenset[str], *, everything: bool = False) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else value
    parts: list[str] = []
    for byte in data:
        ch = chr(byte)
        if not everything and byte < 0x80 and ch in keep:
            parts.append(ch)
        else:
            parts.append(f"%{byte:02X}")
    return "".join(parts)


def _split_attr(item: str, where: str, position: int) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name:
        # The text is not echoed: a stray value might be a PIN typed in the wrong place.
        raise Pkcs11UriError(
            f"Malformed {where} attribute number {position} in the PKCS#11 URI: expected "
            "name=value separated by ';' (path) or '&' (query) (RFC 7512 §2.3)."
        )
    return name, value


_PIN_VALUE_REFUSED = (
    "The PKCS#11 URI contains 'pin-value'. PINs are never accepted in URIs or on the command "
    "line (they leak into shell history and process lists). Remove it; give the PIN with the "
    "EYAZISMA_PIN environment variable, the prompt, or 'pin-source=file:/path'."
)


def _check_vendor(name: str) -> None:
    if not set(name) <= _VENDOR_NAME_CHARS:
        raise Pkcs11UriError(f"Invalid vendor attribute name {name!r} in the PKCS#11 URI.")


def _unknown(name: str, known: tuple[str, ...], where: str) -> Pkcs11UriError:
    hint = ""
    if name.lower() in known:
        hint = f" Attribute names are case-sensitive: write {name.lower()!r}."
    elif name in (_PATH_NAMES if where == "query" else _QUERY_NAMES):
        other = "path (before '?')" if where == "query" else "query (after '?')"
        hint = f" {name!r} belongs in the {other}."
    return Pkcs11UriError(
        f"Unknown {where} attribute {name!r} in the PKCS#11 URI.{hint} Known: "
        f"{', '.join(n for n in known if n not in ('pin-value', 'module'))}; vendor "
        "attributes start with 'x-' (RFC 7512 §2.3)."
    )


@dataclass(frozen=True)
class Pkcs11Uri:
    """A parsed RFC 7512 PKCS#11 URI. ``None`` = attribute absent (matches anything)."""

    token: str | None = None
    manufacturer: str | None = None
    serial: str | None = None
    model: str | None = None
    library_manufacturer: str | None = None
    library_description: str | None = None
    #: (major, minor); ``library-version=3`` means (3, 0) (RFC 7512 §2.3).
    library_version: tuple[int, int] | None = None
    slot_description: str | None = None
    slot_manufacturer: str | None = None
    slot_id: int | None = None
    #: CKA_LABEL of the object (here: of the certificate whose key is wanted).
    object: str | None = None
    #: CKA_CLASS: public, private, cert, secret-key or data.
    type: str | None = None
    #: CKA_ID, raw bytes.
    id: bytes | None = None
    module_name: str | None = None
    module_path: str | None = None
    #: Where the PIN comes from (e.g. ``file:/run/secrets/pin``); never the PIN itself.
    pin_source: str | None = None
    vendor_path: tuple[tuple[str, str], ...] = ()
    vendor_query: tuple[tuple[str, str], ...] = ()

    SCHEME: ClassVar[str] = _SCHEME

    def __post_init__(self) -> None:
        if self.type is not None and self.type not in _TYPES:
            raise Pkcs11UriError(
                f"Unknown object type {self.type!r} in the PKCS#11 URI; use one of "
                f"{', '.join(_TYPES)}."
            )
        if self.slot_id is not None and self.slot_id < 0:
            raise Pkcs11UriError("slot-id in the PKCS#11 URI must be a non-negative integer.")
        for name, _ in (*self.vendor_path, *self.vendor_query):
            if not name.startswith("x-"):
                raise Pkcs11UriError(f"Vendor attribute {name!r} must start with 'x-'.")

    @classmethod
    def parse(cls, text: str) -> Pkcs11Uri:
        """Parse ``text`` (RFC 7512); raises :class:`Pkcs11UriError` with a clear reason."""
        if not looks_like_pkcs11_uri(text):
            raise Pkcs11UriError("A PKCS#11 URI must start with 'pkcs11:' (RFC 7512).")
        body = text[len(_SCHEME) :]
        if "#" in body:
            raise Pkcs11UriError("A PKCS#11 URI has no fragment; encode '#' as %23.")
        path, _, query = body.partition("?")
        fields: dict[str, object] = {}
        seen: set[str] = set()
        vendor_path: list[tuple[str, str]] = []
        vendor_query: list[tuple[str, str]] = []

        def once(name: str, field_name: str) -> None:
            if field_name in seen:
                alias = " ('module' is an alias of 'module-path')" if field_name == "mp" else ""
                raise Pkcs11UriError(
                    f"The PKCS#11 URI gives {name!r} more than once{alias}; each attribute may "
                    "appear only once (RFC 7512 §2.3)."
                )
            seen.add(field_name)

        for position, item in enumerate(path.split(";") if path else (), 1):
            name, raw = _split_attr(item, "path", position)
            if name == "pin-value":
                raise Pkcs11UriError(_PIN_VALUE_REFUSED)
            if name in _PATH_TEXT:
                once(name, name)
                fields[_PATH_TEXT[name]] = _text(raw, _PATH_CHARS, name)
            elif name == "id":
                once(name, name)
                fields["id"] = _decode(raw, _PATH_CHARS, name)
            elif name == "type":
                once(name, name)
                fields["type"] = _text(raw, _PATH_CHARS, name)
            elif name == "slot-id":
                once(name, name)
                value = _text(raw, _PATH_CHARS, name)
                if not value.isascii() or not value.isdigit():
                    raise Pkcs11UriError(
                        f"slot-id must be a decimal number, not {value!r} (RFC 7512 §2.3)."
                    )
                fields["slot_id"] = int(value)
            elif name == "library-version":
                once(name, name)
                fields["library_version"] = _version(_text(raw, _PATH_CHARS, name))
            elif name == "module":
                once(name, "mp")
                fields["module_path"] = _text(raw, _MODULE_CHARS, name)
            elif name.startswith("x-"):
                _check_vendor(name)
                once(name, name)
                vendor_path.append((name, _text(raw, _PATH_CHARS, name)))
            else:
                raise _unknown(name, _PATH_NAMES, "path")

        for position, item in enumerate(query.split("&") if query else (), 1):
            name, raw = _split_attr(item, "query", position)
            if name == "pin-value":
                # Do not echo the value: it is a PIN.
                raise Pkcs11UriError(_PIN_VALUE_REFUSED)
            if name == "module-path":
                once(name, "mp")
                fields["module_path"] = _text(raw, _MODULE_CHARS | _QUERY_CHARS, name)
            elif name in _QUERY_TEXT:
                once(name, name)
                fields[_QUERY_TEXT[name]] = _text(raw, _QUERY_CHARS, name)
            elif name.startswith("x-"):
                _check_vendor(name)
                once(name, "?" + name)
                vendor_query.append((name, _text(raw, _QUERY_CHARS, name)))
            else:
                raise _unknown(name, _QUERY_NAMES, "query")

        return cls(
            **fields,  # type: ignore[arg-type]
            vendor_path=tuple(vendor_path),
            vendor_query=tuple(vendor_query),
        )

    def __str__(self) -> str:
        version = None
        if self.library_version is not None:
            version = "{}.{}".format(*self.library_version)
        ordered: tuple[tuple[str, str | None], ...] = (
            ("token", self.token),
            ("manufacturer", self.manufacturer),
            ("serial", self.serial),
            ("model", self.model),
            ("library-manufacturer", self.library_manufacturer),
            ("library-description", self.library_description),
            ("library-version", version),
            ("slot-description", self.slot_description),
            ("slot-manufacturer", self.slot_manufacturer),
            ("slot-id", None if self.slot_id is None else str(self.slot_id)),
            ("object", self.object),
            ("type", self.type),
            *self.vendor_path,
        )
        path = [f"{n}={_encode(v, _PATH_CHARS)}" for n, v in ordered if v is not None]
        if self.id is not None:
            # RFC 7512 §2.3: the id SHOULD be percent-encoded completely.
            path.insert(
                len(path) - len(self.vendor_path),
                f"id={_encode(self.id, _PATH_CHARS, everything=True)}",
            )
        query: list[str] = []
        for name, field_name in _QUERY_TEXT.items():
            value = getattr(self, field_name)
            if value is not None:
                keep = _QUERY_CHARS | {"\\"} if name == "module-path" else _QUERY_CHARS
                query.append(f"{name}={_encode(value, frozenset(keep))}")
        query.extend(f"{n}={_encode(v, _QUERY_CHARS)}" for n, v in self.vendor_query)
        text = _SCHEME + ";".join(path)
        return text + ("?" + "&".join(query) if query else "")

    def replace(self, **changes: Any) -> Pkcs11Uri:
        """A copy with some attributes changed (the URI is immutable)."""
        return dataclasses.replace(self, **changes)

    @property
    def object_selected(self) -> bool:
        """True when the URI names the object (by ``id`` or ``object``)."""
        return self.id is not None or self.object is not None


def _version(text: str) -> tuple[int, int]:
    major, dot, minor = text.partition(".")
    if not major.isdigit() or not major.isascii() or (dot and not (minor.isdigit())):
        raise Pkcs11UriError(
            f"library-version must look like 2 or 2.40, not {text!r} (RFC 7512 §2.3)."
        )
    return int(major), int(minor) if dot else 0
