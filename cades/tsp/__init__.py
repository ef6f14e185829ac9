"""RFC 3161 time-stamps and the Kamu SM authenticated time-stamp service (signatures.md §5)."""

from cades._http import RetryPolicy
from cades.tsp._client import (
    HeaderAuth,
    PkiStatus,
    TimestampAuth,
    TimestampClient,
    TimestampResult,
)
from cades.tsp._hash import HashAlgorithm
from cades.tsp._kamusm import (
    KAMUSM_IDENTITY_OID,
    KAMUSM_POLICY_OID,
    KamuSmAuth,
    credit_imprint,
    kamusm_identity,
    query_kamusm_credit,
)
from cades.tsp._request import TimestampRequest
from cades.tsp._token import TimestampToken, verify_timestamp_token

__all__ = [
    "KAMUSM_IDENTITY_OID",
    "KAMUSM_POLICY_OID",
    "HashAlgorithm",
    "HeaderAuth",
    "KamuSmAuth",
    "PkiStatus",
    "RetryPolicy",
    "TimestampAuth",
    "TimestampClient",
    "TimestampRequest",
    "TimestampResult",
    "TimestampToken",
    "credit_imprint",
    "kamusm_identity",
    "query_kamusm_credit",
    "verify_timestamp_token",
]
