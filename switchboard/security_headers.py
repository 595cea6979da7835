"""Every response's security headers, decided here and nowhere else.

Hand-written rather than flask-talisman: the policy is a handful of fixed header values plus
one computed `connect-src` (LiveKit's URL from the config, the app's own ws origin), and it
differs per page type (the join page may use the camera and sends no referrer). Talisman
would need a decorator on each of those views (the rule spread over blueprints), and its
defaults (HTTPS redirects, X-Frame-Options, its own cookie settings) would have to be
switched off one by one.

- HTML pages: a Content-Security-Policy with no inline script or style (`'self'` only), no
  framing (`frame-ancestors 'none'`), `base-uri 'none'`, `form-action 'self'`.
- Everything else (JSON, static files): `default-src 'none'; frame-ancestors 'none'`.
- `X-Content-Type-Options: nosniff` everywhere.
- `Referrer-Policy`: `no-referrer` on the join page and the recording page, `same-origin`
  elsewhere (Flask-WTF's CSRF check reads the Referer of admin form posts over HTTPS, so the
  admin must still send it to itself; it never leaves the site).
- `Permissions-Policy`: camera, microphone and screen capture for the join page only.
- `Strict-Transport-Security` when the request came over HTTPS (`request.is_secure`, which
  honours `X-Forwarded-Proto` only when `TRUSTED_PROXY_HOPS` puts ProxyFix in front).
- `Cache-Control: no-store` on every API response and admin page (join tokens, keys, chat,
  identities), unless the view set its own.
"""

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Pages that run a call: they may use the devices and never send a referrer (the join token
# rides in the fragment, but nothing about the visit should reach another site).
CALL_PAGES = frozenset({"meet.join", "meet.recording_template"})
DEVICES_ALLOWED = frozenset({"meet.join"})

_DEVICES = ("camera", "microphone", "display-capture")
_NEVER = ("geolocation", "payment", "usb", "serial", "hid", "midi")
NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'"


def init_app(app: Flask) -> None:
    """Trust a reverse proxy's X-Forwarded-* headers only when told how many there are, and
    set the headers on every response."""
    hops = app.config.get("TRUSTED_PROXY_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.after_request(set_headers)


def _ws_and_http_forms(url: str) -> list[str]:
    """`wss://lk.example.com` -> [`wss://lk.example.com`, `https://lk.example.com`]: the
    LiveKit client opens the socket and, when that fails, asks the http(s) form why."""
    parts = urlsplit(url)
    if not parts.netloc:
        return []
    secure = parts.scheme in ("wss", "https")
    return [
        f"{'wss' if secure else 'ws'}://{parts.netloc}",
        f"{'https' if secure else 'http'}://{parts.netloc}",
    ]


def connect_sources(config, host_url: str) -> list[str]:
    """Where pages may connect: themselves (also over ws(s), for the chat socket, both as
    the browser reached them and as PUBLIC_URL names them) and LiveKit."""
    sources = ["'self'"]
    for url in (host_url, config.get("PUBLIC_URL") or "", config.get("LIVEKIT_URL") or ""):
        sources += _ws_and_http_forms(url)
    sources += (config.get("CSP_CONNECT_EXTRA") or "").split()
    return list(dict.fromkeys(sources))


def content_security_policy(config, host_url: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data: blob:",
        "media-src": "'self' blob:",
        "font-src": "'self' data:",
        "connect-src": " ".join(connect_sources(config, host_url)),
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def permissions_policy(endpoint: str | None) -> str:
    devices = "(self)" if endpoint in DEVICES_ALLOWED else "()"
    return ", ".join([f"{feature}={devices}" for feature in _DEVICES] + [f"{f}=()" for f in _NEVER])


def set_headers(response: Response) -> Response:
    """After every request: the headers this module's docstring lists, by response type and page."""
    config = current_app.config
    endpoint = request.endpoint
    headers = response.headers
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = content_security_policy(config, request.host_url)
    else:
        headers.setdefault("Content-Security-Policy", NON_HTML_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer" if endpoint in CALL_PAGES else "same-origin"
    headers["Permissions-Policy"] = permissions_policy(endpoint)
    if request.is_secure and config.get("HSTS_MAX_AGE"):
        headers["Strict-Transport-Security"] = f"max-age={config['HSTS_MAX_AGE']}"
    if request.path.startswith(("/api/", "/admin/")) and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response
