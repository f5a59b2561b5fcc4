"""The kiosk check-in flow (人证核验): card > face consent > face > check-in, or staff.

State lives on the server in a KioskVisit row; the page holds only the visit's random token.
The card photo is reduced to a face encoding at once and never stored; captured frames exist
only inside one request. Services add and flush; the view commits.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from kiosk.cardreader import parse_bridge_payload, validate_card
from kiosk.cardreader.card import photo_as_jpeg
from webapp.extensions import db
from webapp.identity import parse_resident_id
from webapp.models import CheckIn, Consent, FaceTemplate, Kiosk, KioskVisit, StaffUser, Worker
from webapp.models.base import utcnow
from webapp.models.types import (
    CheckInMethod,
    ConsentPurpose,
    FaceDecision,
    SubjectKind,
    VerificationStatus,
)
from webapp.services import audit, identity, qr

CONSENT_VERSION = "2026-11"


class VisitError(Exception):
    """A step that cannot go on, with a code the kiosk screen explains in words."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class FaceOutcome:
    """What a face submission led to."""

    decision: str | None  # match / review / reject, or None when no decision could be made
    reason: str | None  # failure code: no_face, several_faces, liveness, attempts, ...
    attempts_left: int


def _token_hash(token: str) -> str:
    """SHA-256 of a random visit token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _card_dict(checked) -> dict:
    """The card fields a visit keeps (no address, no photo: data minimisation)."""
    card = checked.card
    return {
        "name": card.name,
        "sex": checked.resident_id.sex,
        "nation": card.nation,
        "birth_date": checked.resident_id.birth_date.isoformat(),
        "id_number": checked.resident_id.number,
        "valid_until": card.valid_until.isoformat() if card.valid_until else None,
    }


def card_of(visit: KioskVisit) -> dict:
    """The decrypted card fields of a visit."""
    return json.loads(identity.reveal(visit, "card"))


def get_visit(kiosk: Kiosk, token: str) -> KioskVisit:
    """The live visit with this token at this kiosk, or VisitError('expired')."""
    visit = db.session.scalar(select(KioskVisit).where(KioskVisit.token_hash == _token_hash(token)))
    if visit is None or visit.kiosk_id != kiosk.id:
        raise VisitError("expired")
    if visit.ended_at is not None or visit.expires_at < utcnow():
        raise VisitError("expired")
    return visit


def start_visit(
    kiosk: Kiosk, payload: dict, *, today: date | None = None
) -> tuple[KioskVisit, str]:
    """Validate a card read at this kiosk and open a visit for it.

    Raises CardReadError or CardRejected (with plain-language messages) for bad cards.
    """
    today = today or utcnow().date()
    card = parse_bridge_payload(payload)
    checked = validate_card(card, today=today, min_age=current_app.config["MIN_WORKER_AGE"])
    token = secrets.token_urlsafe(24)
    visit = KioskVisit(
        token_hash=_token_hash(token),
        kiosk_id=kiosk.id,
        market_id=kiosk.market_id,
        step="consent",
        is_minor=checked.is_minor,
        expires_at=utcnow() + current_app.config["KIOSK_VISIT_TTL"],
    )
    identity.store(visit, "card", json.dumps(_card_dict(checked), ensure_ascii=False))
    visit.card_index = identity.blind_index().compute(
        checked.resident_id.number, kind="resident_id"
    )
    worker = identity.find_worker_by_id_number(checked.resident_id.number)
    visit.worker_id = worker.id if worker else None
    encoding = _card_photo_encoding(photo_as_jpeg(card))
    if encoding is not None:
        identity.store(visit, "card_encoding", encoding.astype("<f8").tobytes())
    return visit, token


def _card_photo_encoding(photo: bytes | None) -> np.ndarray | None:
    """The face encoding of the card photo, or None if there is no usable face in it."""
    if not photo:
        return None
    from kiosk import face

    try:
        return face.encode_single_face(face.load_image(photo), small=True).encoding
    except (face.FaceInputError, face.FaceEngineUnavailable):
        return None


def _card_encoding(visit: KioskVisit) -> np.ndarray | None:
    """The stored card-photo encoding of a visit."""
    raw = identity.reveal_bytes(visit, "card_encoding")
    return None if raw is None else np.frombuffer(raw, dtype="<f8")


def record_consent(visit: KioskVisit, *, face: bool, keep_template: bool) -> None:
    """The person's choice on the consent screen; declining leads to staff."""
    visit.face_consent = face
    if not face:
        send_to_staff(visit, "declined")
        return
    if visit.card_encoding_enc is None:
        send_to_staff(visit, "card_photo")  # nothing to compare with: staff check by eye
        return
    visit.step = "face"
    visit.challenge = secrets.choice(["left", "right"])
    visit.keep_template = keep_template


def send_to_staff(visit: KioskVisit, reason: str) -> None:
    """Put the visit in the staff queue (assisted path or a 'review' decision)."""
    visit.step = "assisted"
    visit.review_status = "pending"
    visit.review_reason = reason
    # The person waits at the kiosk or the counter: keep the visit alive for staff.
    visit.expires_at = max(visit.expires_at, utcnow() + current_app.config["KIOSK_REVIEW_TTL"])


def attempts_used(visit: KioskVisit) -> int:
    """Face attempts for this card at this kiosk in the last hour (all visits)."""
    since = utcnow() - timedelta(hours=1)
    used = db.session.scalar(
        select(func.coalesce(func.sum(KioskVisit.face_attempts), 0)).where(
            KioskVisit.card_index == visit.card_index,
            KioskVisit.kiosk_id == visit.kiosk_id,
            KioskVisit.created_at >= since,
        )
    )
    return int(used)


def submit_face(visit: KioskVisit, frames: list[bytes]) -> FaceOutcome:
    """Compare live frames with the card photo, check liveness, decide, and act on it."""
    from kiosk import face

    limit = current_app.config["FACE_MAX_ATTEMPTS"]
    if visit.step != "face":
        raise VisitError("wrong_step")
    if attempts_used(visit) >= limit:
        send_to_staff(visit, "attempts")
        return FaceOutcome(None, "attempts", 0)
    visit.face_attempts += 1
    db.session.flush()
    left = max(limit - attempts_used(visit), 0)  # this attempt included
    reference = _card_encoding(visit)
    thresholds = face.FaceThresholds(
        match=current_app.config["FACE_MATCH_THRESHOLD"],
        reject=current_app.config["FACE_REJECT_THRESHOLD"],
    )
    samples, reason = live_samples(frames, visit.challenge)
    if reason == "engine":
        send_to_staff(visit, "engine")
        return FaceOutcome(None, "engine", left)
    if not samples:
        visit.failure = reason or "no_face"
        return _after_failure(visit, visit.failure, left)
    liveness = face.check_head_turn(
        samples, visit.challenge, min_turn=current_app.config["LIVENESS_MIN_TURN"]
    )
    visit.liveness_passed = liveness.passed
    comparison = face.compare(reference, [s.encoding for s in samples], thresholds)
    visit.best_distance = float(comparison.best_distance)
    if not liveness.passed:
        visit.failure = "liveness"
        return _after_failure(visit, "liveness", left)
    visit.decision = FaceDecision(comparison.decision)
    if visit.decision == FaceDecision.MATCH:
        best = min(samples, key=lambda s: float(np.linalg.norm(s.encoding - reference)))
        complete_check_in(visit, CheckInMethod.ID_CARD_FACE, live_encoding=best.encoding)
        return FaceOutcome("match", None, left)
    if visit.decision == FaceDecision.REVIEW:
        send_to_staff(visit, "face_review")
        return FaceOutcome("review", None, left)
    visit.failure = "reject"
    return _after_failure(visit, "reject", left)


def live_samples(frames: list[bytes], challenge: str | None) -> tuple[list, str | None]:
    """The frames worth encoding: the two most frontal and the one turned furthest as asked.

    Every frame is located (detection and 5-point landmarks, ~45 ms) but only these three are
    encoded (~200 ms each), which halves a check-in's wait. Returns (samples, failure code).
    """
    from kiosk import face

    located, reason = [], None
    for frame in frames[: current_app.config["FACE_MAX_FRAMES"]]:
        try:
            image = face.load_image(frame)
            sample = face.locate_single_face(image)
            located.append((face.yaw_ratio(sample.landmarks), image, sample))
        except face.FaceInputError as err:
            if err.code == "several_faces":
                return [], "several_faces"  # someone else is in view: refuse the attempt
            reason = reason or err.code
        except ValueError:
            reason = reason or "no_face"  # landmarks unusable
        except face.FaceEngineUnavailable:
            return [], "engine"
    if not located:
        return [], reason or "no_face"
    by_frontal = sorted(range(len(located)), key=lambda i: abs(located[i][0]))
    chosen = by_frontal[:2]
    sign = 1 if challenge == "left" else -1  # yaw > 0: turned to the person's own left
    rest = [i for i in range(len(located)) if i not in chosen]
    if rest:
        chosen.append(max(rest, key=lambda i: sign * located[i][0]))
    return [face.encode_sample(located[i][1], located[i][2]) for i in chosen], None


def _after_failure(visit: KioskVisit, reason: str, left: int) -> FaceOutcome:
    """Let the person try again while attempts remain, else hand over to staff."""
    if left <= 0:
        send_to_staff(visit, reason)
        return FaceOutcome(None, reason, 0)
    visit.challenge = secrets.choice(["left", "right"])
    return FaceOutcome("reject" if reason == "reject" else None, reason, left)


def _worker_from_card(visit: KioskVisit, card: dict, method: str) -> Worker:
    """Register a first-time worker from the card (real name verified at the station)."""
    rid = parse_resident_id(card["id_number"], min_age=0)
    worker = Worker(
        name=card["name"],
        birth_date=rid.birth_date,
        sex=rid.sex,
        hukou_region=rid.region_code,
        nation=card.get("nation"),
        id_valid_until=date.fromisoformat(card["valid_until"]) if card.get("valid_until") else None,
        registered_market_id=visit.market_id,
        verification_status=VerificationStatus.VERIFIED,
        verification_method=method,
        verified_at=utcnow(),
    )
    identity.store(worker, "id_number", rid.number)
    _consent(worker, ConsentPurpose.PERSONAL_INFO, visit.kiosk_id)
    return worker


def _consent(worker: Worker, purpose: ConsentPurpose, kiosk_id: int | None) -> Consent:
    """Record a consent the worker gave at a kiosk, for one purpose (flushed)."""
    consent = Consent(
        subject_kind=SubjectKind.WORKER,
        worker_id=worker.id,
        purpose=purpose,
        version=CONSENT_VERSION,
        channel="kiosk",
        kiosk_id=kiosk_id,
        given_at=utcnow(),
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def complete_check_in(
    visit: KioskVisit,
    method: CheckInMethod,
    *,
    live_encoding: np.ndarray | None = None,
    staff: StaffUser | None = None,
) -> CheckIn:
    """Create the check-in (and the worker on a first visit); record consents; end the flow."""
    now = utcnow()
    first_visit = visit.worker_id is None
    if first_visit:
        card = card_of(visit)
        worker = _worker_from_card(visit, card, "kiosk_face" if staff is None else "staff")
        visit.worker_id = worker.id
    else:
        worker = db.session.get(Worker, visit.worker_id)
        if worker.verification_status != VerificationStatus.VERIFIED:
            worker.verification_status = VerificationStatus.VERIFIED
            worker.verified_at = now
    if visit.face_consent:
        _consent(worker, ConsentPurpose.FACE_VERIFICATION, visit.kiosk_id)
    if visit.keep_template and live_encoding is not None:
        keep_face_template(worker, live_encoding, visit.kiosk_id)
    check_in = CheckIn(
        worker_id=worker.id,
        market_id=visit.market_id,
        kiosk_id=visit.kiosk_id,
        method=method,
        face_distance=visit.best_distance,
        face_decision=visit.decision,
        liveness_passed=visit.liveness_passed,
        assisted_by_id=staff.id if staff else None,
        checked_in_at=now,
    )
    db.session.add(check_in)
    db.session.flush()
    worker.last_check_in_at = now
    visit.check_in_id = check_in.id
    visit.step = "profile" if first_visit else "done"
    return check_in


def keep_face_template(worker: Worker, encoding: np.ndarray, kiosk_id: int | None) -> FaceTemplate:
    """Store (or replace) a worker's face template under its own consent and key."""
    consent = _consent(worker, ConsentPurpose.FACE_TEMPLATE, kiosk_id)
    template = worker.face_template or FaceTemplate(worker_id=worker.id, consent_id=consent.id)
    template.consent_id = consent.id
    db.session.add(template)
    identity.store(template, "template", np.asarray(encoding, dtype="<f8").tobytes())
    return template


def withdraw_face_template(worker: Worker) -> bool:
    """Withdraw the face-template consent and delete the template (PIPL Art. 47)."""
    now = utcnow()
    db.session.execute(
        update(Consent)
        .where(
            Consent.worker_id == worker.id,
            Consent.purpose == ConsentPurpose.FACE_TEMPLATE,
            Consent.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now)
    )
    if worker.face_template is None:
        return False
    db.session.delete(worker.face_template)
    return True


def staff_decide(
    visit: KioskVisit, staff: StaffUser, *, approve: bool, note: str
) -> CheckIn | None:
    """Staff confirm (card checked by eye) or refuse a queued visit; audited either way."""
    if visit.review_status != "pending":
        raise VisitError("already_decided")
    visit.review_status = "approved" if approve else "refused"
    visit.reviewed_by_id = staff.id
    visit.reviewed_at = utcnow()
    visit.review_note = note[:500] or None
    audit.record(
        "kiosk_review_approve" if approve else "kiosk_review_refuse",
        actor_kind="staff",
        actor_id=staff.id,
        object_kind="kiosk_visit",
        object_id=visit.id,
        market_id=visit.market_id,
        detail={"reason": visit.review_reason, "distance": visit.best_distance},
    )
    if not approve:
        visit.step = "refused"
        return None
    method = CheckInMethod.STAFF_ASSISTED
    return complete_check_in(visit, method, staff=staff)


def end_visit(visit: KioskVisit) -> None:
    """Close a visit and wipe its card data and encoding (idle reset, done, or timeout)."""
    visit.ended_at = visit.ended_at or utcnow()
    visit.card_enc = None
    visit.card_encoding_enc = None


def purge_stale_visits(now: datetime | None = None) -> int:
    """Wipe the card data of visits that timed out or ended (a scheduled job)."""
    now = now or utcnow()
    result = db.session.execute(
        update(KioskVisit)
        .where(
            (KioskVisit.expires_at < now) | KioskVisit.ended_at.is_not(None),
            KioskVisit.card_enc.is_not(None) | KioskVisit.card_encoding_enc.is_not(None),
            # Queued visits keep their card for staff until decided or a day has passed.
            (KioskVisit.review_status.is_(None))
            | (KioskVisit.review_status != "pending")
            | (KioskVisit.created_at < now - timedelta(days=1)),
        )
        .values(card_enc=None, card_encoding_enc=None)
    )
    return result.rowcount


FACE_REASONS = {
    "no_face": _l("We could not see your face."),
    "several_faces": _l(
        "More than one face was in view: please stand alone in front of the screen."
    ),
    "face_too_small": _l("Please come closer to the screen."),
    "liveness": _l("We did not see your head turn."),
    "reject": _l("Your face did not match the card photo."),
    "attempts": _l("The face check did not work this time."),
    "engine": _l("The face check is not available right now."),
}

MESSAGES = {
    "qr_invalid": _l("This code is not valid here. Please use your ID card."),
    "qr_outdated": _l("This slip has been replaced by a newer one. Please use your ID card."),
    "inactive": _l("Please go to the counter: the staff will help you."),
}


def message_for(code: str):
    """The plain-language message for a visit error code."""
    return MESSAGES.get(code, MESSAGES["inactive"])


def worker_from_qr(text: str) -> Worker:
    """The worker a personal QR code names, if it is genuine and current."""
    try:
        data = qr.verify(text, "w")
    except qr.QrError:
        raise VisitError("qr_invalid") from None
    worker = db.session.scalar(select(Worker).where(Worker.public_id == str(data.get("w"))))
    if worker is None:
        raise VisitError("qr_invalid")
    if data.get("v") != worker.qr_version:
        raise VisitError("qr_outdated")
    if not worker.is_active:
        raise VisitError("inactive")
    return worker


def _new_visit(kiosk: Kiosk, step: str) -> tuple[KioskVisit, str]:
    """A visit with no card yet (QR or face-only check-in)."""
    token = secrets.token_urlsafe(24)
    visit = KioskVisit(
        token_hash=_token_hash(token),
        kiosk_id=kiosk.id,
        market_id=kiosk.market_id,
        step=step,
        expires_at=utcnow() + current_app.config["KIOSK_VISIT_TTL"],
    )
    db.session.add(visit)
    db.session.flush()
    return visit, token


def check_in_known_worker(
    kiosk: Kiosk, worker: Worker, method: CheckInMethod
) -> tuple[KioskVisit, str]:
    """Check in a worker identified by QR or by face and phone digits."""
    visit, token = _new_visit(kiosk, "done")
    visit.worker_id = worker.id
    complete_check_in(visit, method)
    return visit, token


def start_face_search(kiosk: Kiosk) -> tuple[KioskVisit, str]:
    """Open a face-only visit with its liveness challenge."""
    visit, token = _new_visit(kiosk, "face_search")
    visit.challenge = secrets.choice(["left", "right"])
    visit.face_consent = None
    return visit, token


def _enrolled_templates(market_id: int) -> list[tuple[int, np.ndarray]]:
    """Face templates of workers enrolled at this market (registered or seen here)."""
    seen_here = select(CheckIn.worker_id).where(CheckIn.market_id == market_id)
    rows = db.session.scalars(
        select(FaceTemplate)
        .join(Worker, Worker.id == FaceTemplate.worker_id)
        .where(
            Worker.is_active.is_(True),
            (Worker.registered_market_id == market_id) | Worker.id.in_(seen_here),
        )
    ).all()
    return [
        (t.worker_id, np.frombuffer(identity.reveal_bytes(t, "template"), dtype="<f8"))
        for t in rows
    ]


def face_search(visit: KioskVisit, frames: list[bytes]) -> bool:
    """Match live frames against the market's enrolled templates; keep the close candidates."""
    from kiosk import face

    visit.face_consent = True
    visit.face_attempts += 1
    samples, reason = live_samples(frames, visit.challenge)
    if not samples:
        return _no_candidates(visit, reason or "no_face")
    liveness = face.check_head_turn(
        samples, visit.challenge, min_turn=current_app.config["LIVENESS_MIN_TURN"]
    )
    visit.liveness_passed = liveness.passed
    if not liveness.passed:
        return _no_candidates(visit, "liveness")
    templates = _enrolled_templates(visit.market_id)
    if not templates:
        return _no_candidates(visit, "none_enrolled")
    live = np.stack([s.encoding for s in samples])
    ids = [worker_id for worker_id, _ in templates]
    matrix = np.stack([t for _, t in templates])
    best = np.linalg.norm(matrix[:, None, :] - live[None, :, :], axis=2).min(axis=1)
    threshold = current_app.config["FACE_MATCH_THRESHOLD"]
    order = [i for i in np.argsort(best) if best[i] <= threshold][:3]
    if not order:
        return _no_candidates(visit, "no_match")
    visit.candidates = [int(ids[i]) for i in order]
    visit.best_distance = float(best[order[0]])
    visit.step = "digits"
    return True


def _no_candidates(visit: KioskVisit, reason: str) -> bool:
    """End a face-only search that found nobody."""
    visit.failure = reason
    end_visit(visit)
    return False


def confirm_face_search(visit: KioskVisit, digits: str) -> bool:
    """Check in the candidate whose phone ends in these four digits; three tries at most."""
    if visit.step != "digits" or not visit.candidates:
        raise VisitError("wrong_step")
    digits = "".join(ch for ch in digits if ch.isdigit())
    if len(digits) == 4:
        for worker_id in visit.candidates:
            worker = db.session.get(Worker, worker_id)
            phone = identity.worker_phone(worker) if worker else None
            if phone and phone.endswith(digits):
                visit.worker_id = worker.id
                visit.decision = FaceDecision.MATCH
                complete_check_in(visit, CheckInMethod.FACE_ONLY)
                return True
    visit.face_attempts += 1
    if visit.face_attempts > 3:
        end_visit(visit)
    return False
