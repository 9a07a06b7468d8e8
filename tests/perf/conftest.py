import pytest

from tests.system import start_system


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    running = start_system(tmp_path_factory.mktemp("perf"))
    yield running
    running.stop()
