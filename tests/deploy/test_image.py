"""deploy/Dockerfile, checked statically (no container engine here): multi-stage, no build tools in the
final stage, a non-root user, and a command that picks the service."""

from __future__ import annotations

import re

from tests.deploy.manifests import DEPLOY

ROOT = DEPLOY.parent
TEXT = (DEPLOY / "Dockerfile").read_text()


def _stages() -> list[tuple[str, list[str]]]:
    stages: list[tuple[str, list[str]]] = []
    logical = re.sub(r"\\\n\s*", " ", TEXT)  # join continuation lines
    for raw in logical.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def test_image_is_multi_stage_and_the_final_stage_has_no_build_tools():
    stages = _stages()
    assert len(stages) >= 2
    final_from, final = stages[-1]
    assert " AS runtime" in final_from
    runs = " ".join(line for line in final if line.upper().startswith("RUN"))
    assert not re.search(r"build-essential|\bgcc\b|g\+\+|\bmake\b|-dev\b|\bcc\b", runs)
    # Runtime libraries may be installed, without recommends and without leaving package lists behind.
    if "apt-get install" in runs:
        assert "--no-install-recommends" in runs and "rm -rf /var/lib/apt/lists/*" in runs
    assert "build-essential" in " ".join(stages[0][1])  # compilers stay in the builder
    assert any(line.startswith("COPY --from=builder /opt/venv") for line in final)


def test_final_stage_runs_as_a_numeric_non_root_user():
    users = [line.split()[1] for line in _stages()[-1][1] if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0"


def test_the_command_picks_the_service_through_the_pdr_cli():
    final = _stages()[-1][1]
    assert 'ENTRYPOINT ["pdr"]' in final
    assert 'CMD ["serve", "registry"]' in final
    assert "exec python -m services.cli" in " ".join(final)  # python replaces the shell: it receives SIGTERM


def test_copied_sources_exist_and_the_build_context_admits_them():
    for line in _stages()[0][1]:
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert "*" in ignore and {"!pyproject.toml", "!services/", "!migrations/"} <= set(ignore)
