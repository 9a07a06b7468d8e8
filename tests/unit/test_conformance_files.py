"""The third-party conformance data the tests read lives in the repository (tests/conformance/), unchanged from
where it was taken: a clone of the repository alone runs every test (issue 14)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[1] / "conformance"
SUITES = sorted(p.parent for p in CONFORMANCE.glob("*/SHA256SUMS"))


def test_there_is_a_conformance_suite():
    assert [p.name for p in SUITES] == ["dcat-ap-3.0.0"]


@pytest.mark.parametrize("suite", SUITES, ids=lambda p: p.name)
def test_each_vendored_file_is_as_taken_and_has_a_notice(suite):
    listed = {}
    for line in (suite / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    data = {p.name for p in suite.iterdir()} - {"SHA256SUMS", "NOTICE.md"}
    assert data == set(listed), "every data file is listed in SHA256SUMS, and every listed file is there"
    for name, digest in listed.items():
        assert hashlib.sha256((suite / name).read_bytes()).hexdigest() == digest, name
    assert (suite / "NOTICE.md").is_file()


def test_no_test_reads_beside_the_repository():
    tests = Path(__file__).resolve().parents[1]
    outside = ['"..", "shared"', '/ ".." /', "../shared", "/work/shared"]
    offenders = [str(p.relative_to(tests)) for p in tests.rglob("*.py")
                 if p.name != Path(__file__).name and any(o in p.read_text("utf-8") for o in outside)]
    assert offenders == []
