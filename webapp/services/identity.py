"""Identity protection bound to the app: keys from config, row-bound encryption, lookups.

The pure pieces (validators, AES-GCM, HMAC blind index, masking) live in webapp/identity/;
this module wires them to GIGMARKET_DATA_KEY and to the rows that hold personal data. Every
encrypted column is declared once in FIELDS, which drives storing, reading and key rotation.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.identity import BlindIndex, FieldCipher, Keyring, normalize_mobile, parse_resident_id
from webapp.models import Complaint, Employer, FaceTemplate, Gig, KioskVisit, PhoneAccount, Worker

_EXT_KEY = "gigmarket.keyring"


@dataclass(frozen=True)
class EncryptedField:
    """One encrypted column: where the ciphertext and its blind index live, under which key."""

    model: type
    name: str  # the logical column, part of the associated data
    enc_attr: str
    index_attr: str | None = None
    index_kind: str | None = None
    purpose: str = "identity"  # face templates use their own key

    @property
    def table(self) -> str:
        """The table name, part of the associated data."""
        return self.model.__tablename__


FIELDS: dict[tuple[type, str], EncryptedField] = {
    (f.model, f.name): f
    for f in (
        EncryptedField(Worker, "id_number", "id_number_enc", "id_number_index", "resident_id"),
        EncryptedField(Worker, "phone", "phone_enc", "phone_index", "phone"),
        EncryptedField(Employer, "contact_id", "contact_id_enc", "contact_id_index", "resident_id"),
        EncryptedField(
            Employer, "contact_phone", "contact_phone_enc", "contact_phone_index", "phone"
        ),
        EncryptedField(Gig, "contact_phone", "contact_phone_enc"),
        EncryptedField(PhoneAccount, "phone", "phone_enc", "phone_index", "phone"),
        EncryptedField(Complaint, "contact_phone", "contact_phone_enc"),
        EncryptedField(FaceTemplate, "template", "template_enc", purpose="face"),
        EncryptedField(KioskVisit, "card", "card_enc"),  # card_index is set by kiosk/visits.py
        EncryptedField(KioskVisit, "card_encoding", "card_encoding_enc", purpose="face"),
    )
}


def keyring() -> Keyring:
    """The app's keyring, parsed once per app from GIGMARKET_DATA_KEY."""
    ring = current_app.extensions.get(_EXT_KEY)
    if ring is None:
        spec = current_app.config.get("DATA_KEY")
        if not spec:
            raise RuntimeError("GIGMARKET_DATA_KEY is not set")
        ring = current_app.extensions[_EXT_KEY] = Keyring.parse(spec)
    return ring


def cipher(purpose: str = "identity") -> FieldCipher:
    """A field cipher for identity data, or for face templates (their own key)."""
    return FieldCipher(keyring(), purpose=purpose)


def blind_index() -> BlindIndex:
    """The HMAC blind index over the app's keyring."""
    return BlindIndex(keyring())


def _field(row, name: str) -> EncryptedField:
    """The declaration of an encrypted column of this row's model."""
    return FIELDS[(type(row), name)]


def store(row, name: str, value: str | bytes | None) -> None:
    """Encrypt a value into the row, bound to its table, column and id; update its blind index."""
    field = _field(row, name)
    if value is None:
        setattr(row, field.enc_attr, None)
        if field.index_attr:
            setattr(row, field.index_attr, None)
        return
    if field.index_attr:
        setattr(row, field.index_attr, blind_index().compute(value, kind=field.index_kind))
    if row.id is None:
        db.session.add(row)
        db.session.flush()  # the row id is part of the associated data
    token = cipher(field.purpose).encrypt(value, table=field.table, column=name, row_id=row.id)
    setattr(row, field.enc_attr, token)


def reveal(row, name: str) -> str | None:
    """Decrypt a text column of a row (views of full identities are audited by the caller)."""
    field = _field(row, name)
    token = getattr(row, field.enc_attr)
    if token is None:
        return None
    return cipher(field.purpose).decrypt_text(token, table=field.table, column=name, row_id=row.id)


def reveal_bytes(row, name: str) -> bytes | None:
    """Decrypt a binary column of a row (face templates)."""
    field = _field(row, name)
    token = getattr(row, field.enc_attr)
    if token is None:
        return None
    return cipher(field.purpose).decrypt(token, table=field.table, column=name, row_id=row.id)


def worker_id_number(worker: Worker) -> str:
    """A worker's full ID number."""
    return reveal(worker, "id_number")


def worker_phone(worker: Worker) -> str | None:
    """A worker's phone in E.164, if any."""
    return reveal(worker, "phone")


def find_worker_by_id_number(id_number: str) -> Worker | None:
    """Look a worker up by ID number through the blind index (any key in the ring)."""
    number = parse_resident_id(id_number, min_age=0).number
    candidates = blind_index().candidates(number, kind="resident_id")
    return db.session.scalar(select(Worker).where(Worker.id_number_index.in_(candidates)))


def find_worker_by_phone(phone: str) -> Worker | None:
    """Look a worker up by mobile number through the blind index."""
    candidates = blind_index().candidates(normalize_mobile(phone), kind="phone")
    return db.session.scalar(select(Worker).where(Worker.phone_index.in_(candidates)))


def find_account_by_phone(phone: str) -> PhoneAccount | None:
    """Look a phone account up by mobile number through the blind index."""
    candidates = blind_index().candidates(normalize_mobile(phone), kind="phone")
    return db.session.scalar(select(PhoneAccount).where(PhoneAccount.phone_index.in_(candidates)))


def rotate_all(batch: int = 500) -> dict[str, int]:
    """Re-encrypt every ciphertext (and recompute blind indexes) under the active key."""
    active = keyring().active_kid
    counts: dict[str, int] = {}
    for field in FIELDS.values():
        model, enc = field.model, getattr(field.model, field.enc_attr)
        done, last_id = 0, 0
        while True:
            rows = db.session.scalars(
                select(model)
                .where(model.id > last_id, enc.is_not(None))
                .order_by(model.id)
                .limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                last_id = row.id
                value = reveal_bytes(row, field.name)
                token = getattr(row, field.enc_attr)
                # Indexed fields are always rewritten: their blind index depends on the key too.
                if cipher(field.purpose).key_id_of(token) == active and field.index_attr is None:
                    continue
                store(row, field.name, value if field.purpose == "face" else value.decode())
                done += 1
            db.session.flush()
        counts[f"{field.table}.{field.name}"] = done
    return counts
