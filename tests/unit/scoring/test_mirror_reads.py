"""Bulk reads of the mirror hold the garbage collector off only for the block that builds their records."""

import gc

import pytest

from services.scoring.mirror.reads import collector_paused, typed


def test_the_collector_runs_again_after_the_block_even_when_it_fails():
    assert gc.isenabled()
    with pytest.raises(ValueError, match="outside the contract"), collector_paused():  # noqa: PT012 (the block is the case)
        assert not gc.isenabled()
        raise ValueError("a payload outside the contract")
    assert gc.isenabled()


def test_a_nested_pause_leaves_the_outer_one_in_force():
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_payloads_are_validated_from_their_json_text():
    [finding] = typed([("compliance_record", ('{"id": "c1", "rule_id": "R", "severity": "hard", "subject_type": '
                                              '"product", "subject_id": "p1", "org_id": "o", "status": "open", '
                                              '"detected_at": "2026-03-01T08:00:00+08:00", "resolved_at": null, '
                                              '"waived_at": null}'))])
    assert finding.about == "p1" and finding.detected_at.isoformat() == "2026-03-01T00:00:00+00:00"
