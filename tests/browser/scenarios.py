"""What a browser observes, scenario by scenario: one row per behaviour, the same for every middleware.

A row says which configuration the API server runs (keyword arguments of ``CORSMiddleware``, with
``{app}``-style placeholders for the test's real origins), which page runs the script, what the
script does, what the script observes, and what the API server saw. The test runs each row against
fastcors on both cores and against Starlette's own middleware (``middlewares`` narrows that for
options Starlette does not have), so a new option is one row here and nothing else.

The pages: ``app`` is ``http://app.localhost:{port}``, ``evil`` is ``http://evil.localhost:{port}``,
``deep`` is ``http://a.b.app.localhost:{port}``, ``other-port`` is ``http://app.localhost:{other_port}``
and ``sandboxed`` is a sandboxed iframe in the ``app`` page (its origin is ``null``). The API is
``http://api.app.localhost:{api_port}``: same-site with ``app`` and ``deep`` (so their credentialed
fetches carry the API's ``SameSite=Lax`` cookie), cross-site for ``evil``.

Each row runs in Chromium and in Firefox. Where Firefox differs, the row's ``firefox`` says what it
observes and what the server saw instead; the middlewares still agree with each other in each engine.

A fetch with ``app="redirect"`` gets a ``307`` from the app to the same path on
``http://api.elsewhere.localhost:{api_port}`` (the same server, another site), ending in ``ok``.

A fetch with a ``path`` goes to that path under the scenario's own, ``/<scenario><path>/...``, so
that a row's ``routes`` (whose prefixes say ``{scenario}`` for the scenario's name) can tell paths
apart.

What the API server saw is one line per request that reached it: ``preflight PUT`` (an ``OPTIONS``
with ``Access-Control-Request-Method: PUT``), ``PUT -> app`` (the request reached the app behind the
middleware), ``... with cookie`` (it carried the browser's cookie), ``websocket -> app``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MIDDLEWARES = ("rust", "python", "starlette")
FASTCORS = ("rust", "python")

PAGES = ("app", "evil", "deep", "other-port", "sandboxed")

APP_BODY = "hello from the app"
APP_FAILURE_BODY = "the app failed"
# What a cross-origin script can read of the app's response without Access-Control-Expose-Headers.
SAFELISTED = ("content-length", "content-type")


@dataclass(frozen=True)
class Fetch:
    """``fetch(url, {method, headers, body, credentials})``, ``times`` times in a row."""

    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    credentials: str = "same-origin"
    # The app's answer: "ok" (200), "fail" (the app sends a 500), "raise" (the app raises),
    # "redirect-same" (a 302 to "ok" on the API's origin), "redirect-cross" (a 302 to "ok" on
    # another origin of the same server, http://localhost:{api_port}), "redirect" (a 307 to "ok"
    # on another origin, REDIRECT_HOST), "own-cors" (a 200 with CORS headers of the app's own,
    # OWN_CORS, to preflights too).
    app: str = "ok"
    times: int = 1
    # The path under the scenario's, before the test's token: "/a" sends the request to
    # /<scenario>/a/<token>/<app>.
    path: str = ""


@dataclass(frozen=True)
class WebSocket:
    """``new WebSocket(url)``: does it open, and what does the app say on it?"""


@dataclass(frozen=True)
class Readable:
    """``fetch()`` resolved: the script reads the status, these response headers and the body."""

    status: int = 200
    headers: tuple[str, ...] = SAFELISTED
    body: str = APP_BODY


@dataclass(frozen=True)
class Blocked:
    """``fetch()`` rejected (with a ``TypeError``): the script learns nothing of the response."""

    error: str = "TypeError"


@dataclass(frozen=True)
class Opened:
    """The WebSocket opened and the script received the app's message."""

    message: str = APP_BODY


@dataclass(frozen=True)
class Refused:
    """The WebSocket never opened (its ``error`` event fired)."""


Action = Fetch | WebSocket
Outcome = Readable | Blocked | Opened | Refused
BLOCKED = Blocked()


@dataclass(frozen=True)
class InFirefox:
    """What Firefox observes, and what the server sees, where it is not what Chromium does."""

    observed: Outcome | None = None
    seen: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    config: Mapping[str, Any]
    page: str
    action: Action
    observed: Outcome
    seen: tuple[str, ...]
    middlewares: tuple[str, ...] = MIDDLEWARES
    # Why ``python -m fastcors check`` cannot ask this row's question; empty: it can, and must agree.
    no_cli: str = ""
    firefox: InFirefox | None = None

    def observed_in(self, engine: str) -> Outcome:
        if engine == "firefox" and self.firefox is not None and self.firefox.observed is not None:
            return self.firefox.observed
        return self.observed

    def seen_in(self, engine: str) -> tuple[str, ...]:
        if engine == "firefox" and self.firefox is not None and self.firefox.seen is not None:
            return self.firefox.seen
        return self.seen


def exposing(*names: str) -> Readable:
    return Readable(headers=tuple(sorted((*SAFELISTED, *names))))


EXPLICIT = {"allow_origins": ["{app}"]}
CREDENTIALS = {"allow_origins": ["{app}"], "allow_credentials": True}
WILDCARD = {"allow_origins": ["*"]}
WILDCARD_CREDENTIALS = {"allow_origins": ["*"], "allow_credentials": True}
PREFLIGHTED = {
    "allow_origins": ["{app}"],
    "allow_methods": ["GET", "PUT", "DELETE", "PATCH"],
    "allow_headers": ["X-Custom"],
}
WITH_COOKIE = Fetch(credentials="include")
JSON_POST = Fetch(method="POST", headers={"Content-Type": "application/json"}, body='{"a": 1}')
AUTHORIZED = Fetch(headers={"Authorization": "Bearer token"})
REGEX = {"allow_origin_regex": r"http://([a-z]+\.)*app\.localhost:{port}"}
PATTERNS = {"allow_origin_patterns": ["http://*.app.localhost:{port}"]}
# ``tests.browser.api_app`` turns the name into its function of that name (the table holds no code).
ORIGIN_FUNC = {"allow_origin_func": "allow_the_app_page"}
CORS_ON_ERRORS = {**EXPLICIT, "cors_on_errors": True}
WEBSOCKET_ORIGIN = {**EXPLICIT, "check_websocket_origin": True}
INTERNAL_SERVER_ERROR = "Internal Server Error"
# The app's own CORS headers (its "own-cors" answer; the request's Origin is echoed): they let a
# preflighted PUT with X-Custom through when the middleware leaves the preflight to the app.
OWN_CORS = {"access-control-allow-methods": "PUT", "access-control-allow-headers": "X-Custom"}
# CORS is off under /<scenario>/own: the app answers there alone, preflights included.
ROUTE_OFF = {**EXPLICIT, "routes": {"/{scenario}/own": None}}
# Two routes, each allowing one page: /a the app page, /b the evil page; no origin elsewhere.
ROUTES_BY_ORIGIN = {
    "routes": {"/{scenario}/a": {"allow_origins": ["{app}"]}, "/{scenario}/b": {"allow_origins": ["{evil}"]}}
}
# Where the app's "redirect" answer sends the request: the same server under another site's name.
REDIRECT_HOST = "api.elsewhere.localhost"

SCENARIOS = (
    # Simple requests: sent whatever the origin; the browser hides the answer from other origins.
    Scenario("simple-get-from-an-allowed-origin", EXPLICIT, "app", Fetch(), Readable(), ("GET -> app",)),
    Scenario("simple-get-from-another-origin", EXPLICIT, "evil", Fetch(), BLOCKED, ("GET -> app",)),
    Scenario(
        "simple-post-needs-no-allowed-method",
        EXPLICIT,
        "app",
        Fetch(method="POST", headers={"Content-Type": "text/plain"}, body="text"),
        Readable(),
        ("POST -> app",),
    ),
    Scenario(
        "exposed-headers-readable-others-hidden",
        {**EXPLICIT, "expose_headers": ["X-Exposed"]},
        "app",
        Fetch(),
        exposing("x-exposed"),
        ("GET -> app",),
    ),
    # Credentials: the cookie goes with same-site credentialed fetches; reading the answer needs
    # Access-Control-Allow-Credentials and the origin echoed.
    Scenario(
        "credentialed-get-with-allow-credentials",
        CREDENTIALS,
        "app",
        WITH_COOKIE,
        Readable(),
        ("GET -> app with cookie",),
    ),
    Scenario(
        "credentialed-get-without-allow-credentials",
        EXPLICIT,
        "app",
        WITH_COOKIE,
        BLOCKED,
        ("GET -> app with cookie",),
    ),
    Scenario(
        "credentialed-get-from-another-origin",
        CREDENTIALS,
        "evil",
        WITH_COOKIE,
        BLOCKED,
        ("GET -> app",),
    ),
    Scenario("wildcard-origin-without-credentials", WILDCARD, "evil", Fetch(), Readable(), ("GET -> app",)),
    Scenario(
        "wildcard-origin-refuses-a-credentialed-get",
        WILDCARD,
        "app",
        WITH_COOKIE,
        BLOCKED,
        ("GET -> app with cookie",),
    ),
    Scenario(
        "wildcard-origin-with-allow-credentials-echoes-the-origin",
        WILDCARD_CREDENTIALS,
        "app",
        WITH_COOKIE,
        Readable(),
        ("GET -> app with cookie",),
    ),
    Scenario(
        "cross-site-credentialed-get-carries-no-lax-cookie",
        WILDCARD_CREDENTIALS,
        "evil",
        WITH_COOKIE,
        Readable(),
        ("GET -> app",),
    ),
    # Preflights: a refused preflight stops the actual request in the browser.
    Scenario(
        "preflighted-put-with-a-custom-header",
        PREFLIGHTED,
        "app",
        Fetch(method="PUT", headers={"X-Custom": "1"}),
        Readable(),
        ("preflight PUT", "PUT -> app"),
    ),
    Scenario(
        "preflighted-delete-with-a-custom-header",
        PREFLIGHTED,
        "app",
        Fetch(method="DELETE", headers={"X-Custom": "1"}),
        Readable(),
        ("preflight DELETE", "DELETE -> app"),
    ),
    Scenario(
        "preflighted-patch-with-a-custom-header",
        PREFLIGHTED,
        "app",
        Fetch(method="PATCH", headers={"X-Custom": "1"}),
        Readable(),
        ("preflight PATCH", "PATCH -> app"),
    ),
    Scenario(
        "preflight-refused-by-origin",
        PREFLIGHTED,
        "evil",
        Fetch(method="PUT", headers={"X-Custom": "1"}),
        BLOCKED,
        ("preflight PUT",),
    ),
    Scenario(
        "preflight-refused-by-method",
        {**PREFLIGHTED, "allow_methods": ["GET", "PUT"]},
        "app",
        Fetch(method="DELETE", headers={"X-Custom": "1"}),
        BLOCKED,
        ("preflight DELETE",),
    ),
    Scenario(
        "preflight-refused-by-header",
        PREFLIGHTED,
        "app",
        Fetch(method="PUT", headers={"X-Other": "1"}),
        BLOCKED,
        ("preflight PUT",),
    ),
    Scenario(
        "wildcard-methods-do-not-cover-a-custom-method",
        {**EXPLICIT, "allow_methods": ["*"]},
        "app",
        Fetch(method="PURGE"),
        BLOCKED,
        ("preflight PURGE",),
    ),
    Scenario(
        "authorization-allowed-when-listed",
        {**EXPLICIT, "allow_headers": ["Authorization"]},
        "app",
        AUTHORIZED,
        Readable(),
        ("preflight GET", "GET -> app"),
    ),
    Scenario(
        "authorization-refused-when-not-listed",
        EXPLICIT,
        "app",
        AUTHORIZED,
        BLOCKED,
        ("preflight GET",),
    ),
    # Starlette echoes the requested names for allow_headers=["*"], so Authorization passes too
    # (a literal `*` in Access-Control-Allow-Headers would not cover it).
    Scenario(
        "authorization-allowed-by-wildcard-headers",
        {**EXPLICIT, "allow_headers": ["*"]},
        "app",
        AUTHORIZED,
        Readable(),
        ("preflight GET", "GET -> app"),
    ),
    Scenario(
        "json-post-allowed",
        {**EXPLICIT, "allow_methods": ["POST"]},
        "app",
        JSON_POST,
        Readable(),
        ("preflight POST", "POST -> app"),
    ),
    Scenario(
        "json-post-refused-by-the-default-methods",
        EXPLICIT,
        "app",
        JSON_POST,
        BLOCKED,
        ("preflight POST",),
    ),
    # allow_origin_regex is matched against the whole origin, port included.
    Scenario("regex-allows-a-deep-subdomain", REGEX, "deep", Fetch(), Readable(), ("GET -> app",)),
    Scenario("regex-refuses-another-port", REGEX, "other-port", Fetch(), BLOCKED, ("GET -> app",)),
    Scenario("regex-refuses-another-host", REGEX, "evil", Fetch(), BLOCKED, ("GET -> app",)),
    # Access-Control-Max-Age: Chromium reuses a cached preflight for the same request.
    Scenario(
        "max-age-600-caches-the-preflight",
        {**EXPLICIT, "allow_methods": ["PUT"], "max_age": 600},
        "app",
        Fetch(method="PUT", times=2),
        Readable(),
        ("preflight PUT", "PUT -> app", "PUT -> app"),
    ),
    Scenario(
        "max-age-0-preflights-every-time",
        {**EXPLICIT, "allow_methods": ["PUT"], "max_age": 0},
        "app",
        Fetch(method="PUT", times=2),
        Readable(),
        ("preflight PUT", "PUT -> app", "preflight PUT", "PUT -> app"),
    ),
    # A redirect to another origin taints the request's origin: the request there carries
    # Origin: null, which [app] does not allow. Chromium sends the preflight there with Origin: null
    # too, and stops when it is refused; Firefox sends that preflight with the page's origin, which
    # passes, then the PUT (Origin: null) reaches the app before its answer is blocked.
    Scenario(
        "preflighted-put-redirected-to-another-origin",
        {**EXPLICIT, "allow_methods": ["PUT"]},
        "app",
        Fetch(method="PUT", app="redirect"),
        BLOCKED,
        ("preflight PUT", "PUT -> app", "preflight PUT"),
        firefox=InFirefox(seen=("preflight PUT", "PUT -> app", "preflight PUT", "PUT -> app")),
        no_cli="the redirect goes to a *.localhost name, which browsers resolve themselves and the "
        "system's resolver does not (the redirect-cross rows check the CLI at such a hop)",
    ),
    # A sandboxed iframe's origin is opaque: Origin: null.
    Scenario(
        "null-origin-allowed-when-listed",
        {"allow_origins": ["null"]},
        "sandboxed",
        Fetch(),
        Readable(),
        ("GET -> app",),
    ),
    Scenario("null-origin-allowed-by-wildcard", WILDCARD, "sandboxed", Fetch(), Readable(), ("GET -> app",)),
    Scenario("null-origin-refused", EXPLICIT, "sandboxed", Fetch(), BLOCKED, ("GET -> app",)),
    # Configuration quirks, as Starlette has them.
    Scenario(
        "lowercase-method-in-the-config-refuses-put",
        {**EXPLICIT, "allow_methods": ["put"]},
        "app",
        Fetch(method="PUT"),
        BLOCKED,
        ("preflight PUT",),
    ),
    Scenario(
        "browser-uppercases-a-lowercase-put",
        {**EXPLICIT, "allow_methods": ["PUT"]},
        "app",
        Fetch(method="put"),
        Readable(),
        ("preflight PUT", "PUT -> app"),
    ),
    Scenario(
        "browser-keeps-a-lowercase-patch",
        {**EXPLICIT, "allow_methods": ["PATCH"]},
        "app",
        Fetch(method="patch"),
        BLOCKED,
        ("preflight patch",),
    ),
    Scenario(
        "trailing-slash-origin-in-the-config-never-matches",
        {"allow_origins": ["{app}/"]},
        "app",
        Fetch(),
        BLOCKED,
        ("GET -> app",),
    ),
    # Redirects: followed, with the CORS check at each hop; once a redirect leaves the API's
    # origin for another, the browser sends Origin: null.
    Scenario(
        "redirect-to-the-same-origin-is-followed",
        EXPLICIT,
        "app",
        Fetch(app="redirect-same"),
        Readable(),
        ("GET -> app", "GET -> app"),
    ),
    Scenario(
        "redirect-to-another-origin-sends-origin-null",
        EXPLICIT,
        "app",
        Fetch(app="redirect-cross"),
        BLOCKED,
        ("GET -> app", "GET -> app"),
    ),
    Scenario(
        "redirect-to-another-origin-allowed-by-wildcard",
        WILDCARD,
        "evil",
        Fetch(app="redirect-cross"),
        Readable(),
        ("GET -> app", "GET -> app"),
    ),
    Scenario(
        "preflighted-redirect-to-another-origin-preflights-again-with-origin-null",
        {"allow_origins": ["*"], "allow_methods": ["PUT"], "allow_headers": ["X-Custom"]},
        "app",
        Fetch(method="PUT", headers={"X-Custom": "1"}, app="redirect-cross"),
        Readable(),
        ("preflight PUT", "PUT -> app", "preflight PUT", "PUT -> app"),
    ),
    # App errors: an exception escapes the middleware, so the server's 500 has no CORS headers.
    Scenario(
        "app-exception-is-unreadable",
        EXPLICIT,
        "app",
        Fetch(app="raise"),
        BLOCKED,
        ("GET -> app",),
    ),
    Scenario(
        "app-500-response-is-readable",
        EXPLICIT,
        "app",
        Fetch(app="fail"),
        Readable(status=500, body=APP_FAILURE_BODY),
        ("GET -> app",),
    ),
    # WebSockets: no CORS in browsers; the middleware passes them through to the app.
    Scenario(
        "websocket-from-an-allowed-origin",
        EXPLICIT,
        "app",
        WebSocket(),
        Opened(),
        ("websocket -> app with cookie",),
    ),
    Scenario("websocket-from-another-origin", EXPLICIT, "evil", WebSocket(), Opened(), ("websocket -> app",)),
    # fastcors' own options (Starlette has none of them).
    Scenario(
        "origin-pattern-allows-a-deep-subdomain",
        PATTERNS,
        "deep",
        Fetch(),
        Readable(),
        ("GET -> app",),
        FASTCORS,
    ),
    Scenario(
        "origin-pattern-refuses-another-host",
        PATTERNS,
        "evil",
        Fetch(),
        BLOCKED,
        ("GET -> app",),
        FASTCORS,
    ),
    Scenario(
        "origin-func-allows-the-origin-it-approves",
        ORIGIN_FUNC,
        "app",
        Fetch(),
        Readable(),
        ("GET -> app",),
        FASTCORS,
    ),
    Scenario(
        "origin-func-refuses-the-origin-it-rejects",
        ORIGIN_FUNC,
        "evil",
        Fetch(),
        BLOCKED,
        ("GET -> app",),
        FASTCORS,
    ),
    Scenario(
        "cors-on-errors-makes-an-app-exception-readable",
        CORS_ON_ERRORS,
        "app",
        Fetch(app="raise"),
        Readable(status=500, body=INTERNAL_SERVER_ERROR),
        ("GET -> app",),
        FASTCORS,
    ),
    Scenario(
        "websocket-origin-check-refuses-another-origin",
        WEBSOCKET_ORIGIN,
        "evil",
        WebSocket(),
        Refused(),
        ("websocket",),
        FASTCORS,
    ),
    Scenario(
        "websocket-origin-check-opens-for-an-allowed-origin",
        WEBSOCKET_ORIGIN,
        "app",
        WebSocket(),
        Opened(),
        ("websocket -> app with cookie",),
        FASTCORS,
    ),
    # routes: a route of None leaves everything to the app, its own answer to a preflight included.
    Scenario(
        "route-of-none-passes-the-preflight-to-the-app",
        ROUTE_OFF,
        "app",
        Fetch(method="PUT", headers={"X-Custom": "1"}, app="own-cors", path="/own"),
        Readable(),
        ("preflight PUT -> app", "PUT -> app"),
        FASTCORS,
    ),
    Scenario(
        "outside-a-route-of-none-the-middleware-answers-the-preflight",
        ROUTE_OFF,
        "app",
        Fetch(method="PUT", headers={"X-Custom": "1"}, app="own-cors"),
        BLOCKED,
        ("preflight PUT",),
        FASTCORS,
    ),
    Scenario(
        "route-of-none-adds-no-cors-headers",
        ROUTE_OFF,
        "app",
        Fetch(path="/own"),
        BLOCKED,
        ("GET -> app",),
        FASTCORS,
    ),
    # routes: each route's own origins, the longest matching prefix deciding.
    Scenario(
        "route-a-allows-the-app-page",
        ROUTES_BY_ORIGIN,
        "app",
        Fetch(path="/a"),
        Readable(),
        ("GET -> app",),
        FASTCORS,
    ),
    Scenario(
        "route-b-refuses-the-app-page",
        ROUTES_BY_ORIGIN,
        "app",
        Fetch(path="/b"),
        BLOCKED,
        ("GET -> app",),
        FASTCORS,
    ),
    Scenario(
        "route-a-refuses-the-evil-page",
        ROUTES_BY_ORIGIN,
        "evil",
        Fetch(path="/a"),
        BLOCKED,
        ("GET -> app",),
        FASTCORS,
    ),
    Scenario(
        "route-b-allows-the-evil-page",
        ROUTES_BY_ORIGIN,
        "evil",
        Fetch(path="/b"),
        Readable(),
        ("GET -> app",),
        FASTCORS,
    ),
)

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
assert len(BY_NAME) == len(SCENARIOS), "scenario names must be unique"
assert all(scenario.page in PAGES for scenario in SCENARIOS)


def fill(value: Any, placeholders: Mapping[str, str]) -> Any:
    """``value`` with every ``{name}`` in its strings (and in the lists and dicts that hold them,
    keys included) replaced."""
    if isinstance(value, str):
        for name, replacement in placeholders.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, list):
        return [fill(item, placeholders) for item in value]
    if isinstance(value, dict):
        return {fill(key, placeholders): fill(item, placeholders) for key, item in value.items()}
    return value
