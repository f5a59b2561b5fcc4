"""Signed QR payloads and their rendering (SVG for screens, PNG for print).

A payload is a short text "GM1:<kind>:<signed>" whose signature (itsdangerous, keyed by the
app's secret) makes a forged or altered code fail to verify.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

PREFIX = "GM1"


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


def worker_payload(public_id: str, version: int) -> str:
    """A worker's personal QR text (printed slip or phone)."""
    return sign("w", {"w": public_id, "v": version})


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
