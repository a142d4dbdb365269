"""Phone numbers (or a chat handle) as one canonical text, so one caller matches however it was typed.

A person who writes on Telegram or the web chat may be known by a handle, not a number: "@aigul_k".
It is taken where a number is, checked by its own rule, and kept in lower case so that @Aigul_K and
@aigul_k are one sender (the repeat-caller hash is made from this canonical text)."""
import re

from domain.errors import Reason

# Loose on purpose: what people type (digits, spaces, +, -, parentheses), with enough digits to dial.
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-]+$")
MIN_DIGITS, MAX_DIGITS = 5, 20
HANDLE_PATTERN = re.compile(r"^@[A-Za-z0-9_.]{3,48}$")  # 49 characters: within a phone's 50


def phone_problem(text: str) -> Reason | None:
    """Why the text is neither a phone number nor a chat handle, or None."""
    if (text or "").strip().startswith("@"):
        return None if HANDLE_PATTERN.match(text.strip()) else Reason("phone.handle", low=3, high=48)
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
    if stripped.startswith("@"):
        return stripped.lower()  # a chat handle
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
