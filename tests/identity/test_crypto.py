"""Field encryption bound to the row, purpose-separated keys, blind indexes and key rotation."""

import base64
import hashlib
import re

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from webapp.identity import BlindIndex, DecryptionError, FieldCipher, Keyring
from webapp.identity.crypto import PURPOSES

KEY_A = base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")
KEY_B = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()  # with its padding
ID = "11010519491231002X"
PLACE = {"table": "worker", "column": "id_number_enc", "row_id": 42}


@pytest.fixture
def ring():
    return Keyring.parse(f"k1:{KEY_A}")


@pytest.fixture
def cipher(ring):
    return FieldCipher(ring)


def test_round_trip(cipher):
    token = cipher.encrypt(ID, **PLACE)
    assert cipher.decrypt_text(token, **PLACE) == ID
    assert cipher.decrypt(token, **PLACE) == ID.encode()
    assert ID.encode() not in token


def test_token_format_and_fresh_nonces(cipher):
    token = cipher.encrypt(b"\x00\xff", **PLACE)
    assert token[0] == 1
    assert token[1] == 2
    assert token[2:4] == b"k1"
    assert len(token) == 4 + 12 + 2 + 16
    assert cipher.encrypt(b"\x00\xff", **PLACE) != token


@given(st.text(), st.one_of(st.integers(min_value=0), st.text(alphabet="abcdef0123456789-")))
def test_round_trip_any_text_and_row_id(text, row_id):
    cipher = FieldCipher(Keyring.parse(f"k1:{KEY_A}"))
    token = cipher.encrypt(text, table="worker", column="phone_enc", row_id=row_id)
    assert cipher.decrypt_text(token, table="worker", column="phone_enc", row_id=row_id) == text


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"row_id": 43},
        {"row_id": "42 "},
        {"column": "phone_enc"},
        {"table": "employer", "column": "contact_id_enc"},
        {"table": "employer"},
    ],
)
def test_token_copied_elsewhere_does_not_decrypt(cipher, elsewhere):
    token = cipher.encrypt(ID, **PLACE)
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, **(PLACE | elsewhere))


def test_associated_data_is_as_documented(ring, cipher):
    token = cipher.encrypt(ID, **PLACE)
    header, nonce, sealed = token[:4], token[4:16], token[16:]
    aead = AESGCM(ring.subkey("identity"))
    assert aead.decrypt(nonce, sealed, header + b"identity|worker.id_number_enc:42") == ID.encode()
    with pytest.raises(InvalidTag):
        aead.decrypt(nonce, sealed, header + b"worker.id_number_enc:42")


def test_int_and_str_row_ids_are_the_same_place(cipher):
    token = cipher.encrypt(ID, **PLACE)
    assert cipher.decrypt_text(token, **(PLACE | {"row_id": "42"})) == ID


def test_every_tampered_byte_is_detected(cipher):
    token = cipher.encrypt(ID, **PLACE)
    for position in range(len(token)):
        for flip in (0x01, 0x80):
            tampered = bytearray(token)
            tampered[position] ^= flip
            with pytest.raises(DecryptionError):
                cipher.decrypt(bytes(tampered), **PLACE)


@pytest.mark.parametrize(
    "token", [b"", b"\x01", b"\x02\x02k1" + bytes(40), b"\x01\x09k1", None, ID, bytearray(b"\x01")]
)
def test_malformed_tokens(cipher, token):
    with pytest.raises(DecryptionError) as info:
        cipher.decrypt(token, **PLACE)
    assert str(info.value) == "field could not be decrypted"


def test_truncated_token(cipher):
    token = cipher.encrypt(ID, **PLACE)
    for length in range(len(token)):
        with pytest.raises(DecryptionError):
            cipher.decrypt(token[:length], **PLACE)


def test_face_key_cannot_decrypt_identity_tokens(ring, cipher):
    token = cipher.encrypt(ID, **PLACE)
    with pytest.raises(DecryptionError):
        FieldCipher(ring, "face").decrypt(token, **PLACE)
    face_token = FieldCipher(ring, "face").encrypt(b"template", **PLACE)
    with pytest.raises(DecryptionError):
        cipher.decrypt(face_token, **PLACE)
    subkeys = {ring.subkey(purpose) for purpose in PURPOSES}
    assert len(subkeys) == len(PURPOSES)  # distinct keys, not only distinct associated data


def test_index_subkey_is_not_for_encryption(ring):
    with pytest.raises(ValueError, match="purpose"):
        FieldCipher(ring, "index")
    with pytest.raises(ValueError, match="purpose"):
        ring.subkey("session")


def test_another_key_cannot_decrypt(cipher):
    token = cipher.encrypt(ID, **PLACE)
    with pytest.raises(DecryptionError):
        FieldCipher(Keyring.parse(f"k1:{KEY_B}")).decrypt(token, **PLACE)


def test_rotation(cipher):
    old_token = cipher.encrypt(ID, **PLACE)
    rotated = FieldCipher(Keyring.parse(f"k2:{KEY_B},k1:{KEY_A}"))
    assert rotated.keyring.active_kid == "k2"
    assert rotated.keyring.kids == ("k2", "k1")
    assert rotated.decrypt_text(old_token, **PLACE) == ID
    assert rotated.key_id_of(old_token) == "k1"
    assert rotated.needs_rotation(old_token)
    new_token = rotated.reencrypt(old_token, **PLACE)
    assert FieldCipher.key_id_of(new_token) == "k2"
    assert not rotated.needs_rotation(new_token)
    assert rotated.decrypt_text(new_token, **PLACE) == ID
    with pytest.raises(DecryptionError):
        cipher.decrypt(new_token, **PLACE)  # the old ring does not know k2
    with pytest.raises(DecryptionError):
        rotated.reencrypt(old_token, **(PLACE | {"row_id": 7}))  # rotation keeps the binding
    with pytest.raises(DecryptionError):
        FieldCipher(Keyring.parse(f"k2:{KEY_B}")).decrypt(old_token, **PLACE)  # k1 retired


def test_table_and_column_must_be_identifiers(cipher):
    with pytest.raises(ValueError, match="identifiers"):
        cipher.encrypt(ID, table="worker.id", column="x", row_id=1)


def test_blind_index(ring):
    index = BlindIndex(ring)
    value = index.compute(ID, kind="resident_id")
    assert re.fullmatch(r"[0-9a-f]{64}", value)
    assert index.compute(ID, kind="resident_id") == value
    assert index.compute(" 11010519491231002x ", kind="resident_id") == value
    assert index.compute(ID, kind="phone") != value
    assert index.compute("11010519491231003X", kind="resident_id") != value
    assert BlindIndex(Keyring.parse(f"k1:{KEY_B}")).compute(ID, kind="resident_id") != value
    with pytest.raises(ValueError, match="kind"):
        index.compute(ID, kind="resident_id:x")


def test_blind_index_is_not_a_plain_hash(ring):
    value = BlindIndex(ring).compute(ID, kind="resident_id")
    assert value != hashlib.sha256(ID.encode()).hexdigest()
    assert value != hashlib.sha256(f"resident_id:{ID}".encode()).hexdigest()


def test_blind_index_candidates_during_rotation():
    old = BlindIndex(Keyring.parse(f"k1:{KEY_A}"))
    rotated = BlindIndex(Keyring.parse(f"k2:{KEY_B},k1:{KEY_A}"))
    candidates = rotated.candidates("+8613812345678", kind="phone")
    assert candidates == [
        rotated.compute("+8613812345678", kind="phone"),
        old.compute("+8613812345678", kind="phone"),
    ]
    assert candidates[0] != candidates[1]


def test_padding_is_optional():
    padded = base64.urlsafe_b64encode(bytes(range(32))).decode()
    assert padded.endswith("=")
    assert BlindIndex(Keyring.parse(f"k1:{padded}")).compute(ID, kind="x") == BlindIndex(
        Keyring.parse(f" k1:{KEY_A} ")
    ).compute(ID, kind="x")


def test_generate_spec():
    spec = Keyring.generate_spec("2026-q4")
    ring = Keyring.parse(spec)
    assert ring.kids == ("2026-q4",)
    assert Keyring.generate_spec() != Keyring.generate_spec()
    assert Keyring.parse(Keyring.generate_spec()).active_kid == "k1"
    with pytest.raises(ValueError, match="key id"):
        Keyring.generate_spec("no spaces")


SHORT = base64.urlsafe_b64encode(bytes(range(16))).decode()
LONG = base64.urlsafe_b64encode(bytes(range(33))).decode()
STANDARD = base64.b64encode(bytes([251] * 32)).decode()  # '+' and '/', not urlsafe


@pytest.mark.parametrize(
    ("spec", "secret", "hint"),
    [
        ("", None, "entry 1"),
        (KEY_A, KEY_A, "entry 1"),
        (f"k1 {KEY_A}", KEY_A, "entry 1"),
        (f"k1:{KEY_A},{KEY_B}", KEY_B, "entry 2"),
        (f"k1:{KEY_A},k1:{KEY_B}", KEY_B, "duplicate"),
        (f"bad kid:{KEY_A}", KEY_A, "entry 1"),
        (f"a_kid_of_17_chars:{KEY_A}", KEY_A, "entry 1"),
        (f"k1:{SHORT}", SHORT, "32"),
        (f"k1:{LONG}", LONG, "32"),
        (f"k1:{STANDARD}", STANDARD, "base64"),
        (f"k1:{KEY_A[:-1]}", KEY_A, "32"),
        (f"k1:{KEY_A[:-2]}", KEY_A, "base64"),
        (f"k1:{KEY_A}!", KEY_A, "base64"),
        (f"k1:{KEY_A},", KEY_A, "entry 2"),
    ],
)
def test_keyring_errors_never_show_key_material(spec, secret, hint):
    with pytest.raises(ValueError, match=hint) as info:
        Keyring.parse(spec)
    message = str(info.value) + repr(info.value)
    if secret:
        for start in range(len(secret) - 6):
            assert secret[start : start + 6] not in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_keyring_repr_hides_keys(ring):
    assert repr(ring) == "<Keyring kids=['k1']>"
    assert KEY_A not in repr(ring)
