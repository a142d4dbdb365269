"""Shared shapes of API answers: a write's id and position (histories: intake/queries/history.py)."""
from intake.services import Written

POSITION_HEADER = "X-Senim-Position"


def written(result: Written, status: int = 200):
    """The body, status and headers of a write: clients read their own writes by the position."""
    return {"id": result.id, "position": result.position}, status, {POSITION_HEADER: str(result.position)}
