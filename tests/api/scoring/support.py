"""Helpers of the scoring API tests."""

from __future__ import annotations

__all__ = ["evaluate", "sync", "sync_all"]


async def sync(scoring_client, headers) -> dict:
    response = await scoring_client.post("/sync", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def sync_all(scoring_client, headers) -> dict:
    """Pull feed pages until one changes nothing new (the registry's feed is drained)."""
    last = None
    for _ in range(200):
        state = await sync(scoring_client, headers)
        assert state["last_error"] is None, state
        if last is not None and state["cursor"] == last:
            return state
        last = state["cursor"]
    raise AssertionError("the feed never drained")


async def evaluate(scoring_client, headers, subject_ids: list[str], period: str,
                   subject_kind: str = "organization") -> dict:
    response = await scoring_client.post("/evaluation-runs", headers=headers, json={
        "subject_kind": subject_kind, "subject_ids": subject_ids, "period": period})
    assert response.status_code == 201, response.text
    return response.json()
