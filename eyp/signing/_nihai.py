"""NihaiÜstveri from the e-signature: Tarih and BelgeImzalar (signatures.md §2.5; eyp.md §5.3).

* ``Tarih`` is the largest ``genTime`` among the **signature-time-stamps** of every SignerInfo
  of ``ImzaCades.imz`` (countersigners at any depth included; paraf and seal do not count),
  shown in ``+03:00`` with the token's fraction of a second.
* ``BelgeImzalar`` lists every document signer (top level and serial) in signing order
  (EYP-NUV-006), with the person's name and TCKN from the certificate subject (ETSI EN 319 412-1
  ``serialNumber`` with or without the ``TINTR-``/``PNOTR-`` prefix) and the signer's own
  time-stamp time as ``Imza/Tarih``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from asn1crypto import cms
from cryptography import x509
from cryptography.x509.oid import NameOID

from cades import Oid, SignerInfoView, parse_signed_data
from cades.errors import CadesError
from eyp.errors import SigningRefusedError
from eyp.model import DotNetDateTime, GercekSahis, Imza, Kisi, NihaiUstveri

__all__ = ["TURKEY", "nihai_ustveri_for", "signature_times", "signer_records"]

#: Turkey has used UTC+3 all year round since 2016 (signatures.md §0.3).
TURKEY = timezone(timedelta(hours=3))


def _token_gen_time(token_der: bytes) -> datetime:
    info = cms.ContentInfo.load(token_der)["content"]["encap_content_info"]["content"].parsed
    value = info["gen_time"].native
    if not isinstance(value, datetime):
        raise SigningRefusedError("a signature time-stamp has no genTime")
    return value


def _signature_time(signer: SignerInfoView) -> datetime | None:
    times: list[datetime] = []
    for attribute in signer.unsigned(Oid.SIGNATURE_TIME_STAMP):
        times.extend(_token_gen_time(v.raw(attribute.buf)) for v in attribute.value_tlvs)
    return min(times) if times else None


def signature_times(imza_cms: bytes) -> list[tuple[SignerInfoView, datetime | None]]:
    """Every signer of the e-signature (depth first) with its signature-time-stamp time."""
    try:
        view = parse_signed_data(imza_cms)
        return [(signer, _signature_time(signer)) for signer in view.all_signers()]
    except (CadesError, ValueError, KeyError) as exc:
        raise SigningRefusedError(f"the e-signature cannot be read: {exc}") from exc


def _certificate_of(signer: SignerInfoView, pool: Sequence[x509.Certificate]) -> x509.Certificate:
    sid = signer.parsed["sid"]
    if sid.name == "issuer_and_serial_number":
        serial = sid.chosen["serial_number"].native
        for cert in pool:
            if cert.serial_number == serial:
                return cert
    raise SigningRefusedError(f"the certificate of signer {signer.path} is not in the signature")


def _name(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _tckn(cert: x509.Certificate) -> str | None:
    serial = _name(cert, NameOID.SERIAL_NUMBER)
    if serial is None:
        return None
    digits = serial.split("-", 1)[1] if "-" in serial else serial
    return digits if len(digits) == 11 and digits.isdigit() else None


def _kisi(cert: x509.Certificate) -> Kisi:
    given = _name(cert, NameOID.GIVEN_NAME)
    surname = _name(cert, NameOID.SURNAME)
    if given and surname:
        return Kisi(ilk_adi=given, soyadi=surname)
    common = (_name(cert, NameOID.COMMON_NAME) or "").strip()
    first, _, last = common.rpartition(" ")
    if not first:
        raise SigningRefusedError(
            f"the signer certificate {cert.subject.rfc4514_string()} has no person name"
        )
    return Kisi(ilk_adi=first, soyadi=last)


def signer_records(imza_cms: bytes) -> tuple[Imza, ...]:
    """``Imza`` entries for every e-signature signer, in signing order."""
    view = parse_signed_data(imza_cms)
    pool = [x509.load_der_x509_certificate(der) for der in view.certificates_der()]
    records = []
    for signer, when in signature_times(imza_cms):
        cert = _certificate_of(signer, pool)
        records.append(
            Imza(
                imzalayan=GercekSahis(kisi=_kisi(cert), tckn=_tckn(cert)),
                tarih=None
                if when is None
                else DotNetDateTime.from_datetime(when.astimezone(TURKEY)),
            )
        )
    return tuple(records)


def nihai_ustveri_for(imza_cms: bytes, belge_no: str) -> NihaiUstveri:
    """The NihaiÜstveri of a package whose e-signature is ``imza_cms`` (§2.5)."""
    times = [when for _, when in signature_times(imza_cms) if when is not None]
    if not times:
        raise SigningRefusedError(
            "the e-signature has no signature-time-stamp; finish it to X-Long before the "
            "NihaiÜstveri (signatures.md §2.3)"
        )
    latest = max(times).astimezone(TURKEY)
    return NihaiUstveri(
        tarih=DotNetDateTime.from_datetime(latest),
        belge_no=belge_no,
        belge_imzalar=signer_records(imza_cms),
    )
