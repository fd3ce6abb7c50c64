"""Security headers on every response, by Flask-Talisman: pages, the API, Open311, Twilio's
webhooks, static files and error pages alike (an after-request hook, which Flask runs for
error handlers' answers too).

The pages are server-rendered with our own static JavaScript, so scripts come from this site
only: no inline script or handler anywhere (data for scripts travels in
`<script type="application/json">` blocks, which are never executed). Templates use `style=`
attributes, so styles may be inline; a style cannot run code.
"""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

from hotline.app import settings

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def register(app: Flask) -> None:
    """HSTS and the redirect to https only when the site is public over https: tests and the
    one-command default run on plain http."""
    https = settings.current(app).https
    Talisman(app, content_security_policy=CSP, frame_options="DENY",
             referrer_policy="strict-origin-when-cross-origin", force_https=https,
             strict_transport_security=https, session_cookie_secure=https,
             session_cookie_samesite="Lax")
