"""Card data from the bridge's JSON, the product's card checks, and the fixture cards."""

from __future__ import annotations

import base64
import dataclasses
import io
import warnings
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from kiosk.cardreader import (
    CardData,
    CardReadError,
    CardRejected,
    fixtures,
    parse_bridge_payload,
    photo_as_jpeg,
    validate_card,
)
from kiosk.cardreader.card import PHOTO_MAX_BYTES
from webapp.identity import synthesize_resident_id

TODAY = date(2026, 3, 15)
PHOTO_DIR = fixtures.default_photo_dir()
needs_photos = pytest.mark.skipif(PHOTO_DIR is None, reason="../shared/faces is not available")
PHOTO_CARDS = {"adult_a", "adult_a_other_photo", "adult_b", "impostor"}

# key -> ("ok", age, is_minor) | ("rejected", code) | ("read_error", code)
EXPECTED = {
    "adult_a": ("ok", 38, False),
    "adult_a_other_photo": ("ok", 38, False),
    "adult_b": ("ok", 44, False),
    "impostor": ("ok", 41, False),
    "long_term": ("ok", 57, False),
    "expired": ("rejected", "expired"),
    "under_16": ("rejected", "under_16"),
    "minor_17": ("ok", 17, True),
    "no_face_photo": ("ok", 35, False),
    "read_error": ("read_error", "read_failed"),
    "no_card": ("read_error", "no_card"),
    "slow": ("ok", 29, False),
    "bad_checksum": ("rejected", "id_checksum"),
    "sex_mismatch": ("rejected", "sex_mismatch"),
    "birth_mismatch": ("rejected", "birth_mismatch"),
}
REQUIRED_KEYS = {
    "adult_a", "adult_a_other_photo", "adult_b", "impostor", "long_term", "expired", "under_16",
    "minor_17", "no_face_photo", "read_error", "no_card", "slow", "bad_checksum", "sex_mismatch",
}  # fmt: skip


def _photo_dirs():
    """Photo directory present (when the shared photos exist) and absent."""
    return [pytest.param(PHOTO_DIR, id="photos", marks=needs_photos), pytest.param(None, id="none")]


def _outcome(payload, today):
    """What the product makes of a fixture's payload on `today`."""
    try:
        card = parse_bridge_payload(payload)
    except CardReadError as err:
        return ("read_error", err.code)
    try:
        checked = validate_card(card, today=today)
    except CardRejected as err:
        return ("rejected", err.code)
    return ("ok", checked.age, checked.is_minor)


def _image_bytes(size=(102, 126), fmt="BMP", color=(200, 180, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _valid_payload(**changes) -> dict:
    """A valid bridge payload (adult_a without its file photo) with some fields changed."""
    payload = fixtures.build_payload(fixtures.load_specs()["adult_a"], today=TODAY, photo_dir=None)
    payload["identityPic"] = _b64(_image_bytes())
    payload.update(changes)
    return payload


# ---- fixtures: every case of reference/faces.md, outcomes fixed for a given day ----


def test_fixture_set_covers_every_case():
    specs = fixtures.load_specs()
    assert set(specs) >= REQUIRED_KEYS
    assert set(specs) == set(EXPECTED)
    assert set(specs) == set(fixtures.FIXTURE_TEXT)


@pytest.mark.parametrize("photo_dir", _photo_dirs())
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_fixture_parses_and_validates_as_designed(key, photo_dir):
    payload = fixtures.fixture_payloads(TODAY, photo_dir)[key]
    assert _outcome(payload, TODAY) == EXPECTED[key]


@pytest.mark.parametrize(
    "today", [date(2028, 2, 29), date(2027, 12, 31), date(2030, 1, 1), date.today()]
)
def test_fixture_outcomes_hold_whatever_the_day(today):
    payloads = fixtures.fixture_payloads(today, None)
    assert {key: _outcome(p, today) for key, p in payloads.items()} == EXPECTED


def test_fixture_ids_are_synthetic_and_distinct():
    payloads = fixtures.fixture_payloads(TODAY, None)
    numbers = {k: p["certNumber"] for k, p in payloads.items() if p["resultFlag"] == 0}
    assert numbers["adult_a"] == numbers["adult_a_other_photo"]  # the same person, reissued card
    others = [n for k, n in numbers.items() if k != "adult_a_other_photo"]
    assert len(set(others)) == len(others)
    assert all(n.startswith("41") for n in numbers.values())  # 河南
    spec = fixtures.load_specs()["bad_checksum"]
    birth = fixtures.add_years(TODAY, -spec["age_years"]) - timedelta(days=spec["birth_extra_days"])
    good = synthesize_resident_id(spec["region"], birth, spec["sequence"], "F")
    assert numbers["bad_checksum"][:-1] == good[:-1]
    assert numbers["bad_checksum"][-1] != good[-1]


def test_fixture_details():
    payloads = fixtures.fixture_payloads(TODAY, None)
    cards = {k: parse_bridge_payload(p) for k, p in payloads.items() if p["resultFlag"] == 0}
    assert cards["long_term"].valid_until is None
    assert payloads["long_term"]["expDate"] == "长期"
    assert cards["long_term"].nation == "回"
    assert sum(card.nation == "回" for card in cards.values()) == 1
    assert cards["expired"].valid_until < TODAY
    assert cards["sex_mismatch"].sex == "女"
    assert payloads["read_error"]["resultFlag"] == -11
    assert fixtures.is_slow(fixtures.load_specs()["slow"])
    assert all("河南省" in card.address for card in cards.values())


@needs_photos
def test_fixture_photos_with_the_photo_dir():
    payloads = fixtures.fixture_payloads(TODAY, PHOTO_DIR)
    for key in PHOTO_CARDS | {"no_face_photo"}:
        card = parse_bridge_payload(payloads[key])
        assert card.photo is not None, key
        with Image.open(io.BytesIO(card.photo)) as image:
            assert image.size == (102, 126)
            assert image.format == ("JPEG" if key == "adult_b" else "BMP")
    assert payloads["adult_a"]["identityPic"] != payloads["adult_a_other_photo"]["identityPic"]


def test_fixture_photos_without_the_photo_dir():
    payloads = fixtures.fixture_payloads(TODAY, None)
    for key in PHOTO_CARDS:
        assert payloads[key]["identityPic"] == ""
        assert parse_bridge_payload(payloads[key]).photo is None
    assert parse_bridge_payload(payloads["no_face_photo"]).photo is not None  # generated
    notes = {item["key"] for item in fixtures.card_list(None) if "note" in item}
    assert notes == PHOTO_CARDS


def test_photo_dir_from_config(tmp_path):
    assert fixtures.photo_dir_from_config({"KIOSK_SIM_PHOTO_DIR": ""}) is None
    assert fixtures.photo_dir_from_config({"KIOSK_SIM_PHOTO_DIR": str(tmp_path)}) == tmp_path
    missing = str(tmp_path / "missing")
    assert fixtures.photo_dir_from_config({"KIOSK_SIM_PHOTO_DIR": missing}) is None
    assert fixtures.photo_dir_from_config({}) == fixtures.default_photo_dir()


def test_crop_box_keeps_the_card_aspect_inside_the_image():
    for size in [(910, 1137), (626, 1200), (970, 2204), (1126, 661), (50, 40)]:
        for crop in [None, {"centre_x": 0.95, "top": 0.9, "width": 1.5}, {"centre_x": 0.0}]:
            left, top, right, bottom = fixtures.crop_box(size, crop)
            assert 0 <= left < right <= size[0]
            assert 0 <= top < bottom <= size[1]
            assert abs((right - left) / (bottom - top) - 102 / 126) < 0.03


def _face_recognition():
    """face_recognition, imported lazily (its model package warns on import).

    Its import sets ImageFile.LOAD_TRUNCATED_IMAGES process-wide; the flag is put back, as the
    product's face engine does, so truncated card photos stay refused.
    """
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import face_recognition
    except (ImportError, SystemExit):
        pytest.skip("face_recognition is not usable here")
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return face_recognition


@needs_photos
def test_card_photos_hold_one_detectable_face_and_the_plain_one_none():
    import numpy as np

    fr = _face_recognition()
    payloads = fixtures.fixture_payloads(TODAY, PHOTO_DIR)
    encodings = {}
    for key in sorted(PHOTO_CARDS | {"no_face_photo"}):
        jpeg = photo_as_jpeg(parse_bridge_payload(payloads[key]))
        image = np.array(Image.open(io.BytesIO(jpeg)).convert("RGB"))
        boxes = fr.face_locations(image, number_of_times_to_upsample=2)
        if key == "no_face_photo":
            assert boxes == []
            continue
        assert len(boxes) == 1, key
        top, right, bottom, left = boxes[0]
        assert bottom - top >= 45, key  # the face fills the photo like an ID photo's
        encodings[key] = fr.face_encodings(image, boxes)[0]

    def distance(a, b):
        return float(np.linalg.norm(encodings[a] - encodings[b]))

    assert distance("adult_a", "adult_a_other_photo") < 0.6  # the same person
    assert distance("adult_b", "impostor") < 0.3  # the same photo
    assert distance("adult_a", "impostor") > 0.6  # someone else


# ---- parse_bridge_payload ----


def test_card_repr_hides_personal_fields():
    card = parse_bridge_payload(_valid_payload())
    text = repr(card)
    assert card.id_number not in text
    assert card.address not in text
    assert "photo" not in text
    assert "id_number" not in text
    assert "address" not in text


def test_parse_accepts_bridge_variants():
    payload = _valid_payload(
        resultFlag="0",
        gender="1",
        partyName=" 王建军  ",  # the chip pads fields with spaces
        expDate="长期",
        identityPic="data:image/jpeg;base64,"
        + "\n".join(_b64(_image_bytes(fmt="JPEG"))[i : i + 76] for i in range(0, 4000, 76)),
    )
    card = parse_bridge_payload(payload)
    assert card.sex == "男"
    assert card.name == "王建军"
    assert card.valid_until is None
    assert photo_as_jpeg(card)[:2] == b"\xff\xd8"
    assert parse_bridge_payload(_valid_payload(gender="2")).sex == "女"
    assert parse_bridge_payload(_valid_payload(identityPic="")).photo is None
    assert parse_bridge_payload({**_valid_payload(), "extra": object()}).name == "王建军"
    lower_x = _valid_payload(certNumber=" 11010519491231002x ")
    assert parse_bridge_payload(lower_x).id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("flag", "code"),
    [(-11, "read_failed"), (-1, "read_failed"), (-2, "no_card"), (-3, "no_card"),
     (5, "read_failed"), ("-11", "read_failed")],
)  # fmt: skip
def test_parse_maps_vendor_flags(flag, code):
    with pytest.raises(CardReadError) as info:
        parse_bridge_payload(fixtures.empty_payload(flag, "x"))
    assert info.value.code == code


KEYS = [
    "resultFlag", "partyName", "gender", "nation", "bornDay", "certAddress", "certNumber",
    "certOrg", "effDate", "expDate",
]  # fmt: skip


@pytest.mark.parametrize("key", KEYS)
def test_parse_refuses_a_missing_field(key):
    payload = _valid_payload()
    del payload[key]
    with pytest.raises(CardReadError) as info:
        parse_bridge_payload(payload)
    assert info.value.code == "bad_field"


@pytest.mark.parametrize(
    "changes",
    [
        {"resultFlag": True},
        {"resultFlag": 0.0},
        {"resultFlag": None},
        {"bornDay": "20230230"},
        {"bornDay": "1990-01-01"},
        {"bornDay": 19900101},
        {"effDate": "20300101", "expDate": "20200101"},
        {"expDate": "永久"},
        {"gender": "M"},
        {"partyName": ""},
        {"partyName": "张" * 65},
        {"partyName": "张\x00三"},
        {"certNumber": "4101-0519"},
        {"certNumber": "1" * 33},
        {"nation": ["汉"]},
    ],
)
def test_parse_refuses_malformed_fields(changes):
    with pytest.raises(CardReadError) as info:
        parse_bridge_payload(_valid_payload(**changes))
    assert info.value.code == "bad_field"


@pytest.mark.parametrize("payload", [None, [], "{}", 42, b"{}"])
def test_parse_refuses_what_is_not_an_object(payload):
    with pytest.raises(CardReadError) as info:
        parse_bridge_payload(payload)
    assert info.value.code == "bad_field"


@pytest.mark.parametrize(
    "picture",
    [
        pytest.param("not base64 at all!", id="not-base64"),
        pytest.param(_b64(b"hello, this is text"), id="text"),
        pytest.param(_b64(_image_bytes(fmt="PNG")), id="png"),
        pytest.param(_b64(_image_bytes(fmt="GIF")), id="gif"),
        pytest.param(_b64(_image_bytes(size=(401, 100))), id="too-wide"),
        pytest.param(_b64(_image_bytes(size=(100, 501), fmt="JPEG")), id="too-tall"),
        pytest.param(_b64(_image_bytes(size=(300, 400))), id="over-200KB"),  # 360 KB
        pytest.param(_b64(_image_bytes(fmt="JPEG")[:300]), id="truncated-jpeg"),
        pytest.param(_b64(_image_bytes()[:-2000]), id="truncated-bmp"),
        pytest.param(12345, id="not-text"),
        pytest.param("A" * (PHOTO_MAX_BYTES * 2), id="huge"),
    ],
)
def test_parse_refuses_bad_photos(picture):
    with pytest.raises(CardReadError) as info:
        parse_bridge_payload(_valid_payload(identityPic=picture))
    assert info.value.code == "bad_photo"


def test_photo_as_jpeg():
    card = parse_bridge_payload(_valid_payload())
    jpeg = photo_as_jpeg(card)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert (image.format, image.size) == ("JPEG", (102, 126))
    assert photo_as_jpeg(dataclasses.replace(card, photo=None)) is None
    with pytest.raises(CardReadError) as info:
        photo_as_jpeg(dataclasses.replace(card, photo=b"BM" + b"\x00" * 100))
    assert info.value.code == "bad_photo"


# ---- hypothesis: whatever arrives, only CardReadError ----

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=10,
)
field_values = (
    json_values
    | st.binary(max_size=40)
    | st.sampled_from(["", "0", "-11", "长期", "男", "女", "19900101", "20991231", "00000000"])
    | st.from_regex(r"[0-9]{8}", fullmatch=True)
    | st.builds(_b64, st.binary(max_size=300))
)


def _parses_or_card_read_error(payload) -> None:
    try:
        result = parse_bridge_payload(payload)
    except CardReadError as err:
        code = err.code
    else:
        assert isinstance(result, CardData)
        return
    assert code in {"bad_field", "bad_photo", "read_failed", "no_card"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS + ["identityPic"]) | st.text(), field_values))
def test_arbitrary_payloads_raise_only_card_read_error(payload):
    _parses_or_card_read_error(payload)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS + ["identityPic"]), field_values, min_size=1))
def test_valid_payloads_with_arbitrary_fields_raise_only_card_read_error(changes):
    _parses_or_card_read_error(_valid_payload(**changes))


@settings(max_examples=100, deadline=None)
@given(json_values | st.binary())
def test_arbitrary_non_payloads_raise_only_card_read_error(value):
    _parses_or_card_read_error(value)


# ---- validate_card ----


def _card(**changes) -> CardData:
    return dataclasses.replace(parse_bridge_payload(_valid_payload()), **changes)


def _card_born(birth: date, sex: str = "M", **changes) -> CardData:
    number = synthesize_resident_id("410105", birth, 7, sex)
    return _card(id_number=number, birth_date=birth, sex={"M": "男", "F": "女"}[sex], **changes)


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def _rejection(card, today=TODAY, **kw) -> str:
    with pytest.raises(CardRejected) as info:
        validate_card(card, today=today, **kw)
    return info.value.code


def test_validate_age_boundaries():
    sixteenth = date(2010, 3, 15)  # 16 today
    assert _rejection(_card_born(sixteenth + timedelta(days=1))) == "under_16"
    checked = validate_card(_card_born(sixteenth), today=TODAY)
    assert (checked.age, checked.is_minor) == (16, True)
    checked = validate_card(_card_born(date(2008, 3, 15), "F"), today=TODAY)
    assert (checked.age, checked.is_minor, checked.resident_id.sex) == (18, False, "F")
    assert validate_card(_card_born(date(2008, 3, 16)), today=TODAY).is_minor
    assert _rejection(_card_born(date(2009, 1, 1)), min_age=18) == "under_16"
    assert validate_card(_card_born(date(2009, 1, 1)), today=TODAY, adult_age=17).is_minor is False


def test_validate_validity_dates():
    assert validate_card(_card(valid_until=TODAY), today=TODAY)  # valid through its last day
    assert _rejection(_card(valid_until=TODAY - timedelta(days=1))) == "expired"
    assert validate_card(_card(valid_until=None), today=TODAY).card.valid_until is None  # 长期
    assert _rejection(_card(valid_from=TODAY + timedelta(days=1))) == "not_yet_valid"
    assert validate_card(_card(valid_from=TODAY), today=TODAY)


def test_validate_consistency_and_number():
    card = _card()
    assert _rejection(_card(birth_date=card.birth_date + timedelta(days=1))) == "birth_mismatch"
    assert _rejection(_card(sex="女")) == "sex_mismatch"
    assert _rejection(_card(sex="?")) == "sex_mismatch"
    assert _rejection(_card(id_number=_wrong_check_digit(card.id_number))) == "id_checksum"
    assert _rejection(_card(id_number="41010519870129213")) == "id_length"
    assert _rejection(_card(id_number="4101051987012921AB")) == "id_format"
    assert _rejection(_card(id_number="410105198701292")) == "id_length"  # old 15-digit


def test_rejection_messages_are_kind_and_say_what_to_do(app):
    cases = {
        "expired": _card(valid_until=TODAY - timedelta(days=1)),
        "under_16": _card_born(date(2012, 1, 1)),
        "id_checksum": _card(id_number=_wrong_check_digit(_card().id_number)),
    }
    with app.test_request_context("/?lang=en"):
        for code, card in cases.items():
            with pytest.raises(CardRejected) as info:
                validate_card(card, today=TODAY)
            text = str(info.value)
            assert info.value.code == code
            assert len(text) < 200
            if code == "under_16":
                assert "16" in text
                assert "cannot register" in text or "不能" in text
            else:
                assert "staff" in text or "工作人员" in text
