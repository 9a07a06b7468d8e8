"""Private signing keys at rest: sealed with AES-256-GCM under a key-encryption key (KEK) from the settings.

A sealed key is stored as ``aes256gcm:<nonce>.<ciphertext>`` (base64url), with its ``kid`` as associated data, so
a sealed key copied to another row does not open. With no KEK set (the embedded default) keys are stored as PEM;
a service that finds a sealed key and has no KEK, or the wrong one, refuses to start rather than sign with
nothing. Keys stored as PEM before a KEK was set keep working; the next rotation stores a sealed one.

The KEK is 32 random bytes, base64url (``python -c "import secrets; print(secrets.token_urlsafe(32))"``),
from a secret store, one per service (deploy/k8s: key ``key-encryption-key`` of the ``pdr-auth`` and
``pdr-registry`` Secrets).
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["KeyWrap", "KeyWrapError", "decode_kek"]

PREFIX = "aes256gcm:"


class KeyWrapError(RuntimeError):
    """A stored key that cannot be opened: no KEK, or not the KEK it was sealed with."""


def decode_kek(text: str) -> bytes:
    """The 32 bytes of a base64url KEK (padding optional); ValueError names what is wrong."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("the key-encryption key must be base64url") from None
    if len(raw) != 32:
        raise ValueError(f"the key-encryption key must be 32 bytes (AES-256), not {len(raw)}")
    return raw


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class KeyWrap:
    """Seals private keys for storage and opens them for use; ``KeyWrap(None)`` stores them as they are."""

    def __init__(self, kek: str | None) -> None:
        self._aead = AESGCM(decode_kek(kek)) if kek else None

    @property
    def sealing(self) -> bool:
        return self._aead is not None

    def seal(self, private_pem: str, kid: str) -> str:
        if self._aead is None:
            return private_pem
        nonce = os.urandom(12)
        return f"{PREFIX}{_b64(nonce)}.{_b64(self._aead.encrypt(nonce, private_pem.encode(), kid.encode()))}"

    def open(self, stored: str, kid: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # stored before a KEK was set
        if self._aead is None:
            raise KeyWrapError(f"signing key {kid} is sealed: set the key-encryption key (key_encryption_key)")
        try:
            nonce, ciphertext = stored[len(PREFIX):].split(".")
            return self._aead.decrypt(_unb64(nonce), _unb64(ciphertext), kid.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise KeyWrapError(f"signing key {kid} does not open with this key-encryption key") from None
