import pytest

from tests.system import start_system


@pytest.fixture(scope="package")
def system(tmp_path_factory):
    """The three services as real uvicorn processes on free ports, over fresh real databases."""
    running = start_system(tmp_path_factory.mktemp("e2e"))
    yield running
    running.stop()
