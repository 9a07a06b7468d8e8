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
    # Uploaded catalogues are parsed in worker processes (catalog/parsing.py, kernel/worker.py): how many, the
    # address space of each (its interpreter and imports take about 180 MiB of it), and the CPU time of one
    # parse, its wall clock 2 s more. The largest accepted files (200,000 rows) parse in 5-40 s.
    import_workers: int = 1
    import_worker_memory_mb: int = 1024
    import_parse_seconds: float = 120.0
    # The console's public address: the DCAT-AP export names its pages as each record's dcat:landingPage (the
    # public lookup of a query code), and a browser asking for a record's IRI is sent there (303).
    console_url: str = "http://127.0.0.1:8004"
