"""Phone pages (/m/): one column for a 360-px screen on a slow network; plain forms, htmx enhances.

One blueprint, one module per audience: public (stations, open gigs), account (sign-in with a
one-time code), employer (verification, postings), worker (verification, sign-ups, my QR) and qr
(signed QR codes and printable posters).
"""

from flask import Blueprint

bp = Blueprint("mobile", __name__)

from webapp.views.mobile import account, employer, hire, public, qr, worker  # noqa: E402, F401
