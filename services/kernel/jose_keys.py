"""python-jose behind one small door: key generation, signing, verification.

Keys are constructed once (``jwk.construct``) and reused: python-jose would otherwise parse a PEM on every
call. Verification always pins the algorithm to the key's own, checks audience and issuer, and refuses
anything outside ``ALLOWED_ALGORITHMS`` before touching the signature. An access token is held to more
(``verify_access_token``): an audience, a subject and an id, issued no later than now, living no longer than
the verifier allows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jws, jwt
from jose.backends.base import Key
from jose.exceptions import JOSEError

__all__ = [
    "ALLOWED_ALGORITHMS",
    "InvalidToken",
    "PublicKey",
    "SigningKey",
    "generate_es256",
    "public_key_from_jwk",
    "unverified_header",
    "verify_access_token",
    "verify_jws",
    "verify_jwt",
]

ALLOWED_ALGORITHMS = ("ES256", "RS256")


class InvalidToken(Exception):
    """The token is malformed, badly signed, expired, or meant for someone else."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _thumbprint(public_jwk: dict[str, Any]) -> str:
    # RFC 7638 thumbprint: a stable kid derived from the key itself.
    members: dict[str, Any] = {k: public_jwk[k] for k in ("crv", "kty", "x", "y") if k in public_jwk}
    if public_jwk.get("kty") == "RSA":
        members = {k: public_jwk[k] for k in ("e", "kty", "n")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return _b64url(digest)


@dataclass(frozen=True)
class PublicKey:
    kid: str
    alg: str
    key: Key
    jwk: dict[str, Any]


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private_pem: str
    public_jwk: dict[str, Any]
    key: Key

    @classmethod
    def from_pem(cls, private_pem: str, alg: str = "ES256", kid: str | None = None) -> SigningKey:
        key = jwk.construct(private_pem, alg)
        public = key.public_key().to_dict()
        kid = kid or _thumbprint(public)
        public.update({"kid": kid, "alg": alg, "use": "sig"})
        return cls(kid=kid, alg=alg, private_pem=private_pem, public_jwk=public, key=key)

    @property
    def public(self) -> PublicKey:
        return public_key_from_jwk(self.public_jwk)

    def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        return jwt.encode(claims, self.key, algorithm=self.alg, headers={"kid": self.kid, "typ": typ})

    def sign_bytes(self, payload: bytes, typ: str) -> str:
        return jws.sign(payload, self.key, headers={"kid": self.kid, "typ": typ}, algorithm=self.alg)


def generate_es256() -> SigningKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return SigningKey.from_pem(pem, "ES256")


def public_key_from_jwk(data: dict[str, Any]) -> PublicKey:
    alg = data.get("alg") or ("ES256" if data.get("kty") == "EC" else "RS256")
    if alg not in ALLOWED_ALGORITHMS:
        raise InvalidToken(f"algorithm {alg} is not allowed")
    return PublicKey(kid=data["kid"], alg=alg, key=jwk.construct(data, alg), jwk=data)


def unverified_header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as exc:
        raise InvalidToken("malformed token") from exc
    if not isinstance(header, dict):
        raise InvalidToken("malformed token header")
    return header


def verify_jwt(token: str, key: PublicKey, *, audience: str | None, issuer: str | None) -> dict[str, Any]:
    """Verify signature and registered claims; the algorithm is the key's, never the token's choice."""
    header = unverified_header(token)
    if header.get("alg") != key.alg:
        raise InvalidToken("algorithm does not match the key")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[key.alg],
            audience=audience,
            issuer=issuer,
            options={"verify_aud": audience is not None, "require_exp": True, "require_iat": True},
        )
    # python-jose lets a TypeError out of int() on a claim such as "exp": [1]
    except (JOSEError, TypeError, ValueError) as exc:
        raise InvalidToken(str(exc) or "invalid token") from exc
    # python-jose accepts a token without "aud" whatever audience is asked for: one named must be present.
    if audience is not None and "aud" not in claims:
        raise InvalidToken("token has no audience")
    return claims


def _numeric(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidToken(f"claim {name} is not a number")
    return float(value)


def verify_access_token(
    token: str, key: PublicKey, *, audience: str | None, issuer: str, max_lifetime: float, leeway: float = 60.0,
) -> dict[str, Any]:
    """``verify_jwt``, then what makes a token an access token here: an audience (any, when ``audience`` is
    None), a subject and an id; ``iat`` not after now (``leeway`` for clock skew); an ``exp`` no further than
    ``max_lifetime`` from ``iat`` nor from now, so a token nobody can revoke any more dies soon anyway."""
    claims = verify_jwt(token, key, audience=audience, issuer=issuer)
    if not claims.get("aud"):
        raise InvalidToken("token has no audience")
    for name in ("sub", "jti"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise InvalidToken(f"token has no {name}")
    if "sid" in claims and not isinstance(claims["sid"], str):
        raise InvalidToken("claim sid is not a string")
    iat, exp, now = _numeric(claims, "iat"), _numeric(claims, "exp"), time.time()
    if iat > now + leeway:
        raise InvalidToken("token issued in the future")
    if exp - iat > max_lifetime or exp - now > max_lifetime:
        raise InvalidToken("token lives longer than allowed")
    return claims


def verify_jws(token: str, key: PublicKey) -> bytes:
    header = unverified_header(token)
    if header.get("alg") != key.alg:
        raise InvalidToken("algorithm does not match the key")
    try:
        return jws.verify(token, key.key, algorithms=[key.alg])
    except JOSEError as exc:
        raise InvalidToken(str(exc) or "invalid signature") from exc
