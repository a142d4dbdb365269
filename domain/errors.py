"""Domain errors: the only exceptions the outer layers map to HTTP problems."""


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class Invalid(DomainError):
    """A command was refused because its input breaks a rule; names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.errors = {field: [message]}

    @classmethod
    def many(cls, errors: dict[str, list[str]]) -> "Invalid":
        first = next(iter(errors))
        error = cls(first, errors[first][0])
        error.errors = errors
        return error


class NotFound(DomainError):
    """The record does not exist (or is not visible as such)."""


class Conflict(DomainError):
    """The command does not fit the record's current state, or lost a race."""

    def __init__(self, detail: str, state: str | None = None):
        super().__init__(detail)
        self.state = state


class Forbidden(DomainError):
    """The actor's role or relation to the record does not allow the command."""
