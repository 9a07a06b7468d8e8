from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.kernel.settings import ServiceSettings

__all__ = ["ScoringSettings"]


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PDR_SCORING_", extra="ignore")

    service_name: str = "scoring"
    port: int = 8003
    audience: str = "pdr-scoring"
    # The registry this service reads (REST and change feed), as a machine client with client_credentials.
    registry_url: str = "http://127.0.0.1:8002"
    token_url: str = "http://127.0.0.1:8001/oauth/token"
    client_id: str | None = None
    client_secret: str | None = None
