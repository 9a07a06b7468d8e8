"""OAuth2 errors (RFC 6749 §5.2) rendered as RFC 9457 problems that also carry ``error`` and
``error_description``, so standard OAuth2 client libraries understand them."""

from __future__ import annotations

from services.kernel.problems import Problem

__all__ = ["OAuthError"]


class OAuthError(Problem):
    status = 400

    def __init__(self, error: str, description: str, *, status: int = 400, headers: dict | None = None) -> None:
        super().__init__(description, slug=f"oauth/{error}", title=error.replace("_", " ").capitalize(),
                         headers=headers, error=error, error_description=description)
        self.status = status
