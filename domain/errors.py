"""Domain errors: the only exceptions the outer layers map to HTTP problems.

A refusal is a code and its parameters, never a sentence: `Invalid("caller.name", "text.too_long",
limit=200)`, `Conflict("referral.already_claimed", name="aliya", state="claimed")`. The API says it
in English from the one catalogue (domain/messages.py), so problem+json `detail` and `errors` read as
they always did, with the code beside them; the web says the same code in the page's language
(intake/web/refusals.py). A code the catalogue does not know fails where it is raised.
"""
from typing import Self

from domain.messages import english


class Reason(str):
    """One refusal of one value: its code and parameters, and, as the string itself, its English.

    A string, so that whatever reads refusals as text (the API's `errors`, marshmallow, the tests)
    reads the English sentence; the web reads `code` and `params`.
    """

    code: str
    params: dict

    def __new__(cls, code: str, /, **params) -> Self:
        reason = super().__new__(cls, english(code, params))
        reason.code, reason.params = code, params
        return reason

    def __getnewargs_ex__(self):  # copies and pickles are made from the code, not the sentence
        return (self.code,), self.params


def as_reason(message) -> Reason:
    """A refusal given as a bare sentence (only fakes in tests do that) keeps its text under a general code."""
    return message if isinstance(message, Reason) else Reason("value.refused", text=str(message))


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, code: str, /, **params):
        self.reason = Reason(code, **params)
        super().__init__(str(self.reason))

    @property
    def code(self) -> str:
        return self.reason.code

    @property
    def params(self) -> dict:
        return self.reason.params

    @property
    def detail(self) -> str:
        """The English sentence (the API's problem+json `detail`)."""
        return str(self.args[0])


class Invalid(DomainError):
    """A command was refused because its input breaks a rule; names the field."""

    def __init__(self, field: str, code: str, /, **params):
        self._refuse({field: [Reason(code, **params)]})

    @classmethod
    def many(cls, reasons: dict[str, list[Reason]]) -> "Invalid":
        """Every field's refusals at once, the first field's first one being the error's own code."""
        error = cls.__new__(cls)
        error._refuse({field: [as_reason(reason) for reason in field_reasons]
                       for field, field_reasons in reasons.items()})
        return error

    def _refuse(self, reasons: dict[str, list[Reason]]) -> None:
        self.reasons = reasons
        field, field_reasons = next(iter(reasons.items()))
        self.reason = field_reasons[0]
        Exception.__init__(self, f"{field}: {self.reason}")

    @property
    def errors(self) -> dict[str, list[str]]:
        """{field: [English sentences]}: the API's problem+json `errors`."""
        return {field: [str(reason) for reason in reasons] for field, reasons in self.reasons.items()}

    @property
    def codes(self) -> dict[str, list[str]]:
        """{field: [codes]}, beside `errors`."""
        return {field: [reason.code for reason in reasons] for field, reasons in self.reasons.items()}


class NotFound(DomainError):
    """The record does not exist (or is not visible as such)."""


class Conflict(DomainError):
    """The command does not fit the record's current state, or lost a race."""

    def __init__(self, code: str, /, *, state: str | None = None, **params):
        super().__init__(code, **params)
        self.state = state


class Forbidden(DomainError):
    """The actor's role or relation to the record does not allow the command."""
