"""Staff sign-in: argon2 passwords and server-side sessions that logout really ends.

Flask's signed cookie alone stays valid after logout when replayed (security.md trap). Here the
cookie carries only a random session token; the StaffSession row behind it is checked on every
request, so logout, disabling an account or an idle timeout revoke it on the server.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import StaffSession, StaffUser
from webapp.models.base import utcnow

_hasher = PasswordHasher()
# Verifying against this keeps the time of a failed login the same whether or not the user exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
LAST_SEEN_WRITE_INTERVAL = timedelta(seconds=60)
MIN_PASSWORD_LENGTH = 10


class AuthError(Exception):
    """A sign-in that must be refused, with a message fit to show."""


def hash_password(password: str) -> str:
    """Hash a password with argon2id, refusing ones that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(_l("A password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    """SHA-256 of a random session token (the token has 256 bits: no HMAC needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(username: str, password: str) -> StaffUser:
    """Return the active staff user with these credentials, or raise AuthError."""
    staff = db.session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        if staff is not None:
            staff.failed_logins += 1
        raise AuthError(_l("Wrong user name or password.")) from None
    if staff is None or not staff.is_active:
        raise AuthError(_l("Wrong user name or password."))
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    staff.failed_logins = 0
    staff.last_login_at = utcnow()
    return staff


def open_session(staff: StaffUser, user_agent: str | None = None) -> str:
    """Create a server-side session for staff and return its token (for the signed cookie)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        StaffSession(
            token_hash=_token_hash(token),
            staff_id=staff.id,
            last_seen_at=utcnow(),
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    staff.session_token = token  # read by StaffUser.get_id via Flask-Login
    return token


def revoke_session(token: str) -> None:
    """End one session on the server."""
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == _token_hash(token), StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_sessions(staff: StaffUser) -> int:
    """End every session of a staff member (on disabling or a password change)."""
    result = db.session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount


def disable_staff(staff: StaffUser) -> None:
    """Disable an account and end its sessions at once."""
    staff.is_active = False
    revoke_all_sessions(staff)


def load_staff_from_session_token(token: str) -> StaffUser | None:
    """Flask-Login's user loader: the session must exist, be live, and belong to an active user."""
    row = db.session.scalar(
        select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
    )
    if row is None or row.revoked_at is not None or not row.staff.is_active:
        return None
    now = utcnow()
    if now - row.last_seen_at > current_app.config["STAFF_IDLE_TIMEOUT"]:
        row.revoked_at = now
        db.session.commit()  # an idle session is over for good, even if this request fails
        return None
    if now - row.last_seen_at > LAST_SEEN_WRITE_INTERVAL:
        row.last_seen_at = now
        db.session.commit()  # throttled: at most one write a minute per session
    row.staff.session_token = token
    return row.staff


def unauthorized():
    """Send people to the sign-in page and API clients a 401."""
    if request.path.startswith("/api/"):
        return jsonify(error="unauthorized", message=str(_l("Please sign in."))), 401
    if request.headers.get("HX-Request") == "true":
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = url_for("staff.login")
        return response
    flash(_l("Please sign in to continue."), "info")
    session["next"] = request.full_path if request.method == "GET" else None
    return redirect(url_for("staff.login"))
