"""The state machine as a table (DOMAIN §1, Art. 8): every action from every state is either allowed or a 409."""

from __future__ import annotations

import pytest

from services.kernel.problems import Conflict
from services.registry.registration.workflow import ACTIONS, REGISTRATION_TYPES, STATES, next_state


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_is_allowed_only_from_its_states_and_otherwise_names_the_current_state(action):
    allowed, _ = ACTIONS[action]
    for state in STATES:
        if state in allowed:
            assert next_state(action, state, "first") in STATES
        else:
            with pytest.raises(Conflict) as caught:
                next_state(action, state, "first")
            assert caught.value.extensions["current_state"] == state


def test_first_and_change_registrations_go_to_public_notice_others_complete_after_review():
    assert {t: next_state("approve", "under_review", t) for t in REGISTRATION_TYPES} == {
        "first": "in_notice", "change": "in_notice", "correction": "registered", "renewal": "registered",
        "cancellation": "completed"}


def test_final_states_allow_nothing():
    for state in ("refused", "withdrawn", "terminated", "completed", "superseded", "cancelled", "revoked",
                  "expired"):
        assert not [a for a, (allowed, _) in ACTIONS.items() if state in allowed]


def test_an_upheld_objection_terminates_only_during_notice():
    assert next_state("uphold_objection", "in_notice", "first") == "terminated"
    with pytest.raises(Conflict):
        next_state("uphold_objection", "registered", "first")
