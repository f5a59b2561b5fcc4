"""Phone accounts and real-name verification requests for the demo employers.

Every demo employer's contact phone gets a PhoneAccount, so anyone trying the product can sign in
on the phone pages as that employer (with the log SMS backend the one-time code is in the server
log). Each employer's verification history becomes VerificationRequest rows: approved for verified
and expired employers, rejected with the staff's reason, and pending ones waiting in the staff
review queue, enterprises with a generated licence image.
"""

from __future__ import annotations

import io
from datetime import time, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from webapp.extensions import db
from webapp.models import PhoneAccount, VerificationRequest
from webapp.models.types import EmployerKind, RequestStatus, SubjectKind, VerificationStatus
from webapp.services import identity, uploads

from .context import Context, EmployerPlan, local_at

_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
METHOD = {
    EmployerKind.ENTERPRISE: "enterprise_licence",
    EmployerKind.INDIVIDUAL: "individual_face",
    EmployerKind.HR_AGENCY: "agency_registry",
}


def _font(size: int) -> ImageFont.ImageFont:
    """A CJK font if the machine has one, else Pillow's built-in font (ASCII only)."""
    for path in _FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def licence_image(name: str, uscc: str) -> io.BytesIO:
    """A plainly fake business-licence picture for the demo: name, code, a 'DEMO' stamp."""
    image = Image.new("RGB", (1200, 850), (250, 244, 228))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 1170, 820), outline=(170, 40, 40), width=8)
    has_cjk = any(Path(p).exists() for p in _FONTS)
    title = "营业执照（演示）" if has_cjk else "BUSINESS LICENCE (DEMO)"
    draw.text((600, 110), title, fill=(170, 40, 40), font=_font(64), anchor="mm")
    body = _font(36)
    draw.text((90, 260), f"USCC  {uscc}", fill=(30, 30, 30), font=body)
    draw.text((90, 340), name if has_cjk else "(name in Chinese)", fill=(30, 30, 30), font=body)
    draw.text(
        (600, 640),
        "DEMO / 演示" if has_cjk else "DEMO",
        fill=(200, 60, 60),
        font=_font(90),
        anchor="mm",
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    out.seek(0)
    return out


def _request(ctx: Context, plan: EmployerPlan, account: PhoneAccount) -> VerificationRequest:
    """The employer's latest verification request, as its status says it went."""
    employer = plan.row
    status = {
        VerificationStatus.VERIFIED: RequestStatus.APPROVED,
        VerificationStatus.EXPIRED: RequestStatus.APPROVED,
        VerificationStatus.REJECTED: RequestStatus.REJECTED,
    }.get(employer.verification_status, RequestStatus.PENDING)
    method = METHOD[employer.kind]
    if employer.kind is EmployerKind.INDIVIDUAL and status is RequestStatus.PENDING:
        method = "station_card"  # no face photo to show: they will bring the card
    submitted = employer.created_at + timedelta(minutes=ctx.rng.randint(3, 40))
    request = VerificationRequest(
        subject_kind=SubjectKind.EMPLOYER,
        employer_id=employer.id,
        method=method,
        status=status,
        submitted_by_id=account.id,
        market_id=employer.market_id,
        checks=[{"check": "uscc_format", "ok": True}] if employer.uscc else [],
        created_at=submitted,
    )
    if status is RequestStatus.APPROVED:
        request.decided_at, request.decided_by_id = employer.verified_at, employer.verified_by_id
    elif status is RequestStatus.REJECTED:
        request.decided_at = submitted + timedelta(hours=3)
        request.reason = employer.verification_note
    db.session.add(request)
    return request


def build_accounts(ctx: Context) -> None:
    """A phone account per employer contact, and each employer's verification requests."""
    plans = ctx.employers
    accounts = []
    for plan in plans:
        account = PhoneAccount(
            employer_id=plan.row.id,
            created_at=plan.row.created_at,
            last_login_at=local_at(ctx.today - timedelta(days=1), time(8, 30)),
        )
        identity.store(account, "phone", plan.phone)
        accounts.append(account)
    db.session.flush()
    for plan, account in zip(plans, accounts, strict=True):
        request = _request(ctx, plan, account)
        employer = plan.row
        if employer.kind is EmployerKind.ENTERPRISE and (
            request.status is RequestStatus.PENDING or ctx.rng.random() < 0.15
        ):
            db.session.flush()
            document = uploads.save_image(
                licence_image(employer.name, employer.uscc), "licence", account.id
            )
            document.request_id = request.id
            document.created_at = request.created_at
    db.session.flush()
    ctx.progress(f"phone accounts {len(accounts)}")


def sign_in_examples(ctx: Context) -> list[tuple[str, str, str]]:
    """(role, name, phone) to try the phone pages with: verified, pending, rejected employers."""
    examples = []
    for wanted, label in (
        (VerificationStatus.VERIFIED, "verified employer"),
        (VerificationStatus.PENDING, "employer waiting for review"),
        (VerificationStatus.REJECTED, "rejected employer"),
    ):
        plan = next(
            (
                p
                for p in ctx.employers
                if p.row.verification_status is wanted and p.row.kind is EmployerKind.ENTERPRISE
            ),
            None,
        )
        if plan is not None:
            examples.append((label, plan.row.name, plan.phone.removeprefix("+86")))
    worker = next((w for w in ctx.workers if w.phone and w.method == "kiosk_face"), None)
    if worker is not None:
        examples.append(
            ("kiosk-verified worker", worker.row.name, worker.phone.removeprefix("+86"))
        )
    return examples
