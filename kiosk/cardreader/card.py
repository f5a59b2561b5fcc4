"""Second-generation ID card data: the vendor bridge's JSON, checks, and the card photo.

The reader's local bridge (reference/faces.md) answers `GET /readcard` with flat JSON. This module
turns that JSON into `CardData` (raising only `CardReadError`, whatever the input), checks a card
against the product's rules (`validate_card`, raising `CardRejected`), and re-encodes the card
photo as JPEG for the face check. User-facing messages are lazy English msgids.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from flask_babel import lazy_gettext as _l
from PIL import Image

from webapp.identity import IdentityError, ResidentId, parse_resident_id

PHOTO_MAX_BYTES = 200 * 1024
PHOTO_MAX_SIZE = (400, 500)  # width, height; the chip's photo is 102x126
PHOTO_FORMATS = frozenset({"BMP", "JPEG"})
LONG_TERM = "长期"
SEXES = {"男": "M", "女": "F"}
_SEX_CODES = {"1": "男", "2": "女"}  # GB/T 2261.1, which some bridges send instead of the name
_DATE = re.compile(r"[0-9]{8}")
_FLAG = re.compile(r"-?[0-9]{1,6}")
_ID_CHARS = re.compile(r"[0-9A-Za-z]{1,32}")
_TEXT_LIMITS = {"partyName": 64, "nation": 20, "certAddress": 200, "certOrg": 80}

# Vendor result flags. They differ between vendors; these are the ones the simulator speaks and the
# common bridges use. Any other non-zero flag is a read failure.
FLAG_OK = 0
FLAG_NO_DEVICE = -1  # 设备未连接
FLAG_NO_CARD = -2  # 寻卡失败: no card on the reader (or not lifted since the last read)
FLAG_SELECT_FAILED = -3  # 选卡失败: card not placed flat, treated as no card
FLAG_READ_FAILED = -11  # 读卡失败
NO_CARD_FLAGS = frozenset({FLAG_NO_CARD, FLAG_SELECT_FAILED})

MSG_NO_CARD = _l("Please place your ID card on the reader.")
MSG_READ_FAILED = _l(
    "The card could not be read. Please lift it and place it flat on the reader again."
)
MSG_NO_DEVICE = _l("The card reader is not responding. Please ask the staff for help.")
MSG_BAD_FIELD = _l(
    "The card could not be read correctly. Please lift it and place it on the reader again. "
    "If this keeps happening, please ask the staff."
)
MSG_BAD_PHOTO = _l(
    "The photo on the card could not be read. Please lift the card and try again, or ask the staff."
)


class CardReadError(ValueError):
    """The reader gave no usable card: `code` is no_card, read_failed, bad_field, bad_photo, ...

    `message` is a lazy translatable string for the person at the kiosk; `detail` is a short
    technical note for logs (never card data).
    """

    def __init__(self, code: str, message: object, detail: str = "") -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        """Return the message in the current locale."""
        return str(self.message)


class CardRejected(ValueError):
    """A card that was read but may not be used here (expired, under 16, inconsistent, ...)."""

    def __init__(self, code: str, message: object) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        """Return the message in the current locale."""
        return str(self.message)


@dataclass(frozen=True)
class CardData:
    """What the chip of a second-generation ID card holds (personal fields kept out of repr)."""

    name: str
    sex: str  # '男' or '女', as printed on the card
    nation: str
    birth_date: date
    address: str = field(repr=False)
    id_number: str = field(repr=False)
    issuer: str
    valid_from: date
    valid_until: date | None  # None for 长期
    photo: bytes | None = field(repr=False, default=None)


@dataclass(frozen=True)
class CheckedCard:
    """A card that passed `validate_card`, with the parsed ID number and the holder's age."""

    card: CardData
    resident_id: ResidentId
    age: int
    is_minor: bool  # 16-17: may not take heavy or hazardous gigs


def parse_bridge_payload(payload: Mapping) -> CardData:
    """Turn the bridge's flat JSON into CardData; raise CardReadError for anything else."""
    if not isinstance(payload, Mapping):
        raise CardReadError("bad_field", MSG_BAD_FIELD, "payload is not an object")
    flag = _result_flag(payload.get("resultFlag"))
    if flag != FLAG_OK:
        raise _flag_error(flag)
    id_number = _text(payload, "certNumber", 32).upper()
    if not _ID_CHARS.fullmatch(id_number):
        raise CardReadError("bad_field", MSG_BAD_FIELD, "certNumber")
    valid_from = _date(payload, "effDate")
    valid_until = None if _raw_text(payload, "expDate") == LONG_TERM else _date(payload, "expDate")
    if valid_until is not None and valid_until < valid_from:
        raise CardReadError("bad_field", MSG_BAD_FIELD, "expDate before effDate")
    return CardData(
        name=_text(payload, "partyName"),
        sex=_sex(payload),
        nation=_text(payload, "nation"),
        birth_date=_date(payload, "bornDay"),
        address=_text(payload, "certAddress"),
        id_number=id_number,
        issuer=_text(payload, "certOrg"),
        valid_from=valid_from,
        valid_until=valid_until,
        photo=_photo(payload.get("identityPic")),
    )


def validate_card(
    card: CardData, *, today: date, min_age: int = 16, adult_age: int = 18
) -> CheckedCard:
    """Check a card against the product's rules; raise CardRejected with a kind message."""
    try:
        resident_id = parse_resident_id(card.id_number, today=today, min_age=0)
    except IdentityError as err:
        raise CardRejected(
            err.code,
            _l(
                "The ID number on this card could not be verified. "
                "Please go to the counter: the staff can help you."
            ),
        ) from None
    if resident_id.birth_date != card.birth_date:
        raise CardRejected(
            "birth_mismatch",
            _l(
                "The birth date on this card does not match its ID number. "
                "Please go to the counter: the staff can help you."
            ),
        )
    if SEXES.get(card.sex) != resident_id.sex:
        raise CardRejected(
            "sex_mismatch",
            _l(
                "The sex on this card does not match its ID number. "
                "Please go to the counter: the staff can help you."
            ),
        )
    age = resident_id.age_on(today)
    if age < min_age:
        raise CardRejected(
            "under_16",
            _l(
                "Thank you for coming. You need to be %(age)s or older to work, so the station "
                "cannot register you yet. We look forward to seeing you when you are %(age)s.",
                age=min_age,
            ),
        )
    if card.valid_from > today:
        raise CardRejected(
            "not_yet_valid",
            _l("This ID card is not valid yet. Please go to the counter: the staff can help you."),
        )
    if card.valid_until is not None and card.valid_until < today:
        raise CardRejected(
            "expired",
            _l(
                "This ID card has expired. Please go to the counter: the staff can help you "
                "register another way."
            ),
        )
    return CheckedCard(card=card, resident_id=resident_id, age=age, is_minor=age < adult_age)


def photo_as_jpeg(card: CardData, *, quality: int = 90) -> bytes | None:
    """The card photo re-encoded as JPEG in memory (None if the card has no photo)."""
    if card.photo is None:
        return None
    image = _open_photo(card.photo)
    out = BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _flag_error(flag: int) -> CardReadError:
    """The CardReadError for a non-zero vendor result flag."""
    if flag in NO_CARD_FLAGS:
        return CardReadError("no_card", MSG_NO_CARD, f"resultFlag {flag}")
    if flag == FLAG_NO_DEVICE:
        return CardReadError("read_failed", MSG_NO_DEVICE, f"resultFlag {flag}")
    return CardReadError("read_failed", MSG_READ_FAILED, f"resultFlag {flag}")


def _result_flag(value: object) -> int:
    """The result flag as an int (some bridges send it as a string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _FLAG.fullmatch(value.strip()):
        return int(value.strip())
    raise CardReadError("bad_field", MSG_BAD_FIELD, "resultFlag")


def _raw_text(payload: Mapping, key: str) -> str:
    """A string field, stripped of the chip's space padding; bad_field if absent or not text."""
    value = payload.get(key)
    if not isinstance(value, str):
        raise CardReadError("bad_field", MSG_BAD_FIELD, key)
    return value.strip()


def _text(payload: Mapping, key: str, limit: int | None = None) -> str:
    """A non-empty printable text field of bounded length."""
    value = _raw_text(payload, key)
    limit = limit or _TEXT_LIMITS.get(key, 64)
    if not value or len(value) > limit:
        raise CardReadError("bad_field", MSG_BAD_FIELD, key)
    # Control characters and lone surrogates only: rare name characters (生僻字) may be private-use
    # or newer than Python's Unicode data, and must pass.
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in value):
        raise CardReadError("bad_field", MSG_BAD_FIELD, key)
    return value


def _date(payload: Mapping, key: str) -> date:
    """A YYYYMMDD date field."""
    value = _raw_text(payload, key)
    if not _DATE.fullmatch(value):
        raise CardReadError("bad_field", MSG_BAD_FIELD, key)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardReadError("bad_field", MSG_BAD_FIELD, key) from None


def _sex(payload: Mapping) -> str:
    """'男' or '女' (also accepting the GB/T 2261.1 codes 1 and 2)."""
    value = _raw_text(payload, "gender")
    value = _SEX_CODES.get(value, value)
    if value not in SEXES:
        raise CardReadError("bad_field", MSG_BAD_FIELD, "gender")
    return value


def _photo(value: object) -> bytes | None:
    """The decoded card photo (BMP or JPEG, size-limited), or None if the bridge sent none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CardReadError("bad_photo", MSG_BAD_PHOTO, "identityPic is not text")
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]  # a data: URL, as some bridges send
    text = "".join(value.split())
    if len(text) > (PHOTO_MAX_BYTES * 4) // 3 + 4:
        raise CardReadError("bad_photo", MSG_BAD_PHOTO, "identityPic too large")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CardReadError("bad_photo", MSG_BAD_PHOTO, "identityPic is not base64") from None
    if not data or len(data) > PHOTO_MAX_BYTES:
        raise CardReadError("bad_photo", MSG_BAD_PHOTO, "identityPic size")
    _open_photo(data)
    return data


def _open_photo(data: bytes) -> Image.Image:
    """Open, verify and fully decode a BMP/JPEG photo within the size limits."""
    if len(data) > PHOTO_MAX_BYTES:
        raise CardReadError("bad_photo", MSG_BAD_PHOTO, "photo too large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=sorted(PHOTO_FORMATS)) as probe:
                _check_dimensions(probe.size)
                probe.verify()
            image = Image.open(BytesIO(data), formats=sorted(PHOTO_FORMATS))
            _check_dimensions(image.size)
            image.load()
    except CardReadError:
        raise
    except Exception:  # Pillow raises many types (OSError, SyntaxError, ...) for broken files
        raise CardReadError("bad_photo", MSG_BAD_PHOTO, "photo does not decode") from None
    return image


def _check_dimensions(size: tuple[int, int]) -> None:
    """Refuse photos larger than PHOTO_MAX_SIZE (or empty ones)."""
    width, height = size
    if not (0 < width <= PHOTO_MAX_SIZE[0] and 0 < height <= PHOTO_MAX_SIZE[1]):
        raise CardReadError("bad_photo", MSG_BAD_PHOTO, "photo dimensions")
