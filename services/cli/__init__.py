"""The ``pdr`` command: run the system, bootstrap identities, and the operators' tools of each service."""

from __future__ import annotations

from .main import app, main

__all__ = ["app", "main"]
