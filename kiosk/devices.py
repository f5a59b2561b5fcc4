"""Registered kiosk devices: staff issue a device token bound to a market; the kiosk keeps it
in an HttpOnly cookie and every kiosk request is authenticated by it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Kiosk, Market, StaffUser
from webapp.models.base import utcnow

COOKIE_NAME = "gm_kiosk"
COOKIE_MAX_AGE = int(timedelta(days=400).total_seconds())
_LAST_SEEN_INTERVAL = timedelta(minutes=1)


def _hash(token: str) -> str:
    """SHA-256 of a 256-bit random device token."""
    return hashlib.sha256(token.encode()).hexdigest()


def register_kiosk(
    market: Market, name: str, orientation: str, staff: StaffUser
) -> tuple[Kiosk, str]:
    """Create a kiosk for a market and return it with its one-time-shown device token."""
    token = secrets.token_urlsafe(32)
    kiosk = Kiosk(
        market_id=market.id,
        name=name.strip()[:60],
        orientation=orientation if orientation in {"portrait", "landscape"} else "portrait",
        token_hash=_hash(token),
        registered_by_id=staff.id,
    )
    db.session.add(kiosk)
    db.session.flush()
    return kiosk, token


def revoke_kiosk(kiosk: Kiosk) -> None:
    """Stop a kiosk's token from working (a lost or replaced device)."""
    kiosk.revoked_at = utcnow()


def kiosk_for_token(token: str | None) -> Kiosk | None:
    """The live kiosk a device token belongs to, or None."""
    if not token or len(token) > 100:
        return None
    kiosk = db.session.scalar(select(Kiosk).where(Kiosk.token_hash == _hash(token)))
    if kiosk is None or kiosk.revoked_at is not None or not kiosk.market.is_active:
        return None
    return kiosk


def current_kiosk() -> Kiosk | None:
    """The kiosk making this request (from its device cookie), cached on `g`."""
    if "kiosk" not in g:
        kiosk = kiosk_for_token(request.cookies.get(COOKIE_NAME))
        if kiosk is not None:
            now = utcnow()
            if kiosk.last_seen_at is None or now - kiosk.last_seen_at > _LAST_SEEN_INTERVAL:
                kiosk.last_seen_at = now
                db.session.commit()  # throttled heartbeat, shown to staff
        g.kiosk = kiosk
    return g.kiosk


def set_device_cookie(response, token: str):
    """Remember the device token on this kiosk's browser."""
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=COOKIE_MAX_AGE,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
        path="/kiosk",
    )
    return response
