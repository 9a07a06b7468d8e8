import secrets

import pytest

from tests.system import start_system


@pytest.fixture(scope="package")
def system(tmp_path_factory):
    """The three services as real uvicorn processes on free ports, over fresh real databases; auth and the
    registry seal their private signing keys, as in production (deploy/k8s)."""
    running = start_system(tmp_path_factory.mktemp("e2e"), {
        "PDR_AUTH_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "PDR_REGISTRY_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(32),
    })
    yield running
    running.stop()
