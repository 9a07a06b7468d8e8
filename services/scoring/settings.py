from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.kernel.settings import ServiceSettings

__all__ = ["ScoringSettings"]


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PDR_SCORING_", extra="ignore")

    service_name: str = "scoring"
    port: int = 8003
    audience: str = "pdr-scoring"
    # The registry this service reads (its change feed), as a machine client with client_credentials.
    registry_url: str = "http://127.0.0.1:8002"
    token_url: str = "http://127.0.0.1:8001/oauth/token"  # noqa: S105 (a URL, not a secret)
    client_id: str | None = None
    client_secret: str | None = None
    registry_audience: str = "pdr-registry"
    # The feed with its records is all scoring reads (services/scoring/contract.py).
    registry_scopes: str = "registry:feed"
    # auth's organization directory (names and regions of evaluated organizations); default: the token URL's
    # service. Read with scope orgs:read, kept directory_ttl_seconds.
    auth_url: str | None = None
    directory_ttl_seconds: float = 60.0

    @property
    def directory_url(self) -> str:
        return self.auth_url or self.token_url.removesuffix("/oauth/token")
    # Seconds between feed polls; 0 turns the background consumer off (tests sync explicitly).
    feed_poll_seconds: float = 5.0
    feed_page_size: int = 500
