"""Private signing keys at rest (kernel.keywrap): sealed under the KEK, bound to their kid, never opened without it."""

from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError

from services.auth.settings import AuthSettings
from services.kernel.jose_keys import SigningKey, generate_es256
from services.kernel.keywrap import KeyWrap, KeyWrapError


def test_a_sealed_key_hides_the_pem_and_opens_to_a_working_signer():
    wrap = KeyWrap(secrets.token_urlsafe(32))
    key = generate_es256()
    stored = wrap.seal(key.private_pem, key.kid)
    assert stored.startswith("aes256gcm:") and "PRIVATE KEY" not in stored
    assert wrap.seal(key.private_pem, key.kid) != stored  # a fresh nonce each time
    opened = SigningKey.from_pem(wrap.open(stored, key.kid), key.alg, key.kid)
    assert opened.public_jwk == key.public_jwk


def test_a_sealed_key_opens_only_under_its_kek_and_its_kid():
    kek = secrets.token_urlsafe(32)
    key = generate_es256()
    stored = KeyWrap(kek).seal(key.private_pem, key.kid)
    with pytest.raises(KeyWrapError, match="does not open"):
        KeyWrap(secrets.token_urlsafe(32)).open(stored, key.kid)
    with pytest.raises(KeyWrapError, match="does not open"):
        KeyWrap(kek).open(stored, "another-kid")  # copied to another row
    with pytest.raises(KeyWrapError, match="is sealed"):
        KeyWrap(None).open(stored, key.kid)
    with pytest.raises(KeyWrapError, match="does not open"):
        KeyWrap(kek).open(stored[:-4], key.kid)  # truncated


def test_without_a_kek_keys_are_stored_as_pem_and_pem_keys_still_open_once_one_is_set():
    key = generate_es256()
    assert KeyWrap(None).seal(key.private_pem, key.kid) == key.private_pem
    assert not KeyWrap(None).sealing
    assert KeyWrap(secrets.token_urlsafe(32)).open(key.private_pem, key.kid) == key.private_pem


@pytest.mark.parametrize("kek", ["abc", "not base64 !", secrets.token_urlsafe(16), secrets.token_urlsafe(48)])
def test_a_kek_that_is_not_32_bytes_of_base64url_is_refused_at_startup(kek):
    with pytest.raises(ValidationError, match="key_encryption_key"):
        AuthSettings(key_encryption_key=kek)
