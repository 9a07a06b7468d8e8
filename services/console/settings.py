"""Settings of the console process (env ``PDR_CONSOLE_<FIELD>``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ConsoleSettings"]


class ConsoleSettings(BaseSettings):
    """Where the three APIs live and how the browser session is kept. The console has no database."""

    model_config = SettingsConfigDict(env_prefix="PDR_CONSOLE_", extra="ignore")

    service_name: str = "console"
    host: str = "127.0.0.1"
    port: int = 8004
    auth_url: str = "http://127.0.0.1:8001"
    registry_url: str = "http://127.0.0.1:8002"
    scoring_url: str = "http://127.0.0.1:8003"
    # Signs the session cookie. Unset: a random key per process (sessions end with a restart; set it for
    # more than one worker or replica).
    session_secret: SecretStr | None = None
    session_max_age_seconds: int = Field(default=8 * 3600, ge=60)
    # Secure cookies are sent over HTTPS only; browsers also accept them from http://localhost.
    secure_cookies: bool = True
    # A started-by-`pdr up --demo` console lets a registrar name the date of a notice close (the registry
    # honours it only in its own demo mode), to walk a registration past its 10-working-day notice.
    demo: bool = False
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    upstream_timeout_seconds: float = 20.0
    log_level: str = "INFO"
