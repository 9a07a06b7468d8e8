from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.kernel.settings import ServiceSettings

__all__ = ["ScoringSettings"]


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PDR_SCORING_", extra="ignore")

    service_name: str = "scoring"
    port: int = 8003
    audience: str = "pdr-scoring"
