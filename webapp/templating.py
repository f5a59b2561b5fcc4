"""Template filters and globals: masking, money, dates, htmx detection."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask, request
from flask_babel import format_datetime, get_locale

from webapp.identity.masking import mask_id_number, mask_name, mask_phone


def is_htmx() -> bool:
    """Whether this request came from htmx (fragments are returned alone then)."""
    return request.headers.get("HX-Request") == "true"


def yuan(amount: Decimal | float | int | None) -> str:
    """Money as '¥180' or '¥18.50'."""
    if amount is None:
        return "—"
    value = Decimal(amount)
    text = f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"
    return f"¥{text}"


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC datetime shown in the station's time zone."""
    if value is None:
        return "—"
    return format_datetime(value, fmt)


def register(app: Flask) -> None:
    """Install the filters and globals on the app's Jinja environment."""
    app.jinja_env.filters.update(
        mask_id=mask_id_number,
        mask_phone=mask_phone,
        mask_name=mask_name,
        yuan=yuan,
        local_time=local_time,
    )
    app.jinja_env.globals.update(is_htmx=is_htmx, current_locale=lambda: str(get_locale()))
