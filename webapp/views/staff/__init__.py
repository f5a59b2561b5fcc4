"""Staff pages (/staff/), one module per area, all on one blueprint."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from webapp.views.staff import (  # noqa: E402, F401 - routes register on bp
    agencies,
    dispatch,
    pages,
    review,
    station,
)
