"""The registration state machine (DOMAIN §1, Art. 8: apply → accept → formal review → public notice → code).

    submitted ──accept──▶ under_review ──approve──▶ in_notice ──close_notice──▶ registered
      │  ▲                    │                        │                          │
    return resubmit         refuse            uphold_objection             revoke / expire /
      ▼  │                    ▼                        ▼                   supersede / cancel
    returned ──withdraw──▶ withdrawn          refused   terminated
      (submitted ──refuse──▶ refused; submitted ──withdraw──▶ withdrawn)

Which steps a type goes through is data (``STEPS_BY_TYPE``): a first or change registration is publicly
noticed; a correction or renewal is coded after formal review; a cancellation is processed (``completed``)
after acceptance within 10 working days (Art. 9(4)). Anything else is a 409 naming the current state.
"""

from __future__ import annotations

from services.kernel.problems import IllegalTransition

__all__ = [
    "ACTIONS",
    "IN_FORCE",
    "OPEN_STATES",
    "REGISTRATION_TYPES",
    "STATES",
    "STEPS_BY_TYPE",
    "next_state",
]

REGISTRATION_TYPES = ("first", "change", "correction", "cancellation", "renewal")
STATES = (
    "submitted", "returned", "refused", "withdrawn", "under_review", "in_notice", "terminated",
    "registered", "completed", "superseded", "cancelled", "revoked", "expired",
)
OPEN_STATES = frozenset({"submitted", "returned", "under_review", "in_notice"})
IN_FORCE = "registered"

# Steps after acceptance, by type. "notice": publicly noticed before coding; "complete": what approval yields.
STEPS_BY_TYPE: dict[str, dict[str, object]] = {
    "first": {"notice": True, "complete": "registered"},
    "change": {"notice": True, "complete": "registered"},
    "correction": {"notice": False, "complete": "registered"},
    "renewal": {"notice": False, "complete": "registered"},
    "cancellation": {"notice": False, "complete": "completed"},
}

# action -> (states it may start from, resulting state); "approve" is resolved by type below.
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"submitted"}), "under_review"),
    "return": (frozenset({"submitted"}), "returned"),
    "resubmit": (frozenset({"returned"}), "submitted"),
    "refuse": (frozenset({"submitted", "under_review"}), "refused"),
    "withdraw": (frozenset({"submitted", "returned"}), "withdrawn"),
    "approve": (frozenset({"under_review"}), "in_notice"),
    "close_notice": (frozenset({"in_notice"}), "registered"),
    "uphold_objection": (frozenset({"in_notice"}), "terminated"),
    "revoke": (frozenset({"registered"}), "revoked"),
    "expire": (frozenset({"registered"}), "expired"),
    "supersede": (frozenset({"registered"}), "superseded"),
    "cancel": (frozenset({"registered"}), "cancelled"),
}


def next_state(action: str, state: str, registration_type: str) -> str:
    """The state ``action`` leads to from ``state``; 409 problem naming ``state`` when it is not allowed."""
    allowed, target = ACTIONS[action]
    if state not in allowed:
        raise IllegalTransition(
            f"Cannot {action.replace('_', ' ')} a registration that is {state.replace('_', ' ')}.",
            current_state=state, action=action, allowed_from=sorted(allowed),
        )
    if action == "approve":
        steps = STEPS_BY_TYPE[registration_type]
        return "in_notice" if steps["notice"] else str(steps["complete"])
    return target
