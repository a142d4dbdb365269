"""Who did something: every event carries its actor, so the event log is the audit trail."""
from dataclasses import dataclass

STAFF_ROLES = ("consultant", "psychologist", "supervisor", "admin")
# Staff who work with callers and their records: record contacts, assess, refer, work on cases and
# look callers up. Admins manage accounts and read no case content.
CASEWORK_ROLES = ("consultant", "psychologist", "supervisor")
SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    username: str
    role: str

    def as_dict(self) -> dict:
        return {"user_id": self.user_id, "username": self.username, "role": self.role}

    @classmethod
    def system(cls, name: str) -> "Actor":
        """An actor for commands run from the command line or by a worker, not by a signed-in user."""
        return cls(user_id=None, username=name, role=SYSTEM_ROLE)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


def same_person(recorded: dict | None, actor: Actor) -> bool:
    """Compares by user id when both sides have one, otherwise by username."""
    if not recorded:
        return False
    if recorded.get("user_id") and actor.user_id:
        return recorded["user_id"] == actor.user_id
    return recorded.get("username") == actor.username
