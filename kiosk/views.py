"""The kiosk surface (/kiosk/): full-screen, touch-first, for walk-in workers."""

from flask import Blueprint, render_template

bp = Blueprint("kiosk", __name__, template_folder="templates")


@bp.get("/")
def welcome():
    """The welcome screen every idle kiosk returns to."""
    return render_template("kiosk/welcome.html")
