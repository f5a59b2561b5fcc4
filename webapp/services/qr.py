"""Signed QR payloads and their rendering (SVG for screens, PNG for print).

A payload is a short text "GM1:<kind>:<signed>" whose signature (itsdangerous, keyed by the
app's secret) makes a forged or altered code fail to verify.
"""

from __future__ import annotations

import io
import re

import qrcode
import qrcode.image.svg
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

PREFIX = "GM1"
KINDS = ("w", "g", "m")  # a worker's personal code, a gig, a station poster


class QrError(ValueError):
    """A QR payload that is not ours, was altered, or is out of date."""


def _serializer(kind: str) -> URLSafeSerializer:
    """A serializer whose salt is the payload kind, so a gig code cannot pass as a worker's."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"qr-{kind}")


def sign(kind: str, data: dict) -> str:
    """The text to put in a QR code for this kind and data."""
    return f"{PREFIX}:{kind}:{_serializer(kind).dumps(data)}"


def verify(text: str, kind: str) -> dict:
    """The data of a scanned payload of the expected kind, or QrError."""
    parts = (text or "").strip().split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] != kind:
        raise QrError("not a payload of this kind")
    try:
        data = _serializer(kind).loads(parts[2])
    except BadSignature:
        raise QrError("bad signature") from None
    if not isinstance(data, dict):
        raise QrError("bad payload")
    return data


def read(text: str) -> tuple[str, dict]:
    """The kind and data of any payload of ours (kind w, g or m), or QrError.

    Each kind is checked with its own salt, so a code altered to claim another kind fails too.
    """
    parts = (text or "").strip().split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] not in KINDS:
        raise QrError("not one of our payloads")
    kind = parts[1]
    return kind, verify(text, kind)


def gig_id_of(data: dict) -> str:
    """The gig public id a verified gig payload names, or QrError if it is malformed."""
    public_id = data.get("g")
    if not isinstance(public_id, str) or not re.fullmatch(r"[0-9a-f]{32}", public_id):
        raise QrError("bad gig payload")
    return public_id


def market_id_of(data: dict) -> int:
    """The market id a verified station payload names, or QrError if it is malformed."""
    market_id = data.get("m")
    if isinstance(market_id, bool) or not isinstance(market_id, int) or market_id <= 0:
        raise QrError("bad market payload")
    return market_id


def worker_payload(public_id: str, version: int) -> str:
    """A worker's personal QR text (printed slip or phone)."""
    return sign("w", {"w": public_id, "v": version})


def gig_payload(public_id: str) -> str:
    """A gig's QR payload (put in a URL for phone cameras: /m/q/<payload>)."""
    return sign("g", {"g": public_id})


def market_payload(market_id: int) -> str:
    """A station poster's QR payload (leads to /m/ for that market)."""
    return sign("m", {"m": market_id})


def svg(text: str, *, box_size: int = 10) -> str:
    """An inline-able SVG of the QR code (no XML declaration)."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=box_size,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    return image.to_string(encoding="unicode")


def png(text: str, *, box_size: int = 8) -> bytes:
    """A PNG of the QR code, for print."""
    image = qrcode.make(text, box_size=box_size, error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
