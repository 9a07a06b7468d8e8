from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kernel.settings import ServiceSettings

__all__ = ["ScoringSettings"]

# Where each registry record kind is read (GET <path>/<id>, and the keyset-paginated list at <path>).
REGISTRY_PATHS = {
    "resource": "/resources", "product": "/products", "registration": "/registrations",
    "agreement": "/agreements", "annual_report": "/reports", "compliance_record": "/compliance/records",
}
# The ledger's subject_type of a feed event → the record kind it changes (others are ignored). Price records
# are ledgered on their product, and read with it (see mirror/gateway.py, companions).
FEED_KINDS = {k: k for k in REGISTRY_PATHS}


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
    registry_audience: str = "pdr-registry"
    registry_scopes: str = "registry:read registry:feed"
    registry_paths: dict[str, str] = Field(default_factory=lambda: dict(REGISTRY_PATHS))
    feed_kinds: dict[str, str] = Field(default_factory=lambda: dict(FEED_KINDS))
    # Seconds between feed polls; 0 turns the background consumer off (tests sync explicitly).
    feed_poll_seconds: float = 5.0
    feed_page_size: int = 500
