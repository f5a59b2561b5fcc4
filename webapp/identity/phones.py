"""Chinese mobile numbers, parsed with phonenumbers and stored in E.164 form."""

from __future__ import annotations

import re

import phonenumbers
from flask_babel import lazy_gettext as _l
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from webapp.identity.errors import IdentityError

# phonenumbers reads letters as a keypad spelling ("138CALLME..."); nobody here writes that.
_LETTERS = re.compile(r"[A-Za-z]")


def normalize_mobile(value: str) -> str:
    """Return a mainland Chinese mobile number as E.164 ("+8613812345678"), or raise IdentityError.

    Accepts spaces, hyphens, full-width digits and the +86, 86 and 0086 prefixes. Landlines,
    numbers of other countries or regions (Hong Kong included), service numbers and numbers with
    an extension are rejected: the number must be of type MOBILE, not FIXED_LINE_OR_MOBILE.
    """
    if not isinstance(value, str) or _LETTERS.search(value):
        raise _invalid()
    try:
        number = phonenumbers.parse(value, "CN")
    except NumberParseException:
        raise _invalid() from None
    if not phonenumbers.is_valid_number(number) or number.extension:
        raise _invalid()
    if (
        phonenumbers.region_code_for_number(number) != "CN"
        or phonenumbers.number_type(number) != PhoneNumberType.MOBILE
    ):
        raise IdentityError(
            "phone_not_mobile",
            _l("Please enter a mainland China mobile number (11 digits, starting with 1)."),
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def national_mobile(e164: str) -> str:
    """Return the 11-digit national form ("13812345678") of a Chinese mobile number."""
    return normalize_mobile(e164).removeprefix("+86")


def readable_mobile(e164: str) -> str:
    """A number as people read it out and dial it: "138 1234 5678" (unparseable: as given)."""
    try:
        number = phonenumbers.parse(e164, "CN")
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def _invalid() -> IdentityError:
    """The error for input that is not a phone number at all."""
    return IdentityError(
        "phone_invalid", _l("This is not a valid phone number: please check it again.")
    )
