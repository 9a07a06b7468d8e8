"""The routers of registration, in the order they are mounted (public ones need no login)."""

from __future__ import annotations

from .calendar_routes import calendar_router
from .public_routes import public_router
from .routes import registration_router
from .subject_routes import subject_router

__all__ = ["routers"]

routers = [subject_router, registration_router, public_router, calendar_router]
