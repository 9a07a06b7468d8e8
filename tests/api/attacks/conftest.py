"""The registration helpers (movable clock, minted identities, workflow walk) for the attack suite."""

from tests.api.registration.conftest import clock, flow, mint  # noqa: F401  (pytest fixtures)
