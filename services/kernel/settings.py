"""One settings base for every service; each service subclasses it with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .keywrap import KeyWrap, decode_kek

__all__ = ["JWKS_MIN_REFETCH_SECONDS", "ServiceSettings", "sqlite_url"]

# A verifier meeting an unknown kid refetches JWKS at most this often (garbage kids cannot make it hammer auth);
# auth publishes a rotated key longer than this before it signs (services/auth/keys.py).
JWKS_MIN_REFETCH_SECONDS = 5.0


def sqlite_url(data_dir: Path, name: str) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / f'{name}.db').resolve()}"


class ServiceSettings(BaseSettings):
    """Settings common to the three services. Env: ``PDR_<SERVICE>_<FIELD>`` (each service's subclass sets its
    prefix, so no two services share a secret by accident)."""

    model_config = SettingsConfigDict(env_prefix="PDR_", extra="ignore")

    service_name: str = "service"
    data_dir: Path = Path("var")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # The address callers reach this service at when it sits behind an ingress or proxy
    # (https://registry.example.gov.cn): the OpenAPI document's server, so generated clients default to it.
    # Unset: http://{host}:{port}.
    public_url: str | None = None
    # Where the auth service lives: the issuer of tokens and the source of JWKS.
    issuer: str = "http://127.0.0.1:8001"
    jwks_url: str | None = None
    # The audience a token must carry to be accepted by this service.
    audience: str = "pdr-registry"
    # Do not refetch JWKS for an unknown kid more often than this (auth assumes the default: a larger value
    # needs auth's key_publish_ahead_seconds raised with it).
    jwks_min_refetch_seconds: float = JWKS_MIN_REFETCH_SECONDS
    jwks_max_age_seconds: float = 300.0
    # Access tokens living longer than this (exp - iat, or exp - now) are refused: auth's access token TTL
    # (900 s) plus a minute. Raise it with PDR_AUTH_ACCESS_TOKEN_TTL_SECONDS, never below it.
    token_max_lifetime_seconds: int = 960
    # Clock skew tolerated on iat (a token issued "in the future" by more is refused).
    token_leeway_seconds: int = 60
    # A verified token is remembered at most this long before its signature is checked again.
    token_cache_seconds: float = 60.0
    # Auth's revocation list (GET /oauth/revocations; by default on the host of jwks_url, else the issuer's),
    # polled this often; 0: no background poll (tests refresh it themselves). A revoked token is refused
    # within about this many seconds at every service.
    revocations_url: str | None = None
    revocation_poll_seconds: float = 2.0
    # Bounded work per request (kernel.limits): the body a route family accepts (bytes; families per service),
    # the smaller cap for a request without a bearer token, and the rate budgets ("N/second|minute|hour", empty
    # for none): one per verified caller, one per address for writing requests without a token. Budgets are
    # counted in the process unless ``rate_limit_storage`` names a shared store ("async+redis://host:6379",
    # needs the limits[async-redis] extra), which replicas behind one load balancer should share.
    # Peers whose X-Forwarded-For/-Proto is believed (addresses or networks): the console, reverse proxies and
    # ingresses in front of the service. Any other caller is its own address, whatever header it sends: that
    # address is what sign-in throttling and the anonymous rate budget count by.
    trusted_proxies: list[str] = ["127.0.0.1", "::1"]
    max_body_bytes: int = 1024 * 1024
    max_anonymous_body_bytes: int = 64 * 1024
    rate_limit_per_caller: str = "3000/minute"
    rate_limit_anonymous_writes: str = "10/minute"
    rate_limit_storage: str | None = None
    # Browser origins (portal front-ends) allowed to call this service (CORS); none by default. "*" allows any
    # origin, without credentials.
    cors_origins: list[str] = Field(default_factory=list)
    # How long a shared cache may keep a read made without a token (Cache-Control: public, max-age).
    public_max_age_seconds: int = Field(default=60, ge=0)
    db_pool_size: int = 10
    db_max_overflow: int = 20
    # A streaming replica (hot standby) of database_url, e.g. PDR_REGISTRY_READ_DATABASE_URL: reads that
    # tolerate staleness go there (kernel.replicas: which route families, read-your-writes, fallback). PostgreSQL
    # only; ignored with a log line on SQLite. A caller who wrote reads from the primary until the standby has
    # replayed its write, at most read_pin_seconds (kept in rate_limit_storage, shared between replicas when
    # that is Redis); a standby further behind than read_max_lag_seconds, or down, serves nothing.
    read_database_url: str | None = None
    read_max_lag_seconds: float = Field(default=5.0, gt=0)
    read_pin_seconds: float = Field(default=30.0, gt=0)
    read_poll_seconds: float = Field(default=0.25, gt=0)
    log_level: str = "INFO"
    log_json: bool = True
    demo: bool = False
    extra_origins: list[str] = Field(default_factory=list)
    # Seals the private signing keys this service stores (auth's token keys, the registry's certificate key):
    # 32 random bytes, base64url, one per service (PDR_AUTH_KEY_ENCRYPTION_KEY, PDR_REGISTRY_KEY_ENCRYPTION_KEY).
    # Unset, keys are stored as PEM (the embedded default). See kernel.keywrap.
    key_encryption_key: SecretStr | None = None

    @field_validator("key_encryption_key")
    @classmethod
    def _kek_is_32_bytes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_kek(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _pin_outlasts_lag(self) -> ServiceSettings:
        # A pin that expired while the standby was still within its lag bound could expose a stale read.
        if self.read_pin_seconds <= self.read_max_lag_seconds + self.read_poll_seconds:
            raise ValueError("read_pin_seconds must exceed read_max_lag_seconds + read_poll_seconds")
        return self

    @property
    def keywrap(self) -> KeyWrap:
        return KeyWrap(self.key_encryption_key.get_secret_value() if self.key_encryption_key else None)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir, self.service_name)

    @property
    def resolved_jwks_url(self) -> str:
        return self.jwks_url or f"{self.issuer.rstrip('/')}/.well-known/jwks.json"

    @property
    def resolved_revocations_url(self) -> str:
        """Auth's revocation list: where JWKS is fetched from (inside a cluster, auth's own address rather than
        the public issuer) unless set."""
        if self.revocations_url:
            return self.revocations_url
        if self.jwks_url:
            origin = urlsplit(self.jwks_url)
            return urlunsplit((origin.scheme, origin.netloc, "/oauth/revocations", "", ""))
        return f"{self.issuer.rstrip('/')}/oauth/revocations"
