from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.kernel.settings import JWKS_MIN_REFETCH_SECONDS, ServiceSettings

__all__ = ["AuthSettings"]


class AuthSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PDR_AUTH_", extra="ignore")

    service_name: str = "auth"
    port: int = 8001
    audience: str = "pdr-auth"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    audiences: list[str] = ["pdr-registry", "pdr-scoring", "pdr-auth"]  # noqa: RUF012 (pydantic copies it)
    default_audience: str = "pdr-registry"
    # Keyed digest of client secrets. Set it in production (a Secret); the default is for the embedded setup.
    client_secret_pepper: str = "pdr-dev-pepper-change-me"  # noqa: S105 (the embedded setup's, see above)
    # argon2id cost (RFC 9106 low-memory profile by default).
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    # Throttling of failed sign-ins (throttle.py): per (client address, account) pair, so a stranger's guesses
    # never lock the owner out, and per address across accounts (password spraying). Past its free failures a
    # key waits base, 2·base, 4·base… seconds, at most the cap, before its next attempt; a run of failures is
    # forgotten a window after its last one.
    login_free_failures: int = Field(default=3, ge=0)
    login_free_failures_per_address: int = Field(default=20, ge=0)
    login_backoff_base_seconds: float = Field(default=1.0, gt=0)
    login_backoff_max_seconds: float = Field(default=300.0, gt=0)
    login_window_seconds: int = Field(default=3600, gt=0)
    # How often a replica reloads signing keys from the database (picks up `pdr auth rotate-keys`).
    key_reload_seconds: float = 10.0
    # How long a rotated key is published in JWKS before it signs: at least key_reload_seconds (every replica
    # publishes it) plus the verifiers' JWKS refetch guard, so no verifier meets a kid it may not fetch.
    key_publish_ahead_seconds: float = 60.0
    # How long an authenticated machine client is remembered by one replica (no database read per token).
    client_cache_seconds: float = 10.0

    @model_validator(mode="after")
    def _tokens_live_no_longer_than_verifiers_allow(self) -> AuthSettings:
        if self.access_token_ttl_seconds > self.token_max_lifetime_seconds:
            raise ValueError("access_token_ttl_seconds must not exceed token_max_lifetime_seconds (raise "
                             "PDR_<SERVICE>_TOKEN_MAX_LIFETIME_SECONDS at every service with it)")
        return self

    @model_validator(mode="after")
    def _publish_ahead_reaches_every_verifier(self) -> AuthSettings:
        if self.key_publish_ahead_seconds < self.key_reload_seconds + JWKS_MIN_REFETCH_SECONDS:
            raise ValueError(f"key_publish_ahead_seconds must be at least key_reload_seconds + "
                             f"{JWKS_MIN_REFETCH_SECONDS:g} (the verifiers' JWKS refetch guard), or verifiers may "
                             "refuse the new key's first tokens")
        return self

    @model_validator(mode="after")
    def _backoff_ends_within_the_window(self) -> AuthSettings:
        # Otherwise a guesser who waits out the longest backoff finds the run forgotten and starts afresh.
        if self.login_backoff_max_seconds >= self.login_window_seconds:
            raise ValueError("login_backoff_max_seconds must be shorter than login_window_seconds")
        return self
