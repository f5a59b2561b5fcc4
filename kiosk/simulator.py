"""The simulated ID card reader's endpoints (mounted under /kiosk/simulator).

They exist only when KIOSK_CARD_READER is "simulated"; otherwise every route is a 404. The card
"on the reader" is kept by the kiosk browser (sessionStorage), not here: several gunicorn workers
serve the app, so the server stays stateless and answers for the card the browser names.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from kiosk.cardreader import fixtures

sim_bp = Blueprint("kiosk_sim", __name__)

PANEL_TEXT = {
    "lift": _l("Lift the card"),
    "placed": _l("On the reader:"),
    "nothing": _l("nothing"),
}


@sim_bp.before_request
def only_when_simulated():
    """Hide the simulator entirely unless the config asks for it."""
    if current_app.config.get("KIOSK_CARD_READER") != "simulated":
        abort(404)


@sim_bp.after_request
def no_store(response):
    """Card data (even synthetic) is never cached, and every poll must reach the server."""
    response.headers["Cache-Control"] = "no-store"
    return response


@sim_bp.get("/readcard")
def readcard():
    """Exactly what the vendor bridge would answer for the fixture named by ?card=KEY."""
    key = request.args.get("card", "")
    if key in ("", "none"):
        return jsonify(fixtures.no_card_payload())
    specs = fixtures.load_specs()
    spec = specs.get(key)
    if spec is None:
        abort(404)
    if fixtures.is_slow(spec):
        time.sleep(float(current_app.config.get("KIOSK_SIM_SLOW_SECONDS", 2.0)))
    payload = fixtures.build_payload(
        spec, today=_station_today(), photo_dir=fixtures.photo_dir_from_config(current_app.config)
    )
    return jsonify(payload)


@sim_bp.get("/cards")
def cards():
    """The fixture cards for the simulator panel, with short labels and descriptions."""
    photo_dir = fixtures.photo_dir_from_config(current_app.config)
    return jsonify(
        cards=fixtures.card_list(photo_dir),
        text={name: str(text) for name, text in PANEL_TEXT.items()},
    )


def _station_today():
    """Today in the stations' time zone."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return datetime.now(zone).date()
