"""Registration certificates: a compact JWS a portal verifies offline with the registry's JWKS.

The payload is what a registration proves in public, nothing confidential: the query code, the subject,
the registrants, the registration type and the validity. ``exp`` is the end of the last valid day in
China, so a verifier that checks ``exp`` rejects an expired certificate by itself.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from services.kernel.jose_keys import SigningKey
from services.kernel.timeutil import CHINA, utcnow

from .models import Registration

__all__ = ["CERTIFICATE_TYPE", "certificate_claims", "sign_certificate"]

CERTIFICATE_TYPE = "pdr-registration-certificate+jwt"


def certificate_claims(registration: Registration, issuer: str) -> dict[str, Any]:
    end = datetime.combine(registration.valid_until + timedelta(days=1), time(0), tzinfo=CHINA)
    return {
        "iss": issuer,
        "sub": registration.query_code,
        "jti": registration.id,
        "iat": int(utcnow().timestamp()),
        "exp": int(end.timestamp()),
        "code": registration.query_code,
        "subject": {"type": registration.subject_type, "id": registration.subject_id,
                    "name": registration.data_name, "version": registration.subject_version},
        "registrants": [{"org_id": o, "name": n}
                        for o, n in zip(registration.registrant_org_ids, registration.registrant_names, strict=False)],
        "registration_type": registration.type,
        "valid_from": registration.valid_from.isoformat(),
        "valid_until": registration.valid_until.isoformat(),
    }


def sign_certificate(registration: Registration, signer: SigningKey, issuer: str) -> str:
    return signer.sign(certificate_claims(registration, issuer), typ=CERTIFICATE_TYPE)
