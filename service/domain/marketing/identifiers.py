"""Normalising customer numbers, email addresses and phone numbers before hashing them.

Phones become E.164 with Finland (+358) as the default region: `+...` and `00...` are taken as
international, a leading `0` as a national number. Anything else is not a phone number.
"""

from __future__ import annotations

import re

KINDS = ("customer_number", "email", "phone")
DEFAULT_COUNTRY_CODE = "358"

EMAIL_RE = re.compile(r"^[^\s@]{1,64}@(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
_PHONE_FILLER = re.compile(r"[\s\-().\u00a0/]")
_CUSTOMER_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")


class InvalidIdentifier(ValueError):
    """The value is not a valid identifier of the given kind."""


def normalise_email(raw: str) -> str:
    value = raw.strip().lower()
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise InvalidIdentifier("not an email address")
    return value


def normalise_phone(raw: str, country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    value = _PHONE_FILLER.sub("", raw.strip())
    if value.startswith("+"):
        digits = value[1:]
    elif value.startswith("00"):
        digits = value[2:]
    elif value.startswith("0"):
        digits = country_code + value[1:]
    else:
        raise InvalidIdentifier("a phone number starts with +, 00 or 0")
    if not digits.isdigit() or not digits.isascii() or digits.startswith("0"):
        raise InvalidIdentifier("not a phone number")
    if digits.startswith(country_code) and digits[len(country_code):].startswith("0"):
        digits = country_code + digits[len(country_code) + 1:]  # +358 040 ... -> +358 40 ...
    if not 8 <= len(digits) <= 15:
        raise InvalidIdentifier("a phone number has 8 to 15 digits with its country code")
    return "+" + digits


def normalise_customer_number(raw: str) -> str:
    value = raw.strip().upper()
    if not _CUSTOMER_NUMBER.match(value):
        raise InvalidIdentifier("a customer number is 1-64 letters, digits or . _ / -")
    return value


_NORMALISERS = {
    "email": normalise_email,
    "phone": normalise_phone,
    "customer_number": normalise_customer_number,
}


def normalise(kind: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidIdentifier("an identifier is a string")
    try:
        return _NORMALISERS[kind](raw)
    except KeyError as exc:
        raise InvalidIdentifier(f"unknown identifier kind {kind!r}") from exc


def detect_kind(raw: str) -> str:
    """`@` means email, a leading `+` or `00` a phone number, anything else a customer number."""
    value = raw.strip()
    if "@" in value:
        return "email"
    if value.startswith(("+", "00")):
        return "phone"
    return "customer_number"
