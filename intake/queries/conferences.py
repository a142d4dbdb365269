"""Reads of the conferences read model for the caseload (projections/conferences.py): open actions.

The caller waits for its own writes as every read of a projection does (intake/queries/freshness.py,
projection name CONFERENCES); nothing here holds free text: action texts stay in the meeting's events.
"""
from projections.conferences import open_actions

CONFERENCES = "conferences"


def open_actions_by_owner(running, user_id: str | None = None) -> list[dict]:
    """Open conference actions owned by members of staff (by one, given `user_id`), the earliest due first.

    Each: action_id, conference_id, case_id, due_on ("YYYY-MM-DD"), owner_user_id, owner_username,
    held_on (the meeting's day), kind (conference_kinds), carried_from (the action it continues, or None)."""
    with running.views.transaction(write=False) as tx:
        rows = open_actions(tx, owner_user_id=user_id, staff_only=True)
    return [{key: row[key] for key in ("action_id", "conference_id", "case_id", "due_on", "owner_user_id",
                                        "owner_username", "held_on", "kind", "carried_from")} for row in rows]


def open_actions_by_staff(running) -> dict[str, list[dict]]:
    """The same, grouped by the owner's user id."""
    grouped: dict[str, list[dict]] = {}
    for row in open_actions_by_owner(running):
        grouped.setdefault(row["owner_user_id"], []).append(row)
    return grouped
