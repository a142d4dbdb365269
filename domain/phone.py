"""Phone numbers as one canonical text, so one caller's number matches however it was typed."""
import re

from domain.errors import Reason

# Loose on purpose: what people type (digits, spaces, +, -, parentheses), with enough digits to dial.
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-]+$")
MIN_DIGITS, MAX_DIGITS = 5, 20


def phone_problem(text: str) -> Reason | None:
    """Why the text is not a phone number, or None."""
    if not PHONE_PATTERN.match(text or ""):
        return Reason("phone.characters")
    digits = sum(character.isdigit() for character in text)
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        return Reason("phone.digits", low=MIN_DIGITS, high=MAX_DIGITS)
    return None


def normalise_phone(text: str) -> str:
    """Digits only; a Kazakh number in any national or international spelling becomes +7 and ten digits.

    8 701 123 45 67, +7 (701) 123-45-67, 77011234567 and 701 123 4567 are all +77011234567.
    Other numbers keep their digits (after a leading + or 00, with a +).
    """
    stripped = text.strip()
    digits = "".join(character for character in stripped if character.isdigit())
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "7" and not stripped.startswith(("+", "00")):
        return "+7" + digits  # Kazakh national numbers (70x, 74x, 77x mobiles; 7xx area codes)
    if stripped.startswith("+"):
        return "+" + digits
    if stripped.startswith("00"):
        return "+" + digits[2:]
    return digits
