"""Settings of the console process (env ``PDR_CONSOLE_<FIELD>``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ConsoleSettings", "SiteOwner"]


class SiteOwner(BaseModel):
    """The site-owner lines a Chinese government website shows in its footer (政府网站发展指引, 国办发〔2017〕47号;
    ICP filing under 《互联网信息服务管理办法》; public-security filing where the site has one). Empty: not shown."""

    sponsor: str = Field(default="", max_length=200, description="主办单位")
    contact: str = Field(default="", max_length=200, description="联系方式 (telephone, e-mail or address)")
    site_code: str = Field(default="", max_length=40, description="网站标识码")
    icp: str = Field(default="", max_length=60, description="ICP 备案号, e.g. 京ICP备12345678号")
    public_security: str = Field(default="", max_length=60, description="公安备案号 (optional)")
    # Where the filing numbers link to: the filing authorities' public query pages, as the filing rules ask; a
    # site on an intranet without them may point elsewhere, or to "" for the numbers as plain text.
    icp_url: str = Field(default="https://beian.miit.gov.cn/", max_length=300)
    public_security_url: str = Field(default="https://beian.mps.gov.cn/#/query/webSearch?code=", max_length=300)

    @property
    def configured(self) -> bool:
        return any((self.sponsor, self.contact, self.site_code, self.icp, self.public_security))

    @property
    def public_security_link(self) -> str:
        """The query page of the public-security filing: ``public_security_url`` followed by the number's digits."""
        if not self.public_security_url:
            return ""
        return self.public_security_url + "".join(ch for ch in self.public_security if ch.isdigit())


# What `pdr up --demo` shows, marked as demo values so nobody mistakes them for a real filing.
DEMO_SITE_OWNER = SiteOwner(sponsor="某市数据局（演示）", contact="电话 010-12345678（演示）",
                            site_code="0000000000（演示）", icp="京ICP备00000000号（演示）",
                            public_security="京公网安备00000000000000号（演示）")


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
    # The footer's site-owner lines: PDR_CONSOLE_SITE_OWNER='{"sponsor": "…", "icp": "…"}' (JSON). Unset in a demo
    # console: demo values, marked as such.
    site_owner: SiteOwner = SiteOwner()
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    upstream_timeout_seconds: float = 20.0
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _demo_site_owner(self) -> ConsoleSettings:
        if self.demo and not self.site_owner.configured:
            self.site_owner = DEMO_SITE_OWNER
        return self
