"""Reason codes with their English and Turkish messages (signatures.md §4.7).

Every check carries a stable machine-readable ``reason`` and a message in both languages; the
message templates are filled from the check's parameters. Keep codes stable: reports are
stored and compared across versions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cades.verify._report import Check, CheckStatus

__all__ = ["MESSAGES", "make_check"]

MESSAGES: dict[str, tuple[str, str]] = {
    # --- generic -------------------------------------------------------------------------------
    "MALFORMED": (
        "A structure needed for this check is malformed: {detail}",
        "Bu denetim için gereken bir yapı bozuk: {detail}",
    ),
    "NO_CERTIFICATE": (
        "Not evaluated: the signer certificate was not found.",
        "Değerlendirilmedi: imzacı sertifikası bulunamadı.",
    ),
    "CONTENT_NOT_AVAILABLE": (
        "The signature is detached and the signed content was not given.",
        "İmza ayrık (detached) ve imzalanan içerik verilmedi.",
    ),
    # --- FMT -------------------------------------------------------------------------------------
    "PARSED": (
        "ContentInfo/SignedData parsed; versions are consistent (RFC 5652 §5.1, §5.3).",
        "ContentInfo/SignedData çözümlendi; sürümler tutarlı (RFC 5652 §5.1, §5.3).",
    ),
    "VERSION_INCONSISTENT": (
        "SignedData parsed, with encoding remarks: {detail}",
        "SignedData çözümlendi, kodlama notlarıyla: {detail}",
    ),
    "NOT_SIGNED_DATA": (
        "The input is not a CMS SignedData signature: {detail}",
        "Girdi bir CMS SignedData imzası değil: {detail}",
    ),
    "NO_SIGNERS": (
        "The SignedData contains no SignerInfo.",
        "SignedData hiç SignerInfo içermiyor.",
    ),
    "CONTENT_MATCHES_EXPECTED": (
        "The signature is attached and its content equals the expected bytes.",
        "İmza içeriği kapsıyor ve içerik beklenen baytlarla aynı.",
    ),
    "CONTENT_DIFFERS": (
        "The encapsulated content differs from the expected bytes.",
        "Kapsanan içerik beklenen baytlardan farklı.",
    ),
    "DETACHED_BUT_EXPECTED": (
        "The signature is detached but attached content was required.",
        "İmza ayrık (detached); oysa içeriği kapsaması gerekiyordu.",
    ),
    "NO_EXPECTED_CONTENT": (
        "No expected content was given ({form} signature).",
        "Beklenen içerik verilmedi ({form} imza).",
    ),
    "SIGNED_ATTRIBUTES_DER": (
        "The signed attributes are DER encoded and sorted.",
        "İmzalı öznitelikler DER kodlu ve sıralı.",
    ),
    "SIGNED_ATTRIBUTES_NOT_DER": (
        "The signed attributes verify but are not DER: {detail}",
        "İmzalı öznitelikler doğrulanıyor ancak DER değil: {detail}",
    ),
    "NO_SIGNED_ATTRIBUTES": (
        "The SignerInfo has no signed attributes.",
        "SignerInfo imzalı öznitelik içermiyor.",
    ),
    # --- BES ------------------------------------------------------------------------------------
    "CONTENT_TYPE_OK": (
        "content-type is {value} and matches eContentType.",
        "content-type {value} ve eContentType ile uyumlu.",
    ),
    "CONTENT_TYPE_MISSING": (
        "The content-type signed attribute is missing.",
        "content-type imzalı özniteliği eksik.",
    ),
    "CONTENT_TYPE_MULTIPLE": (
        "content-type must occur once with one value.",
        "content-type bir kez ve tek değerle bulunmalı.",
    ),
    "CONTENT_TYPE_MISMATCH": (
        "content-type {value} differs from eContentType {expected}.",
        "content-type {value}, eContentType {expected} ile uyuşmuyor.",
    ),
    "COUNTER_NO_CONTENT_TYPE": (
        "The countersignature correctly carries no content-type (RFC 5652 §11.4).",
        "Seri imza doğru olarak content-type içermiyor (RFC 5652 §11.4).",
    ),
    "COUNTER_HAS_CONTENT_TYPE": (
        "A countersignature must not carry content-type (RFC 5652 §11.4).",
        "Seri imza content-type içermemeli (RFC 5652 §11.4).",
    ),
    "MESSAGE_DIGEST_OK": (
        "message-digest equals the digest of the signed content.",
        "message-digest imzalanan içeriğin özetiyle aynı.",
    ),
    "COUNTER_DIGEST_OK": (
        "message-digest equals the digest of the countersigned signature value.",
        "message-digest, seri imzalanan imza değerinin özetiyle aynı.",
    ),
    "MESSAGE_DIGEST_MISSING": (
        "The message-digest signed attribute is missing.",
        "message-digest imzalı özniteliği eksik.",
    ),
    "MESSAGE_DIGEST_MULTIPLE": (
        "message-digest must occur once with one value.",
        "message-digest bir kez ve tek değerle bulunmalı.",
    ),
    "MESSAGE_DIGEST_MISMATCH": (
        "The signed content was changed: message-digest does not match.",
        "İmzalanan içerik değiştirilmiş: message-digest uyuşmuyor.",
    ),
    "SIGNATURE_VALID": (
        "The signature value verifies with the signer's public key.",
        "İmza değeri imzacının açık anahtarıyla doğrulanıyor.",
    ),
    "SIGNATURE_INVALID": (
        "The signature value does not verify: {detail}",
        "İmza değeri doğrulanamıyor: {detail}",
    ),
    "SIGNER_CERT_NOT_FOUND": (
        "The signer certificate named by the SignerInfo was not found.",
        "SignerInfo'nun belirttiği imzacı sertifikası bulunamadı.",
    ),
    "SIGNING_CERT_ATTR_MISSING": (
        "signing-certificate-v2 (or v1) is missing; the certificate is not bound to the signature.",
        "signing-certificate-v2 (veya v1) eksik; sertifika imzaya bağlanmamış.",
    ),
    "SIGNING_CERT_ATTR_MULTIPLE": (
        "signing-certificate must occur once with one value.",
        "signing-certificate bir kez ve tek değerle bulunmalı.",
    ),
    "SIGNING_CERT_HASH_MISMATCH": (
        "The signing-certificate hash does not match the signer certificate.",
        "signing-certificate özeti imzacı sertifikasıyla uyuşmuyor.",
    ),
    "SIGNING_CERT_ISSUER_SERIAL_MISMATCH": (
        "The signing-certificate issuerSerial does not match the signer certificate.",
        "signing-certificate issuerSerial alanı imzacı sertifikasıyla uyuşmuyor.",
    ),
    "SIGNING_CERT_MATCHES": (
        "signing-certificate(v{version}) identifies the signer certificate.",
        "signing-certificate(v{version}) imzacı sertifikasını doğru gösteriyor.",
    ),
    "ALGORITHMS_OK": (
        "Digest, signature algorithm and key size are acceptable.",
        "Özet, imza algoritması ve anahtar uzunluğu kabul edilebilir.",
    ),
    "ALGORITHM_REJECTED": (
        "Unacceptable algorithm or key: {detail}",
        "Kabul edilmeyen algoritma veya anahtar: {detail}",
    ),
    "ALGORITHM_WEAK": (
        "Legacy algorithm ({detail}); allow SHA-1 in the policy to accept it.",
        "Eski algoritma ({detail}); kabul için politikada SHA-1'e izin verin.",
    ),
    "ALGORITHM_WEAK_ALLOWED": (
        "Legacy algorithm accepted by policy: {detail}",
        "Eski algoritma politika gereği kabul edildi: {detail}",
    ),
    "SIGNING_TIME_OK": ("signing-time is {value}.", "signing-time {value}."),
    "SIGNING_TIME_MISSING": (
        "signing-time is mandatory for this profile but missing.",
        "Bu profilde signing-time zorunlu ancak eksik.",
    ),
    "SIGNING_TIME_ABSENT": (
        "signing-time is absent (recommended).",
        "signing-time yok (önerilir).",
    ),
    "SIGNING_TIME_MULTIPLE": (
        "signing-time must occur once with one value.",
        "signing-time bir kez ve tek değerle bulunmalı.",
    ),
    "SIGNING_TIME_ENCODING": (
        "signing-time {value} uses the wrong time type (RFC 5652 §11.3).",
        "signing-time {value} yanlış zaman türüyle kodlanmış (RFC 5652 §11.3).",
    ),
    "SIGNING_TIME_IN_FUTURE": (
        "signing-time {value} lies after the validation time.",
        "signing-time {value} doğrulama zamanından sonra.",
    ),
    "MIME_TYPE_PRESENT": ("mime-type is {mime}.", "mime-type {mime}."),
    "MIME_TYPE_CONSISTENT": (
        "mime-type {mime} is consistent with the content.",
        "mime-type {mime} içerikle tutarlı.",
    ),
    "MIME_TYPE_MISSING": (
        "mime-type is mandatory for {profile} but missing.",
        "{profile} için mime-type zorunlu ancak eksik.",
    ),
    "MIME_TYPE_ABSENT": (
        "mime-type is absent (recommended).",
        "mime-type yok (önerilir).",
    ),
    "COUNTER_NO_MIME_TYPE": (
        "The countersignature carries no mime-type, as expected.",
        "Seri imza beklendiği gibi mime-type içermiyor.",
    ),
    "MIME_TYPE_MULTIPLE": (
        "mime-type must occur once with one value.",
        "mime-type bir kez ve tek değerle bulunmalı.",
    ),
    "MIME_TYPE_CONTRADICTS_CONTENT": (
        "mime-type {mime} contradicts the content, which looks like {found}.",
        "mime-type {mime} içerikle çelişiyor; içerik {found} gibi görünüyor.",
    ),
    # --- TRP -------------------------------------------------------------------------------------
    "NO_POLICY": (
        "No signature policy (P1 or a non-Turkish signature).",
        "İmza politikası yok (P1 veya Türk profili dışı imza).",
    ),
    "POLICY_IMPLIED": (
        "The signature policy is implied; no Turkish profile applies.",
        "İmza politikası örtük; Türk profili uygulanmıyor.",
    ),
    "POLICY_MULTIPLE": (
        "signature-policy-identifier must occur once with one value.",
        "signature-policy-identifier bir kez ve tek değerle bulunmalı.",
    ),
    "POLICY_KNOWN": (
        "Signature policy of profile {profile}.",
        "{profile} profilinin imza politikası.",
    ),
    "POLICY_UNKNOWN": (
        "Unknown signature policy {oid}: profile rules cannot be applied.",
        "Bilinmeyen imza politikası {oid}: profil kuralları uygulanamıyor.",
    ),
    "PROFILE_MISMATCH": (
        "Profile {found} found, {expected} required.",
        "{found} profili bulundu, {expected} isteniyor.",
    ),
    "POLICY_UNKNOWN_HASH_NOT_CHECKED": (
        "Policy hash of unknown policy {oid} not checked.",
        "Bilinmeyen {oid} politikasının özeti denetlenmedi.",
    ),
    "POLICY_HASH_SHA256": (
        "The policy hash uses SHA-256.",
        "Politika özeti SHA-256 kullanıyor.",
    ),
    "POLICY_HASH_ALGORITHM": (
        "The policy hash uses {algorithm}; SHA-256 is required (§1.2).",
        "Politika özeti {algorithm} kullanıyor; SHA-256 gerekli (§1.2).",
    ),
    "POLICY_HASH_MATCHES": (
        "The policy hash equals the BTK profile guide's SHA-256.",
        "Politika özeti BTK profil rehberinin SHA-256 özetiyle aynı.",
    ),
    "POLICY_HASH_MISMATCH": (
        "The policy hash differs from the BTK profile guide's SHA-256.",
        "Politika özeti BTK profil rehberinin SHA-256 özetinden farklı.",
    ),
    "SPURI_PRESENT": ("Policy URI (SPURI): {spuri}", "Politika adresi (SPURI): {spuri}"),
    "SPURI_ABSENT": (
        "The policy carries no SPURI qualifier.",
        "Politika SPURI niteleyicisi içermiyor.",
    ),
    "FORM_MEETS_PROFILE": (
        "Form {level} meets profile {profile}.",
        "{level} biçimi {profile} profilini karşılıyor.",
    ),
    "FORM_BELOW_PROFILE": (
        "Form {level} is below {minimum} required by {profile}.",
        "{level} biçimi, {profile} için gereken {minimum} düzeyinin altında.",
    ),
    "LEVEL_BELOW_MINIMUM": (
        "Form {level} is below the required {minimum}.",
        "{level} biçimi istenen {minimum} düzeyinin altında.",
    ),
    "P4_NO_OCSP": (
        "P4 needs an embedded, authentic OCSP response for the signer; none found.",
        "P4, imzacı için gömülü ve geçerli bir OCSP yanıtı ister; bulunamadı.",
    ),
    "P3_NO_CRL": (
        "P3 needs an embedded, authentic CRL for the signer; none found.",
        "P3, imzacı için gömülü ve geçerli bir SİL ister; bulunamadı.",
    ),
    "NO_PROFILE_FORM": (
        "No profile form requirement applies.",
        "Uygulanacak bir profil biçim şartı yok.",
    ),
    "TS_WITHIN_WINDOW": (
        "Time-stamp {seconds} s after signing-time.",
        "Zaman damgası imza zamanından {seconds_tr} sn sonra.",
    ),
    "TS_DELAYED": (
        "Time-stamp {seconds} s after signing-time (more than {warn} s).",
        "Zaman damgası imza zamanından {seconds_tr} sn sonra ({warn} sn'den fazla).",
    ),
    "TS_OUTSIDE_WINDOW": (
        "Time-stamp {seconds} s from signing-time, outside [-{before} s, +{after} s].",
        "Zaman damgası imza zamanına göre {seconds_tr} sn; "
        "[-{before}, +{after}] sn aralığı dışında.",
    ),
    "WINDOW_NOT_APPLICABLE": (
        "No signing-time or no valid signature time-stamp to compare.",
        "Karşılaştırılacak signing-time veya geçerli imza zaman damgası yok.",
    ),
    # --- T ---------------------------------------------------------------------------------------
    "SIGNATURE_TS_PRESENT": (
        "{count} signature time-stamp(s) present.",
        "{count} imza zaman damgası var.",
    ),
    "SIGNATURE_TS_MISSING": (
        "The profile requires a signature time-stamp; none present.",
        "Profil imza zaman damgası gerektiriyor; yok.",
    ),
    "SIGNATURE_TS_ABSENT": ("No signature time-stamp.", "İmza zaman damgası yok."),
    "SIGNATURE_TS_IMPRINT_OK": (
        "The time-stamp imprint equals the digest of the signature value.",
        "Zaman damgası özeti imza değerinin özetiyle aynı.",
    ),
    "SIGNATURE_TS_IMPRINT_MISMATCH": (
        "{count} signature time-stamp(s) cover other data than this signature value.",
        "{count} imza zaman damgası bu imza değerinden başka bir veriyi kapsıyor.",
    ),
    "TST_TRUSTED": (
        "{count} time-stamp token(s) verified and trusted.",
        "{count} zaman damgası doğrulandı ve güvenilir.",
    ),
    "TST_TRUSTED_WEAK_ALGORITHM": (
        "Time-stamp trusted; legacy algorithm accepted by policy.",
        "Zaman damgası güvenilir; eski algoritma politika gereği kabul edildi.",
    ),
    "TST_MALFORMED": (
        "A time-stamp token is malformed: {detail}",
        "Bir zaman damgası bozuk: {detail}",
    ),
    "TST_NO_TSA_CERT": (
        "The TSA certificate of a time-stamp is not available: {detail}",
        "Bir zaman damgasının ZD sertifikası bulunamadı: {detail}",
    ),
    "TST_SIGNATURE_INVALID": (
        "A time-stamp token does not verify: {detail}",
        "Bir zaman damgası doğrulanamıyor: {detail}",
    ),
    "TSA_EKU_INVALID": (
        "The TSA certificate is not a time-stamping certificate: {detail}",
        "ZD sertifikası bir zaman damgası sertifikası değil: {detail}",
    ),
    "TSA_NOT_VALID_AT_GENTIME": (
        "The TSA certificate was not valid at genTime ({detail}).",
        "ZD sertifikası genTime anında geçerli değildi ({detail}).",
    ),
    "TSA_NOT_TRUSTED": (
        "The TSA certificate does not chain to a TSA trust anchor: {detail}",
        "ZD sertifikası güvenilen bir ZD köküne zincirlenmiyor: {detail}",
    ),
    "TSA_CHAIN_INVALID": (
        "The TSA certificate path is invalid: {detail}",
        "ZD sertifika yolu geçersiz: {detail}",
    ),
    "TSA_REVOKED": (
        "The TSA certificate was revoked at genTime ({detail}).",
        "ZD sertifikası genTime anında iptal edilmişti ({detail}).",
    ),
    "TSA_REVOKED_NO_POE": (
        "The TSA certificate was revoked later: {detail}",
        "ZD sertifikası sonradan iptal edildi: {detail}",
    ),
    "TSA_REVOCATION_STALE": (
        "No fresh revocation data for the TSA certificate: {detail}",
        "ZD sertifikası için güncel iptal bilgisi yok: {detail}",
    ),
    "TSA_REVOCATION_MISSING": (
        "The TSA certificate's revocation status is unknown: {detail}",
        "ZD sertifikasının iptal durumu bilinmiyor: {detail}",
    ),
    "TSA_EXPIRED_NO_POE": (
        "The time-stamp needs an archive time-stamp: {detail}.",
        "Zaman damgası bir arşiv zaman damgası gerektiriyor: {detail}.",
    ),
    "TST_WEAK_ALGORITHM": (
        "A time-stamp uses a legacy algorithm ({detail}).",
        "Bir zaman damgası eski bir algoritma kullanıyor ({detail}).",
    ),
    "CONTENT_TS_ABSENT": ("No content time-stamp.", "İçerik zaman damgası yok."),
    "CONTENT_TS_OK": (
        "The content time-stamp covers the content and precedes the signature time-stamp.",
        "İçerik zaman damgası içeriği kapsıyor ve imza zaman damgasından önce.",
    ),
    "CONTENT_TS_IMPRINT_MISMATCH": (
        "The content time-stamp covers other data than the signed content.",
        "İçerik zaman damgası imzalanan içerikten başka bir veriyi kapsıyor.",
    ),
    "CONTENT_TS_AFTER_SIGNATURE_TS": (
        "The content time-stamp is later than the signature time-stamp.",
        "İçerik zaman damgası imza zaman damgasından sonra.",
    ),
    # --- C / X / XL ------------------------------------------------------------------------------
    "CERT_REFS_ABSENT": (
        "No complete-certificate-references.",
        "complete-certificate-references yok.",
    ),
    "CERT_REFS_MULTIPLE": (
        "complete-certificate-references must occur once with one value.",
        "complete-certificate-references bir kez ve tek değerle bulunmalı.",
    ),
    "CERT_REFS_RESOLVED": (
        "All {count} certificate references resolve by hash.",
        "{count} sertifika referansının tümü özetle çözümlendi.",
    ),
    "CERT_REF_UNRESOLVED": (
        "{count} certificate reference(s) match no known certificate.",
        "{count} sertifika referansı bilinen hiçbir sertifikayla eşleşmiyor.",
    ),
    "CERT_REF_ISSUER_SERIAL_MISMATCH": (
        "{count} certificate reference(s) carry a wrong issuerSerial.",
        "{count} sertifika referansının issuerSerial alanı yanlış.",
    ),
    "REV_REFS_ABSENT": (
        "No complete-revocation-references.",
        "complete-revocation-references yok.",
    ),
    "REV_REFS_MULTIPLE": (
        "complete-revocation-references must occur once with one value.",
        "complete-revocation-references bir kez ve tek değerle bulunmalı.",
    ),
    "REV_REFS_RESOLVED": (
        "All revocation references resolve ({count} entries).",
        "Tüm iptal referansları çözümlendi ({count} kayıt).",
    ),
    "REV_REF_UNRESOLVED": (
        "{count} revocation reference(s) match no known CRL/OCSP response.",
        "{count} iptal referansı bilinen hiçbir SİL/ÇİSDuP yanıtıyla eşleşmiyor.",
    ),
    "REV_REF_COUNT": (
        "{count} revocation reference entries; {expected} expected (1 + certificate references).",
        "{count} iptal referansı kaydı var; {expected} bekleniyordu (1 + sertifika referansı).",
    ),
    "REFS_ABSENT": ("No references.", "Referans yok."),
    "REFS_ALL_USED": (
        "Every reference was used by validation.",
        "Tüm referanslar doğrulamada kullanıldı.",
    ),
    "REFS_UNUSED": (
        "{count} reference(s) were not used by validation.",
        "{count} referans doğrulamada kullanılmadı.",
    ),
    "CERT_VALUES_ABSENT": ("No certificate-values.", "certificate-values yok."),
    "CERT_VALUES_MULTIPLE": (
        "certificate-values must occur once with one value.",
        "certificate-values bir kez ve tek değerle bulunmalı.",
    ),
    "CERT_VALUES_COMPLETE": (
        "certificate-values holds every referenced certificate ({count} certificates).",
        "certificate-values başvurulan tüm sertifikaları içeriyor ({count} sertifika).",
    ),
    "CERT_VALUES_INCOMPLETE": (
        "{count} referenced certificate(s) are missing from certificate-values.",
        "Başvurulan {count} sertifika certificate-values içinde yok.",
    ),
    "REV_VALUES_ABSENT": ("No revocation-values.", "revocation-values yok."),
    "REV_VALUES_MULTIPLE": (
        "revocation-values must occur once with one value.",
        "revocation-values bir kez ve tek değerle bulunmalı.",
    ),
    "REV_VALUES_COMPLETE": (
        "revocation-values holds every referenced item ({crls} CRL, {ocsps} OCSP).",
        "revocation-values başvurulan tüm kayıtları içeriyor ({crls} SİL, {ocsps} ÇİSDuP).",
    ),
    "REV_VALUES_INCOMPLETE": (
        "{count} referenced CRL/OCSP item(s) are missing from revocation-values.",
        "Başvurulan {count} SİL/ÇİSDuP kaydı revocation-values içinde yok.",
    ),
    "X_TS_ABSENT": ("No X-type time-stamps.", "X türü zaman damgası yok."),
    "X_TS_OK": (
        "X-type time-stamps verified ({variants}).",
        "X türü zaman damgaları doğrulandı ({variants}).",
    ),
    "X_TS_IMPRINT_MISMATCH": (
        "An X-type time-stamp matches neither imprint variant.",
        "Bir X türü zaman damgası iki özet biçiminden hiçbirine uymuyor.",
    ),
    "X_TS_BEFORE_SIGNATURE_TS": (
        "An X-type time-stamp precedes the signature time-stamp.",
        "Bir X türü zaman damgası imza zaman damgasından önce.",
    ),
    "REVOCATION_FRESH": (
        "Revocation evidence is fresh relative to {reference}.",
        "İptal kanıtları {reference} anına göre güncel.",
    ),
    "NO_REVOCATION_VALUES": ("No revocation-values.", "revocation-values yok."),
    # --- A ---------------------------------------------------------------------------------------
    "ATS_PRESENT": ("{count} archive time-stamp(s) present.", "{count} arşiv zaman damgası var."),
    "ATS_ABSENT": ("No archive time-stamp.", "Arşiv zaman damgası yok."),
    "ATS_MISSING": (
        "An archive time-stamp is required but missing.",
        "Arşiv zaman damgası gerekli ancak yok.",
    ),
    "ATS_KIND_ABSENT": ("No archive time-stamp of this kind.", "Bu türde arşiv zaman damgası yok."),
    "ATS_IMPRINT_OK": (
        "Archive time-stamp imprints match ({variants}).",
        "Arşiv zaman damgası özetleri uyuyor ({variants}).",
    ),
    "ATS_IMPRINT_MISMATCH": (
        "An archive time-stamp does not cover this signature as stored.",
        "Bir arşiv zaman damgası imzayı saklandığı hâliyle kapsamıyor.",
    ),
    "ATS_INDEX_MISSING": (
        "An archive-time-stamp-v3 carries no ATSHashIndex.",
        "Bir archive-time-stamp-v3 ATSHashIndex içermiyor.",
    ),
    "ATS_INDEX_MULTIPLE": (
        "An archive-time-stamp-v3 carries more than one hash index.",
        "Bir archive-time-stamp-v3 birden çok özet indeksi içeriyor.",
    ),
    "ATS_INDEX_UNRESOLVED": (
        "Items listed in the ATS hash index were changed or removed: {detail}",
        "ATS özet indeksindeki öğeler değiştirilmiş veya silinmiş: {detail}",
    ),
    "ATS_V1_NOT_VERIFIED": (
        "An archive-time-stamp (v1) is present; it is not verified.",
        "Bir archive-time-stamp (v1) var; doğrulanmıyor.",
    ),
    "ATS_TRUSTED": (
        "Archive time-stamps are trusted and follow what they cover.",
        "Arşiv zaman damgaları güvenilir ve kapsadıklarından sonra.",
    ),
    "ATS_ORDER": ("Time-stamp order violated: {detail}", "Zaman damgası sırası bozuk: {detail}"),
    # --- PKX -------------------------------------------------------------------------------------
    "PATH_VALID": (
        "The certificate path to a trust anchor is valid at {at}.",
        "Güvenilen köke giden sertifika yolu {at} anında geçerli.",
    ),
    "PATH_NOT_FOUND": (
        "No certificate path to a configured trust anchor: {detail}",
        "Tanımlı bir güvenilir köke sertifika yolu bulunamadı: {detail}",
    ),
    "PATH_INVALID": (
        "The certificate path is invalid: {detail}",
        "Sertifika yolu geçersiz: {detail}",
    ),
    "PATH_UNSUPPORTED_EXTENSION": (
        "The path uses a critical extension this validator does not enforce: {detail}",
        "Yol, bu doğrulayıcının uygulamadığı kritik bir uzantı içeriyor: {detail}",
    ),
    "CERT_VALID": (
        "The signer certificate was valid at {at}.",
        "İmzacı sertifikası {at} anında geçerliydi.",
    ),
    "CERT_EXPIRED": (
        "The signer certificate had expired at {at}.",
        "İmzacı sertifikasının süresi {at} anında dolmuştu.",
    ),
    "CERT_NOT_YET_VALID": (
        "The signer certificate was not yet valid at {at}.",
        "İmzacı sertifikası {at} anında henüz geçerli değildi.",
    ),
    "P2_LIFETIME_OVER": (
        "A P2 signature is valid only during the certificate's lifetime, which has ended.",
        "P2 imzası yalnızca sertifika ömrü boyunca geçerlidir; bu süre doldu.",
    ),
    "KEY_USAGE_NON_REPUDIATION": (
        "Key usage nonRepudiation suits signing.",
        "Anahtar kullanımı nonRepudiation imza için uygun.",
    ),
    "KEY_USAGE_DIGITAL_SIGNATURE": (
        "Key usage digitalSignature only (nonRepudiation preferred).",
        "Anahtar kullanımı yalnızca digitalSignature (nonRepudiation tercih edilir).",
    ),
    "KEY_USAGE_ABSENT": (
        "The signer certificate has no keyUsage extension.",
        "İmzacı sertifikasında keyUsage uzantısı yok.",
    ),
    "KEY_USAGE_NOT_SIGNING": (
        "The signer certificate's key usage does not allow signing.",
        "İmzacı sertifikasının anahtar kullanımı imzaya izin vermiyor.",
    ),
    "SIGNER_IS_CA": (
        "The signer certificate is a CA certificate.",
        "İmzacı sertifikası bir SH (CA) sertifikası.",
    ),
    "ISSUER_UNKNOWN": (
        "The issuer of the signer certificate is unknown.",
        "İmzacı sertifikasını yayımlayan bilinmiyor.",
    ),
    "SIGNER_NOT_REVOKED": (
        "The signer certificate was not revoked ({kind}, fresh).",
        "İmzacı sertifikası iptal edilmemiş ({kind}, güncel).",
    ),
    "SIGNER_REVOKED": (
        "The signer certificate was revoked at {when}, before the signature time {t_best}.",
        "İmzacı sertifikası {when} anında, imza zamanından ({t_best}) önce iptal edilmiş.",
    ),
    "SIGNER_REVOKED_AFTER_T_BEST": (
        "The signer certificate was revoked at {when}, after the time-stamped signature "
        "time {t_best}; the signature stays valid.",
        "İmzacı sertifikası {when} anında, zaman damgalı imza zamanından ({t_best}) sonra "
        "iptal edilmiş; imza geçerliliğini korur.",
    ),
    "REVOCATION_PREMATURE": (
        "Fresh revocation data cannot exist yet; try again after {retry}.",
        "Güncel iptal bilgisi henüz oluşamaz; {retry} sonrasında yeniden deneyin.",
    ),
    "REVOCATION_STALE": (
        "Revocation data is not fresh enough: {detail}",
        "İptal bilgisi yeterince güncel değil: {detail}",
    ),
    "REVOCATION_MISSING": (
        "Revocation status unknown: {detail}",
        "İptal durumu bilinmiyor: {detail}",
    ),
    "NO_INTERMEDIATE_CA": (
        "No intermediate CA needs a revocation check.",
        "İptal denetimi gereken ara SH yok.",
    ),
    "CA_NOT_REVOKED": (
        "{count} CA certificate(s) not revoked.",
        "{count} SH sertifikası iptal edilmemiş.",
    ),
    "CA_REVOKED": ("CA {ca} was revoked at {when}.", "SH {ca} {when} anında iptal edilmiş."),
    # --- MAT -------------------------------------------------------------------------------------
    "MATURE": (
        "The signature is final (kesinleşmiş): the caution period has passed.",
        "İmza kesinleşmiş: güvenlik süresi geçti.",
    ),
    "PREMATURE": (
        "The signature is not final yet; try again after {retry}.",
        "İmza henüz kesinleşmedi; {retry} sonrasında yeniden deneyin.",
    ),
    "MATURITY_NO_FRESH_EVIDENCE": (
        "Not final: fresh revocation evidence is missing.",
        "Kesinleşmedi: güncel iptal kanıtı eksik.",
    ),
    "NO_POE_FOR_MATURITY": (
        "No valid time-stamp proves when the signature existed.",
        "İmzanın ne zaman var olduğunu kanıtlayan geçerli bir zaman damgası yok.",
    ),
    "MATURITY_NOT_APPLICABLE": (
        "Finalisation applies to P2–P4 signatures only.",
        "Kesinleşme yalnızca P2–P4 imzaları için geçerlidir.",
    ),
}


def _text(value: Any) -> Any:
    """Datetimes in messages as ``2020-10-12T09:19:05.731Z`` (UTC, milliseconds)."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC)
        spec = "seconds" if moment.microsecond == 0 else "milliseconds"
        return moment.isoformat(timespec=spec).replace("+00:00", "Z")
    return value


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def make_check(
    check_id: str,
    status: CheckStatus,
    reason: str,
    sub_indication: str | None = None,
    evidence: dict[str, Any] | None = None,
    **params: Any,
) -> Check:
    """A :class:`Check` with both messages filled from ``params``."""
    en, tr = MESSAGES[reason]
    values = _Params({k: _text(v) for k, v in params.items()})
    if "seconds" in values and "seconds_tr" not in values:
        values["seconds_tr"] = str(values["seconds"]).replace(".", ",")
    return Check(
        id=check_id,
        status=status,
        reason=reason,
        message=en.format_map(values),
        message_tr=tr.format_map(values),
        evidence=evidence or {},
        sub_indication=sub_indication,
    )
