"""Identity data at rest: row-bound encryption, blind indexes, rotation (requirement 8)."""

import pytest
from sqlalchemy import select, text

from config import TestingConfig
from webapp import create_app
from webapp.extensions import db
from webapp.identity import DecryptionError, Keyring
from webapp.models import Worker
from webapp.services import identity


def test_identity_is_stored_only_as_ciphertext(app, make_market, make_worker):
    public_id, number = make_worker(make_market(), phone="+8613912345678")
    with app.app_context():
        row = (
            db.session.execute(text("SELECT * FROM worker WHERE public_id = :p"), {"p": public_id})
            .mappings()
            .one()
        )
        flat = " ".join(str(v) for v in row.values())
        assert number not in flat
        assert "13912345678" not in flat
        worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
        assert identity.worker_id_number(worker) == number
        assert identity.worker_phone(worker) == "+8613912345678"


def test_ciphertext_copied_to_another_row_does_not_decrypt(app, make_market, make_worker):
    market = make_market()
    a, _ = make_worker(market, phone="+8613912345601")
    b, _ = make_worker(market, phone="+8613912345602")
    with app.app_context():
        wa = db.session.scalar(select(Worker).where(Worker.public_id == a))
        wb = db.session.scalar(select(Worker).where(Worker.public_id == b))
        wb.id_number_enc = wa.id_number_enc  # an insider swaps ciphertexts
        db.session.commit()
        with pytest.raises(DecryptionError):
            identity.worker_id_number(wb)
        wb.phone_enc = wa.id_number_enc  # or moves one into another column
        with pytest.raises(DecryptionError):
            identity.worker_phone(wb)


def test_lookup_by_id_number_and_phone_uses_the_blind_index(app, make_market, make_worker):
    public_id, number = make_worker(make_market(), phone="+8615012345678")
    with app.app_context():
        assert identity.find_worker_by_id_number(number.lower()).public_id == public_id
        assert identity.find_worker_by_phone("150 1234 5678").public_id == public_id
        assert identity.find_worker_by_phone("+8615012349999") is None


def test_key_rotation_reencrypts_everything(app, make_market, make_worker):
    public_id, number = make_worker(make_market())
    new_key = Keyring.generate_spec(kid="k9")
    rotated = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        DATA_KEY=f"{new_key},{TestingConfig.DATA_KEY}",
    )
    with rotated.app_context():
        # While the old keys are still in the ring, lookups work before the rotation runs.
        assert identity.find_worker_by_id_number(number).public_id == public_id
        counts = identity.rotate_all()
        db.session.commit()
        assert counts["worker.id_number"] == 1
        db.session.remove()  # return the session's connection first
        db.engine.dispose()
    new_only = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        DATA_KEY=new_key,
    )
    with new_only.app_context():
        worker = identity.find_worker_by_id_number(number)
        assert worker is not None
        assert worker.public_id == public_id
        assert identity.worker_id_number(worker) == number
        db.session.remove()  # return the session's connection first
        db.engine.dispose()
