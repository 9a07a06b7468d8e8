import pytest

from tests.system import start_system

# Budgets that are charged on every request (their cost is part of what is measured) but never bind: one
# benchmark token makes thousands of requests a second.
CHARGED_NEVER_BINDING = {f"PDR_{service}_RATE_LIMIT_PER_CALLER": "1000000000/minute"
                         for service in ("AUTH", "REGISTRY", "SCORING")}


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    running = start_system(tmp_path_factory.mktemp("perf"), CHARGED_NEVER_BINDING)
    yield running
    running.stop()
