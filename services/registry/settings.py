from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.kernel.settings import ServiceSettings

__all__ = ["RegistrySettings"]


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PDR_REGISTRY_", extra="ignore")

    service_name: str = "registry"
    port: int = 8002
    audience: str = "pdr-registry"
