"""Strict marshmallow fields: wrong types are refused, text is kept verbatim, codes come from reference data."""
import re
from datetime import date, datetime, timezone
from typing import ClassVar

from marshmallow import ValidationError, fields, validate

from domain import reference
from domain.clock import SERVICE_TIMEZONE

# NUL and other C0 control characters (but tab and newlines) have no place in what a person typed.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON can spell half a surrogate pair (\ud800): no character, and it cannot be stored as UTF-8.
LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")


class Text(fields.String):
    """A string kept exactly as sent, limited in length, without control characters."""

    def __init__(self, *, max_length: int = 200, **kwargs):
        super().__init__(validate=validate.Length(max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL_CHARACTERS.search(text):
            raise ValidationError("Contains a control character (such as NUL) that text may not hold.")
        if LONE_SURROGATES.search(text):
            raise ValidationError("Contains an unpaired UTF-16 surrogate, which is not a character.")
        return text


class NonBlankText(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            raise ValidationError("Must not be blank.")
        return text


class StrictInteger(fields.Integer):
    """An integer that is not a bool, a float or a numeric string."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """true or false, nothing that merely looks like one."""

    truthy: ClassVar[set] = {True}
    falsy: ClassVar[set] = {False}

    def _deserialize(self, value, attr, data, **kwargs):
        # 1 == True and 0.0 == False, so the sets above alone would let numbers through.
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


# The days a query may name: any a record can concern, and far enough from the calendar's own edges
# (years 1 and 9999) that a week, a month or a time zone around them never leaves it (OverflowError).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


class Day(fields.Date):
    """A calendar day, YYYY-MM-DD, between EARLIEST_DAY and LATEST_DAY."""

    def __init__(self, **kwargs):
        within = validate.Range(min=EARLIEST_DAY, max=LATEST_DAY, error="Give a day from {min} to {max}.")
        extra = kwargs.pop("validate", None)
        validators = [within] + (list(extra) if isinstance(extra, (list, tuple)) else [extra] if extra else [])
        super().__init__(validate=validators, **kwargs)


class Moment(fields.AwareDateTime):
    """ISO 8601; a naive time is read in the service's time zone; stored in UTC."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", default_timezone=SERVICE_TIMEZONE, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            # Year 1 or 9999 with an offset falls outside what a datetime can hold in UTC.
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime):
            value = value.astimezone(timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


def Code(list_name: str, **kwargs) -> fields.String:  # capitalised: it reads as a field type
    """A code from one of the reference lists."""
    metadata = {"description": f"A code from GET /api/v1/reference → {list_name}.", **kwargs.pop("metadata", {})}
    return fields.String(validate=validate.OneOf(reference.codes(list_name)), metadata=metadata, **kwargs)


class CodeList(fields.List):
    """Unique codes from one reference list; an object of booleans is accepted too."""

    def __init__(self, list_name: str, **kwargs):
        super().__init__(Code(list_name), validate=validate.Length(max=50), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            # {"weapon": true, "immediate_danger": false} means the flags that are true.
            if not all(isinstance(flag, bool) for flag in value.values()):
                raise ValidationError("Use a list of codes, or an object of true/false per code.")
            value = [code for code, is_set in value.items() if is_set]
        codes = super()._deserialize(value, attr, data, **kwargs)
        return list(dict.fromkeys(codes))
