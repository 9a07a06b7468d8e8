from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.kernel.settings import ServiceSettings

__all__ = ["RegistrySettings"]


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PDR_REGISTRY_", extra="ignore")

    service_name: str = "registry"
    port: int = 8002
    audience: str = "pdr-registry"
    # Upper bound on a long poll of /events (a request may ask for less). Proxies in front usually cut idle
    # requests at 60 s; lower it behind a stricter one.
    feed_max_wait_seconds: float = 60.0
