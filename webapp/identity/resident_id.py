"""Resident ID numbers (居民身份证号码, GB 11643-1999, check digit ISO 7064 MOD 11-2).

An 18-character number: a 6-digit address code (GB/T 2260), the 8-digit birth date, a 3-digit
sequence whose last digit is odd for men and even for women, and a check character (0-9 or X).

We take compaction, the check digit and the birth date from python-stdnum's `cn.ric`, but we do
not call `cn.ric.validate()`, for two reasons found by reading and running python-stdnum 2.2:

* it accepts any calendar date, including birth dates in the future and before 1900, and it has
  no notion of age, so the rules of this product (birth date not in the future, not before 1900,
  legal working age 16, plausible maximum age) are added here;
* it checks the birth place against its own snapshot of the GB/T 2260 county codes and rejects a
  number whose county code was created after the birth year. The address code is the one in force
  when the number was first issued, often years after birth, so it rejects real numbers: every
  浦东新区 (310115, created 1993) number of a person born before 1993, every 房山区 (110111,
  1986) number of a person born before 1986, every 港澳居民居住证 number (810000 is dated
  [1997-], 820000 [1999-]) of a holder born earlier, and every 台湾居民居住证 number (830000 is
  not in its data at all). Rejecting a real worker's number blocks registration, so we only
  require the first two digits to be a province-level code that appears on issued numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from webapp.identity.errors import IdentityError

# Province-level codes of GB/T 2260 that appear on issued numbers, plus 81/82/83, the address
# codes of 港澳台居民居住证 numbers (same format, valid for work). 71 (台湾省) is left out: no
# number is issued with it (Taiwan residents' permits use 83).
PROVINCE_CODES = frozenset(
    {
        *("11", "12", "13", "14", "15"),  # 华北
        *("21", "22", "23"),  # 东北
        *("31", "32", "33", "34", "35", "36", "37"),  # 华东
        *("41", "42", "43", "44", "45", "46"),  # 中南
        *("50", "51", "52", "53", "54"),  # 西南
        *("61", "62", "63", "64", "65"),  # 西北
        *("81", "82", "83"),  # 港澳台居民居住证
    }
)
EARLIEST_BIRTH = date(1900, 1, 1)
LEGAL_WORKING_AGE = 16

_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_OLD_NUMBER = re.compile(r"[0-9]{15}")
_FIRST17 = re.compile(r"[0-9]{17}")
_REGION = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class ResidentId:
    """A parsed, valid resident ID number (the number itself is kept out of repr)."""

    number: str = field(repr=False)
    birth_date: date
    sex: str  # 'M' or 'F'
    region_code: str  # 户籍地 address code: the first six digits

    def age_on(self, day: date) -> int:
        """Return the age in full years (周岁) on `day`."""
        return full_years(self.birth_date, day)


def full_years(birth_date: date, on: date) -> int:
    """Return the number of full years (周岁) from `birth_date` to `on`."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def resident_id_check_digit(first17: str) -> str:
    """Return the MOD 11-2 check character ('0'-'9' or 'X') for the first 17 digits."""
    if not isinstance(first17, str) or not _FIRST17.fullmatch(first17):
        raise ValueError("first17 must be 17 ASCII digits")
    # stdnum's calc_check_digit takes the whole number and ignores its last character.
    return ric.calc_check_digit(first17 + "0")


def parse_resident_id(
    value: str, *, today: date | None = None, min_age: int = LEGAL_WORKING_AGE, max_age: int = 120
) -> ResidentId:
    """Validate an ID number and return its parts; raise IdentityError with a specific code."""
    number = _compact(value)
    if _OLD_NUMBER.fullmatch(number):
        raise IdentityError(
            "id_length",
            _l(
                "This is an old 15-digit ID number. "
                "Please enter the 18-digit number on your current ID card."
            ),
        )
    if len(number) != 18:
        raise IdentityError(
            "id_length", _l("An ID number has 18 characters: please check it again.")
        )
    if not _NUMBER.fullmatch(number):
        raise IdentityError(
            "id_format",
            _l("An ID number is 17 digits, then a digit or the letter X: please check it again."),
        )
    if number[-1] != ric.calc_check_digit(number):
        raise IdentityError(
            "id_checksum", _l("The ID number's last digit does not match: please check it again.")
        )
    if number[:2] not in PROVINCE_CODES:
        raise IdentityError(
            "id_region",
            _l("The ID number does not start with a valid province code: please check it again."),
        )
    try:
        birth_date = ric.get_birth_date(number)
    except ValidationError:
        birth_date = None
    if birth_date is None or birth_date < EARLIEST_BIRTH:
        raise IdentityError(
            "id_birth_date",
            _l("The birth date in the ID number is not possible: please check it again."),
        )
    today = today or date.today()
    if birth_date > today:
        raise IdentityError(
            "id_future_birth",
            _l("The birth date in the ID number is in the future: please check it again."),
        )
    age = full_years(birth_date, today)
    if age < min_age:
        raise IdentityError(
            "id_too_young", _l("You must be at least %(age)s years old to register.", age=min_age)
        )
    if age > max_age:
        raise IdentityError(
            "id_too_old",
            _l(
                "The ID number gives an age over %(age)s years: please check it again.",
                age=max_age,
            ),
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, birth_date=birth_date, sex=sex, region_code=number[:6])


def is_valid_resident_id(value: str, **kw: object) -> bool:
    """Return True if parse_resident_id(value, **kw) succeeds."""
    try:
        parse_resident_id(value, **kw)
    except IdentityError:
        return False
    return True


def synthesize_resident_id(region_code: str, birth_date: date, sequence: int, sex: str) -> str:
    """Build a checksum-valid synthetic number for demo data and tests.

    `sequence` (0..99) gives digits 15-16; the sex digit is 2 * (sequence % 5), plus 1 for 'M',
    so different sequences also vary it. A synthetic number can coincide with a real person's:
    use it only in demo and test data.
    """
    if not isinstance(region_code, str) or not _REGION.fullmatch(region_code):
        raise ValueError("region_code must be 6 ASCII digits")
    if not 0 <= sequence <= 99:
        raise ValueError("sequence must be in 0..99")
    if sex not in ("M", "F"):
        raise ValueError("sex must be 'M' or 'F'")
    sex_digit = 2 * (sequence % 5) + (1 if sex == "M" else 0)
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:02d}{sex_digit}"
    return first17 + resident_id_check_digit(first17)


def age_band(birth_date: date, on: date) -> str:
    """Return the 求人倍率 age group on `on`: "16-24", "25-34", "35-44", "45-59", "60+" or "<16"."""
    age = full_years(birth_date, on)
    for upper, band in ((15, "<16"), (24, "16-24"), (34, "25-34"), (44, "35-44"), (59, "45-59")):
        if age <= upper:
            return band
    return "60+"


def _compact(value: str) -> str:
    """NFKC (full-width digits to ASCII), drop all whitespace, upper-case."""
    if not isinstance(value, str):
        raise IdentityError("id_format", _l("Please enter the ID number as text."))
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()
