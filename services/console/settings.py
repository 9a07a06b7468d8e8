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
    # Encrypts the session cookie (cookie_session.py). Unset: a random key per process (sessions end with a
    # restart; set it for more than one worker or replica).
    session_secret: SecretStr | None = None
    session_max_age_seconds: int = Field(default=8 * 3600, ge=60)
    # A session logged out at one replica ends at every other within about this many seconds: auth's
    # revocation list (GET /oauth/revocations) is polled this often. 0: no background poll (tests refresh it).
    revocation_poll_seconds: float = Field(default=2.0, ge=0)
    # Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (a reverse proxy or ingress in front of the
    # console): the browser's address is what auth throttles sign-ins by.
    trusted_proxies: list[str] = ["127.0.0.1", "::1"]
    # Secure cookies are sent over HTTPS only; browsers also accept them from http://localhost.
    secure_cookies: bool = True
    # A started-by-`pdr up --demo` console lets a registrar name the date of a notice close (the registry
    # honours it only in its own demo mode), to walk a registration past its 10-working-day notice.
    demo: bool = False
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    upstream_timeout_seconds: float = 20.0
    log_level: str = "INFO"
