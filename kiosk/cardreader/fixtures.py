"""The simulated reader's fixture cards (cards.json), built relative to today.

Each fixture becomes exactly the JSON the vendor's bridge would send. ID numbers are synthetic and
checksum-valid (synthesize_resident_id), built from ages and day offsets so that "under 16",
"16-17" and "expired" stay true as time passes. Card photos are cut from portraits in a photo
directory (never copied into the repository): a fixed crop of 102:126 aspect around the upper
middle of the image, resized to the chip's 102x126.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image

from kiosk.cardreader.card import FLAG_NO_CARD, FLAG_OK, LONG_TERM, SEXES
from webapp.identity import synthesize_resident_id

CARDS_JSON = Path(__file__).with_name("cards.json")
CARD_PHOTO_SIZE = (102, 126)
PHOTO_SOURCE_MAX_PIXELS = 30_000_000
DEFAULT_CROP = {"centre_x": 0.5, "top": 0.03, "width": 0.6}
GENERATED = "generated"
NO_CARD_KEY = "no_card"

# Labels and descriptions for the simulator panel (testers at the kiosk).
FIXTURE_TEXT = {
    "adult_a": (
        _l("Adult A"),
        _l("An adult's valid card; the photo is person A (person_a_1)."),
    ),
    "adult_a_other_photo": (
        _l("Adult A, other photo"),
        _l("The same person A with a reissued card whose photo is another picture of A."),
    ),
    "adult_b": (
        _l("Adult B"),
        _l("Another adult's valid card; the photo is person B (JPEG photo)."),
    ),
    "impostor": (
        _l("Someone else's card"),
        _l("A valid card whose photo is person B: present it with person A at the camera."),
    ),
    "long_term": (
        _l("Long-term card"),
        _l("A card valid long-term (长期) of a holder over 50 (Hui nationality); no photo."),
    ),
    "expired": (_l("Expired card"), _l("The card's validity ended about seven weeks ago.")),
    "under_16": (_l("Under 16"), _l("A 15-year-old's card: the station cannot register them.")),
    "minor_17": (
        _l("Aged 17"),
        _l("A 17-year-old's card: may register, but not take heavy or hazardous gigs."),
    ),
    "no_face_photo": (
        _l("Photo without a face"),
        _l("A valid card whose photo shows no face."),
    ),
    "read_error": (_l("Read error"), _l("The reader answers with a read failure (flag -11).")),
    "no_card": (_l("No card"), _l("Nothing on the reader (flag -2).")),
    "slow": (_l("Slow read"), _l("A valid adult card that takes a few seconds to read.")),
    "bad_checksum": (
        _l("Bad check digit"),
        _l("The ID number's last digit is wrong (one digit off)."),
    ),
    "sex_mismatch": (
        _l("Sex mismatch"),
        _l("The card says female but the ID number's sex digit is male."),
    ),
    "birth_mismatch": (
        _l("Birth date mismatch"),
        _l("The birth date on the card differs from the one in the ID number."),
    ),
}
NOTE_NO_PHOTO_DIR = _l(
    "The test photo folder is not available, so this card is sent without a photo."
)


def load_specs(path: Path = CARDS_JSON) -> dict[str, dict]:
    """The fixture specifications from cards.json, by key."""
    with path.open(encoding="utf-8") as f:
        return json.load(f)["cards"]


def default_photo_dir() -> Path | None:
    """The shared test photos next to the repository (../shared/faces), if they exist."""
    candidate = Path(__file__).resolve().parents[3] / "shared" / "faces"
    return candidate if candidate.is_dir() else None


def photo_dir_from_config(config: Mapping) -> Path | None:
    """KIOSK_SIM_PHOTO_DIR: unset means the default, "" means no photos, else that folder."""
    value = config.get("KIOSK_SIM_PHOTO_DIR")
    if value is None:
        return default_photo_dir()
    path = Path(value) if value else None
    return path if path is not None and path.is_dir() else None


def needs_photo_file(spec: Mapping) -> bool:
    """Whether the fixture's photo comes from a file in the photo directory."""
    return isinstance(spec.get("photo"), Mapping)


def is_slow(spec: Mapping) -> bool:
    """Whether the simulated reader takes its time before answering for this fixture."""
    return bool(spec.get("slow"))


def empty_payload(flag: int, message: str) -> dict:
    """A bridge answer without card data (no card, read error)."""
    return {
        "resultFlag": flag,
        "errorMsg": message,
        "partyName": "",
        "gender": "",
        "nation": "",
        "bornDay": "",
        "certAddress": "",
        "certNumber": "",
        "certOrg": "",
        "effDate": "",
        "expDate": "",
        "identityPic": "",
    }


def no_card_payload() -> dict:
    """What the bridge sends when nothing is on the reader."""
    return empty_payload(FLAG_NO_CARD, "寻卡失败")


def build_payload(spec: Mapping, *, today: date, photo_dir: Path | None) -> dict:
    """The vendor JSON for one fixture specification, relative to `today`."""
    if "result_flag" in spec:
        return empty_payload(int(spec["result_flag"]), str(spec.get("error_msg", "")))
    birth = add_years(today, -int(spec["age_years"]))
    birth -= timedelta(days=int(spec["birth_extra_days"]))
    number = synthesize_resident_id(
        spec["region"], birth, int(spec["sequence"]), SEXES[spec["sex"]]
    )
    if spec.get("corrupt_checksum"):
        number = number[:-1] + ("0" if number[-1] == "X" else str((int(number[-1]) + 1) % 10))
    valid_from = today - timedelta(days=int(spec["issued_days_ago"]))
    years = spec.get("valid_years", validity_years(birth, valid_from))
    valid_until = None if years is None else add_years(valid_from, int(years))
    card_birth = birth + timedelta(days=int(spec.get("card_birth_shift_days", 0)))
    return {
        "resultFlag": FLAG_OK,
        "errorMsg": "",
        "partyName": spec["name"],
        "gender": spec.get("card_sex", spec["sex"]),
        "nation": spec["nation"],
        "bornDay": f"{card_birth:%Y%m%d}",
        "certAddress": spec["address"],
        "certNumber": number,
        "certOrg": spec["issuer"],
        "effDate": f"{valid_from:%Y%m%d}",
        "expDate": LONG_TERM if valid_until is None else f"{valid_until:%Y%m%d}",
        "identityPic": _photo_base64(spec.get("photo"), photo_dir),
    }


def fixture_payloads(
    today: date | None = None, photo_dir: Path | None = None, specs: Mapping | None = None
) -> dict[str, dict]:
    """Every fixture's vendor JSON, by key."""
    today = today or date.today()
    specs = load_specs() if specs is None else specs
    return {
        key: build_payload(spec, today=today, photo_dir=photo_dir) for key, spec in specs.items()
    }


def card_list(photo_dir: Path | None, specs: Mapping | None = None) -> list[dict]:
    """The fixtures for the simulator panel: key, label, description and an optional note."""
    specs = load_specs() if specs is None else specs
    items = []
    for key, spec in specs.items():
        label, description = FIXTURE_TEXT.get(key, (key, ""))
        item = {"key": key, "label": str(label), "description": str(description)}
        if needs_photo_file(spec) and _photo_path(spec["photo"], photo_dir) is None:
            item["note"] = str(NOTE_NO_PHOTO_DIR)
        items.append(item)
    return items


def validity_years(birth: date, issued: date) -> int | None:
    """The validity of a card issued at that age (None for 长期), as the law sets it."""
    age = issued.year - birth.year - ((issued.month, issued.day) < (birth.month, birth.day))
    if age < 16:
        return 5
    if age <= 25:
        return 10
    if age <= 45:
        return 20
    return None


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (28 February for 29 February in common years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def crop_box(size: tuple[int, int], crop: Mapping | None = None) -> tuple[int, int, int, int]:
    """A 102:126 box around the upper middle of an image (fractions from cards.json)."""
    settings = {**DEFAULT_CROP, **(crop or {})}
    width, height = size
    aspect = CARD_PHOTO_SIZE[0] / CARD_PHOTO_SIZE[1]
    box_w = min(width * float(settings["width"]), width, height * aspect)
    box_h = box_w / aspect
    left = min(max(width * float(settings["centre_x"]) - box_w / 2, 0), width - box_w)
    top = min(max(height * float(settings["top"]), 0), height - box_h)
    return round(left), round(top), round(left + box_w), round(top + box_h)


def card_photo_from_file(path: Path, crop: Mapping | None = None, fmt: str = "bmp") -> bytes:
    """A 102x126 card photo (BMP or JPEG bytes) cut from a portrait."""
    key = tuple(sorted((crop or {}).items()))
    stat = path.stat()
    return _card_photo_cached(str(path), stat.st_mtime_ns, stat.st_size, key, fmt)


def no_face_photo(fmt: str = "bmp") -> bytes:
    """A plain generated 102x126 photo with no face: a soft grey-blue gradient."""
    image = Image.new("RGB", CARD_PHOTO_SIZE)
    width, height = CARD_PHOTO_SIZE
    image.putdata(
        [(236 - y // 6, 240 - y // 8, 246 - y // 10) for y in range(height) for _x in range(width)]
    )
    return _encode(image, fmt)


@lru_cache(maxsize=32)
def _card_photo_cached(path: str, _mtime_ns: int, _size: int, crop: tuple, fmt: str) -> bytes:
    """Crop, resize and encode a portrait; cached per file version and crop."""
    with Image.open(path) as source:
        if source.width * source.height > PHOTO_SOURCE_MAX_PIXELS:
            raise ValueError(f"{path} is too large for a test photo")
        image = source.convert("RGB")
        box = crop_box(image.size, dict(crop))
        photo = image.crop(box).resize(CARD_PHOTO_SIZE, Image.Resampling.LANCZOS)
    return _encode(photo, fmt)


def _encode(image: Image.Image, fmt: str) -> bytes:
    """BMP (what most bridges send) or JPEG bytes."""
    out = BytesIO()
    if fmt == "jpeg":
        image.save(out, format="JPEG", quality=90)
    else:
        image.save(out, format="BMP")
    return out.getvalue()


def _photo_path(photo: Mapping, photo_dir: Path | None) -> Path | None:
    """The source file of a photo-backed fixture, if the folder and file are there."""
    if photo_dir is None:
        return None
    path = photo_dir / str(photo.get("file", ""))
    return path if path.is_file() else None


def _photo_base64(photo: object, photo_dir: Path | None) -> str:
    """The identityPic field: base64 of the card photo, or "" without one."""
    if photo == GENERATED:
        data = no_face_photo()
    elif isinstance(photo, Mapping):
        path = _photo_path(photo, photo_dir)
        if path is None:
            return ""
        crop = {k: photo[k] for k in DEFAULT_CROP if k in photo}
        data = card_photo_from_file(path, crop, str(photo.get("format", "bmp")))
    else:
        return ""
    return base64.b64encode(data).decode("ascii")
