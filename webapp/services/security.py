"""HTTP security headers (security.md requirement 3) and the htmx Vary header."""

from flask import Response, current_app, request

# The kiosk's ID-card reader bridge listens on loopback (reference/faces.md); nothing else may be
# contacted. No 'unsafe-inline' and no 'unsafe-eval': htmx runs with allowEval false.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self' http://127.0.0.1:* http://localhost:*",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def apply_security_headers(response: Response) -> Response:
    """Set the headers every response must carry."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=(self)"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("HSTS_ENABLED"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.headers.get("HX-Request") == "true" or "HX-Request" in headers.get("Vary", ""):
        response.vary.add("HX-Request")
    endpoint = request.endpoint or ""
    if endpoint.startswith(("staff.", "kiosk.")) or (
        # Phone pages too, unless a view chose its own caching (QR images, public posters).
        endpoint.startswith("mobile.") and "Cache-Control" not in headers
    ):
        # Pages with personal data are never cached by browsers or proxies.
        headers["Cache-Control"] = "no-store"
    return response
