"""The pure-Python core: the same decisions as the Rust core, for where it cannot be loaded.

Its interface is the seam between the ASGI shim and either core (see ``_fastcors.pyi``):
``Policy(config).handle(scope, send)`` answers a preflight with its two messages, or returns the
``send`` to hand to the app, which edits the response headers as Starlette does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any

from fastcors._config import PREFLIGHT_VARY, CorsConfig
from fastcors._coroutine_marks import SendShape
from fastcors._errors import serve_with_cors_on_errors
from fastcors._origin_func import continue_preflight, continue_response_start
from fastcors._origin_patterns import OriginPatterns
from fastcors._preflight import denial_send, send_preflight
from fastcors._types import ASGIApp, Message, Receive, Scope, Send
from fastcors._websocket import refuse_websocket

Header = tuple[bytes, bytes]

_VARY = b"vary"
_ALLOW_ORIGIN = b"access-control-allow-origin"
_ALLOW_CREDENTIALS = b"access-control-allow-credentials"
_EXPOSE_HEADERS = b"access-control-expose-headers"
_ALLOW_HEADERS = b"access-control-allow-headers"
_ORIGIN = b"origin"
_REQUEST_METHOD = b"access-control-request-method"
_REQUEST_HEADERS = b"access-control-request-headers"
_REQUEST_PRIVATE_NETWORK = b"access-control-request-private-network"
_ASCII_PYTHON_SPACES = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_PREFLIGHT_NAMES_IN_ORDER = (_ORIGIN, _REQUEST_METHOD, _REQUEST_HEADERS, _REQUEST_PRIVATE_NETWORK)
_PREFLIGHT_NAMES = frozenset(_PREFLIGHT_NAMES_IN_ORDER)
#: The response headers Starlette may set; any other header of the app's is left in place.
_EDITED_NAMES = frozenset({_VARY, _ALLOW_ORIGIN, _ALLOW_CREDENTIALS, _EXPOSE_HEADERS})
_VARY_ORIGIN: Header = (_VARY, b"Origin")
_PLAIN_TEXT: Header = (b"content-type", b"text/plain; charset=utf-8")
_PRIVATE_NETWORK_GRANTED: Header = (b"access-control-allow-private-network", b"true")
_FAILURE_NAMES = ("origin", "method", "headers", "private-network")
#: How many verdicts each memo keeps, and the longest value kept (see ``_remember``): browsers
#: send a handful of short origins and requested-header lists; a client sending endless new or
#: huge ones only stops the memo growing.
MEMO_SIZE = 512
MEMO_LONGEST_VALUE = 512
_DEBUG = 10  # logging.DEBUG
#: An absent request header, distinct from any value a malformed scope could hold.
_MISSING: Any = object()


class Middleware:
    """The base class of ``CORSMiddleware``: ``self._policy`` serves each request for ``self.app``."""

    app: ASGIApp
    _policy: Policy

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self._policy.dispatch(self.app, scope, receive, send, self)


class Policy:
    """An immutable CORS policy built from a ``CorsConfig``; safe to share across threads, with or
    without the GIL: what it writes after construction is its memos (see ``_remember``) and
    ``_memo_quiet_at``, a count that is written whole and only compared."""

    __slots__ = (
        "_allow_all_headers",
        "_allow_all_origins",
        "_allow_credentials",
        "_allow_private_network",
        "_allowed_headers",
        "_appended_when_echoed",
        "_appended_when_not_echoed",
        "_check_websocket_origin",
        "_cors_on_errors",
        "_echo_preflight_origin",
        "_log_enabled_for",
        "_methods",
        "_methods_are_substrings",
        "_methods_collection",
        "_only_listed_origins",
        "_origin_func",
        "_origin_judged",
        "_origin_pattern",
        "_origin_patterns",
        "_origin_verdicts",
        "_origins",
        "_origins_are_substrings",
        "_origins_collection",
        "_preflight_bodies",
        "_preflight_headers",
        "_reporter",
        "_requested_headers_verdicts",
        "_simple_headers",
    )

    def __init__(self, config: CorsConfig) -> None:
        self._allow_all_origins = config.allow_all_origins
        self._origins = frozenset(config.allowed_origins)
        self._origins_are_substrings = config.allowed_origins_are_substrings
        self._origins_collection = config.origins_collection
        self._origin_pattern = config.origin_pattern
        self._origin_judged = config.origin_judged
        self._origin_patterns = OriginPatterns(config.origin_patterns) if config.origin_patterns else None
        self._origin_func = config.origin_func
        # The usual case, a plain list of origins, answered without a call.
        only_listed = not (
            config.allow_all_origins
            or config.origin_pattern is not None
            or config.origins_collection is not None
            or config.allowed_origins_are_substrings
            or config.origin_judged
            or bool(config.origin_patterns)
        )
        self._only_listed_origins = self._origins if only_listed else None
        # The static rules' verdict on an origin depends on the origin alone, except where a
        # collection of the user's answers `in` itself, live, or the middleware's own
        # `is_allowed_origin` judges: there nothing is remembered.
        remembers = not (only_listed or config.origins_collection is not None or config.origin_judged)
        self._origin_verdicts: dict[bytes, bool] | None = {} if remembers else None
        self._requested_headers_verdicts: dict[bytes, bool] = {}
        self._methods = frozenset(config.allowed_methods)
        self._methods_are_substrings = config.allowed_methods_are_substrings
        self._methods_collection = config.methods_collection
        self._allow_all_headers = config.allow_all_headers
        self._allowed_headers = frozenset(config.allowed_headers)
        self._allow_credentials = config.allow_credentials
        self._allow_private_network = config.allow_private_network
        self._cors_on_errors = config.cors_on_errors
        self._check_websocket_origin = config.check_websocket_origin
        self._reporter = config.reporter
        self._log_enabled_for = config.log_enabled_for
        # Credentials forbid `*`, so an allowed origin is echoed unless `*` alone is configured.
        self._echo_preflight_origin = not config.allow_all_origins or config.allow_credentials

        simple: list[Header] = []
        if config.allow_all_origins:
            simple.append((_ALLOW_ORIGIN, b"*"))
        if config.allow_credentials:
            simple.append((_ALLOW_CREDENTIALS, b"true"))
        if config.expose_headers_value is not None:
            simple.append((_EXPOSE_HEADERS, config.expose_headers_value))
        self._simple_headers = tuple(simple)

        preflight: list[Header] = [(_VARY, PREFLIGHT_VARY.encode("latin-1"))]
        if not self._echo_preflight_origin:
            preflight.append((_ALLOW_ORIGIN, b"*"))
        preflight.append((b"access-control-allow-methods", config.allow_methods_value))
        preflight.append((b"access-control-max-age", config.max_age_value))
        if not config.allow_all_headers:
            preflight.append((_ALLOW_HEADERS, config.allow_headers_value))
        if config.allow_credentials:
            preflight.append((_ALLOW_CREDENTIALS, b"true"))
        self._preflight_headers = tuple(preflight)

        bodies = []
        for failures in range(16):
            failed = [name for bit, name in enumerate(_FAILURE_NAMES) if failures >> bit & 1]
            body = ("Disallowed CORS " + ", ".join(failed)).encode() if failed else b"OK"
            bodies.append((body, (b"content-length", str(len(body)).encode())))
        self._preflight_bodies = tuple(bodies)

        # What the edits append to a response whose app set none of the headers they touch,
        # worked out once by the general edits on an empty list.
        not_echoed: list[Any] = []
        _apply_edits(not_echoed, self._simple_headers)
        self._appended_when_not_echoed = tuple(not_echoed)
        echoed: list[Any] = []
        _apply_edits(echoed, (*self._simple_headers, (_ALLOW_ORIGIN, _MISSING)))
        at = echoed.index((_ALLOW_ORIGIN, _MISSING))
        self._appended_when_echoed = (tuple(echoed[:at]), tuple(echoed[at + 1 :]))

    @property
    def origin_regex_engine(self) -> str | None:
        """Which engine evaluates ``allow_origin_regex``: always Python's ``re`` here."""
        return None if self._origin_pattern is None else "python"

    def is_allowed_origin(self, origin: bytes) -> bool:
        """Starlette's own ``is_allowed_origin``, for an origin's raw (latin-1) bytes, then
        ``allow_origin_func`` when the static rules refuse it."""
        if self._statically_allowed(origin):
            return True
        if self._origin_func is None:
            return False
        return self._origin_func.decide_now(origin.decode("latin-1"))

    def _statically_allowed(self, origin: bytes) -> bool:
        """Starlette's rules, and the patterns; remembered for plain ``bytes`` origins."""
        verdicts = self._origin_verdicts
        if verdicts is None or origin.__class__ is not bytes:
            return self._static_rules_allow(origin)
        verdict = verdicts.get(origin)
        if verdict is None:
            verdict = self._static_rules_allow(origin)
            _remember(verdicts, origin, verdict)
        return verdict

    def _static_rules_allow(self, origin: bytes) -> bool:
        if self._allow_all_origins:
            return True
        if self._origin_patterns is not None and self._origin_patterns.matches(origin):
            return True
        pattern = self._origin_pattern
        if pattern is not None and pattern.fullmatch(origin.decode("latin-1")):
            return True
        if self._origins_collection is not None:
            return origin.decode("latin-1") in self._origins_collection
        if self._origins_are_substrings:
            return any(origin in run for run in self._origins)
        return origin in self._origins

    def dispatch(
        self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, middleware: Any = None
    ) -> Awaitable[None]:
        """The whole middleware for one ASGI call: returns the awaitable that serves the request.

        Non-http scopes go straight to ``app``; a preflight is answered here (``app`` never runs);
        any other request runs ``app`` with a ``send`` that adds the CORS headers. ``middleware`` is
        the one whose ``is_allowed_origin`` a judged policy asks.
        """
        kind = scope["type"]
        if kind != "http":
            if self._check_websocket_origin and kind == "websocket":
                refused = self._websocket_refused_origin(scope["headers"], middleware)
                if refused is not None:
                    if self._listening():
                        self._report("websocket", refused, "GET", None, 1, None)
                    return refuse_websocket(scope, receive, send)
            return app(scope, receive, send)
        method = scope["method"]
        request_headers = scope["headers"]
        if request_headers.__class__ is not list:
            # Starlette's `Headers(scope=scope)` leaves a list in the scope.
            request_headers = scope["headers"] = list(request_headers)
        # A plain `str` answers without a call; another method is asked only with an Origin.
        options = method == "OPTIONS" if method.__class__ is str else _is_options(method, request_headers)
        if not options and not self._cors_on_errors:
            # The usual request, as `handle` answers it, without its call.
            return app(scope, receive, CorsSend(self, send, request_headers, middleware, method))
        answer = self._handle(method, request_headers, send, middleware, False, kind, options)
        if isinstance(answer, tuple):
            if answer[0] is None:
                return answer[1]  # a preflight waiting for allow_origin_func
            return send_preflight(denial_send(kind, send), answer[0], answer[1])
        if self._cors_on_errors:
            return serve_with_cors_on_errors(self, middleware, app, scope, receive, answer, send)
        return app(scope, receive, answer)

    def request_origin_allowed(self, request_headers: Iterable[Any], middleware: Any = None) -> bool:
        """Whether the request has an ``Origin`` that responses may be shared with."""
        origin = _first_origin(list(request_headers))
        if origin is None:
            return False
        return self._allow_all_origins or self._judge_origin(origin, middleware)

    def origin_func_verdict(self, request_headers: Iterable[Any]) -> bool | Awaitable[bool]:
        """``allow_origin_func``'s verdict on the request's ``Origin``: ``True``, ``False`` or an
        awaitable of one; ``False`` without an ``Origin`` or a function."""
        origin = _first_origin(list(request_headers))
        if origin is None or self._origin_func is None:
            return False
        return self._origin_func(origin.decode("latin-1"))

    def _websocket_refused_origin(self, request_headers: Iterable[Any], middleware: Any) -> bytes | None:
        # Browsers always send Origin with a websocket handshake; other clients carry no user's
        # cookies to hijack, so a handshake without one passes.
        origin = _first_origin(list(request_headers))
        if origin is None or self._allow_all_origins or self._judge_origin(origin, middleware):
            return None
        return origin

    def _report(
        self,
        kind: str,
        origin: bytes,
        method: Any,
        requested_headers: bytes | None,
        failures: int,
        refused_header: bytes | None,
    ) -> None:
        """Tells the reporter of a refusal; callers ask ``_listening`` first."""
        reporter = self._reporter
        if reporter is not None:
            reporter(kind, origin, method, requested_headers, failures, refused_header)

    def _listening(self) -> bool:
        """Whether a refusal has anyone to hear it: an ``on_reject``, or a log that wants ``DEBUG``
        records (asked of ``logging`` at each refusal)."""
        log_enabled_for = self._log_enabled_for
        return self._reporter is not None and (log_enabled_for is None or log_enabled_for(_DEBUG))

    def handle(
        self, scope: Scope, send: Send, middleware: Any = None, *, quiet: bool = False
    ) -> tuple[Message, Message] | tuple[None, Awaitable[None]] | Send:
        """Answers a preflight with its two messages, or returns the ``send`` for the app. ``quiet``:
        a hypothetical request (``explain``), whose refusal is not reported. A preflight waiting for
        an async ``allow_origin_func`` gets ``(None, awaitable that answers it)``."""
        method = scope["method"]
        request_headers = scope["headers"]
        if request_headers.__class__ is not list:
            # Starlette's `Headers(scope=scope)` leaves a list in the scope.
            request_headers = scope["headers"] = list(request_headers)
        return self._handle(method, request_headers, send, middleware, quiet)

    def _handle(
        self,
        method: Any,
        request_headers: list[Any],
        send: Send,
        middleware: Any,
        quiet: bool,
        scope_type: Any = "http",
        options: bool | None = None,
    ) -> tuple[Message, Message] | tuple[None, Awaitable[None]] | Send:
        """``options``: whether the request is an ``OPTIONS`` one, if the caller asked already."""
        if _is_options(method, request_headers) if options is None else options:
            preflight = self._preflight(request_headers, middleware, not quiet)
            if preflight is not None:
                if preflight[0] is None:
                    denial = denial_send(scope_type, send)
                    pending = continue_preflight(preflight[1], self, request_headers, denial)
                    return (None, pending)
                return preflight
        return CorsSend(self, send, request_headers, middleware, None if quiet else method)

    def finish_preflight(self, request_headers: list[Any], origin_allowed: bool) -> tuple[Message, Message]:
        """The messages of a preflight whose origin ``allow_origin_func`` has judged."""
        first = self._preflight_headers_of(request_headers)
        if first.get(_ORIGIN) is None or first.get(_REQUEST_METHOD) is None:
            raise ValueError("not a preflight request")
        return self._preflight_messages(first, origin_allowed, True)

    def finish_response_start(
        self,
        message: Message,
        request_headers: list[Any],
        origin_allowed: bool,
        reported_method: Any = None,
    ) -> None:
        """Edits a response start whose origin ``allow_origin_func`` has judged; a refusal is
        reported with ``reported_method``, the request's method, when given."""
        self.edit_response_start(message, request_headers, None, reported_method, origin_allowed)

    def _preflight(
        self, request_headers: list[Any], middleware: Any, report: bool
    ) -> tuple[Message, Message] | tuple[None, Awaitable[bool]] | None:
        first = self._preflight_headers_of(request_headers)
        origin = first.get(_ORIGIN)
        if origin is None or first.get(_REQUEST_METHOD) is None:
            return None
        if self._only_listed_origins is not None:
            origin_allowed = origin in self._only_listed_origins
        else:
            origin_allowed = self._judge_origin(origin, middleware)
        if not origin_allowed and self._origin_func is not None:
            verdict = self._origin_func(origin.decode("latin-1"))
            if verdict.__class__ is not bool:
                return (None, verdict)  # type: ignore[return-value]  # an awaitable of the verdict
            origin_allowed = verdict
        return self._preflight_messages(first, origin_allowed, report)

    def _preflight_headers_of(self, request_headers: list[Any]) -> dict[bytes, Any]:
        # The first value of each CORS request header, as Starlette's `Headers.get` finds it.
        first: dict[bytes, Any] = {}
        try:
            for name, value in request_headers:
                if name.__class__ is bytes or isinstance(name, bytes):
                    if name in _PREFLIGHT_NAMES and name not in first:
                        first[name] = value
                elif name.__class__ is not str:
                    _refuse_if_among(name, _PREFLIGHT_NAMES_IN_ORDER)
        except (TypeError, ValueError):
            _raise_for_malformed(request_headers)
            raise
        for value in first.values():
            if value.__class__ is not bytes:
                for name in _PREFLIGHT_NAMES_IN_ORDER:  # values are checked in the Rust core's order
                    if name in first:
                        _checked_value(first[name])
                break
        return first

    def _preflight_messages(
        self, first: dict[bytes, Any], origin_allowed: bool, report: bool
    ) -> tuple[Message, Message]:
        origin = first[_ORIGIN]
        method = first[_REQUEST_METHOD]
        requested_headers = first.get(_REQUEST_HEADERS)
        private_network = _REQUEST_PRIVATE_NETWORK in first

        failures = 0
        if not origin_allowed:
            failures |= 1
        if not self._method_allowed(method):
            failures |= 2
        if (
            requested_headers is not None
            and not self._allow_all_headers
            and not self._headers_allowed(requested_headers)
        ):
            failures |= 4
        if private_network and not self._allow_private_network:
            failures |= 8

        if failures and report and self._listening():
            refused_header = None
            if failures & 4 and requested_headers is not None:
                refused_header = self._refused_request_header(requested_headers)
            self._report("preflight", origin, method, requested_headers, failures, refused_header)

        headers = list(self._preflight_headers)
        if origin_allowed and self._echo_preflight_origin:
            headers.append((_ALLOW_ORIGIN, _exact_bytes(origin)))
        if self._allow_all_headers and requested_headers is not None:
            headers.append((_ALLOW_HEADERS, _exact_bytes(requested_headers)))
        if private_network and self._allow_private_network:
            headers.append(_PRIVATE_NETWORK_GRANTED)
        body, content_length = self._preflight_bodies[failures]
        headers.append(content_length)
        headers.append(_PLAIN_TEXT)
        return (
            {"type": "http.response.start", "status": 400 if failures else 200, "headers": headers},
            {"type": "http.response.body", "body": body},
        )

    def _method_allowed(self, method: bytes) -> bool:
        if self._methods_collection is not None:
            return method.decode("latin-1") in self._methods_collection
        if self._methods_are_substrings:
            return any(method in run for run in self._methods)
        return method in self._methods

    def _headers_allowed(self, requested: bytes) -> bool:
        """Whether every requested header is allowed; remembered for plain ``bytes`` values."""
        if requested.__class__ is not bytes:
            return self._headers_check(requested)
        verdicts = self._requested_headers_verdicts
        verdict = verdicts.get(requested)
        if verdict is None:
            verdict = self._headers_check(requested)
            _remember(verdicts, requested, verdict)
        return verdict

    def _headers_check(self, requested: bytes) -> bool:
        # Starlette splits on commas, lowercases and strips each item, and refuses any item it
        # does not list: so an empty value, an empty item and a trailing comma are refused.
        allowed = self._allowed_headers
        if requested.isascii():
            # ASCII: `bytes.lower` is `str.lower`, and these are all of `str.strip`'s spaces.
            return all(item.strip(_ASCII_PYTHON_SPACES) in allowed for item in requested.lower().split(b","))
        text = requested.decode("latin-1")
        return all(item.lower().strip().encode("latin-1") in allowed for item in text.split(","))

    def _judge_origin(self, origin: bytes, middleware: Any) -> bool:
        """The origin check requests get: the middleware's own ``is_allowed_origin``, called as
        Starlette calls it, where it is not Starlette's."""
        if self._origin_judged:
            if middleware is None:
                raise TypeError("this policy asks its middleware's is_allowed_origin: pass the middleware")
            return bool(middleware.is_allowed_origin(origin=origin.decode("latin-1")))
        return self._statically_allowed(origin)

    def _refused_request_header(self, requested: bytes) -> bytes:
        """The first item Starlette refuses, stripped as it strips it; only for a report."""
        text = requested.decode("latin-1")
        for item in text.split(","):
            if item.lower().strip().encode("latin-1", "replace") not in self._allowed_headers:
                return item.strip().encode("latin-1")
        return b""

    def edit_response_start(
        self,
        message: Message,
        request_headers: list[Any],
        middleware: Any,
        reported_method: Any = None,
        origin_allowed: bool | None = None,
    ) -> Awaitable[bool] | None:
        """Starlette's edits of the app's ``http.response.start``, in place in ``message``; or, when
        the origin waits for an async ``allow_origin_func``, its verdict to await (``origin_allowed``
        is that verdict, once awaited)."""
        message.setdefault("headers", [])
        headers = list(message["headers"])
        origin = _first_origin(request_headers)
        if origin is None:
            echoes = False
        elif origin_allowed is not None:
            echoes = origin_allowed
        elif self._allow_all_origins:
            # Credentials forbid `*`, so the origin is echoed instead.
            echoes = self._allow_credentials
        else:
            if self._only_listed_origins is not None:
                echoes = origin in self._only_listed_origins
            else:
                remembered = None
                if self._origin_verdicts is not None and origin.__class__ is bytes:
                    remembered = self._origin_verdicts.get(origin)
                echoes = self._judge_origin(origin, middleware) if remembered is None else remembered
            if not echoes and self._origin_func is not None:
                verdict = self._origin_func(origin.decode("latin-1"))
                if verdict.__class__ is not bool:
                    return verdict  # type: ignore[return-value]  # an awaitable of the verdict
                echoes = verdict
        if (
            reported_method is not None
            and origin is not None
            and not echoes
            and not self._allow_all_origins
            and self._listening()
        ):
            self._report("request", origin, reported_method, None, 1, None)
        edits_existing = False
        try:
            # Every item is read: a name that is not bytes but equals an edited one (a
            # `memoryview`, say) is refused wherever it stands, as Starlette would edit it.
            for name, _ in headers:
                if isinstance(name, bytes):
                    if not edits_existing and name in _EDITED_NAMES:
                        edits_existing = True
                elif name.__class__ is not str:
                    _refuse_if_among(name, _EDITED_NAMES)
        except (TypeError, ValueError):
            _raise_for_malformed(headers)
            raise
        if not edits_existing:
            # Nothing of the app's to merge or replace: the edits only append.
            if origin is None:
                headers.append(_VARY_ORIGIN)
            elif echoes:
                before, after = self._appended_when_echoed
                headers += before
                headers.append((_ALLOW_ORIGIN, _exact_bytes(origin)))
                headers += after
            else:
                headers += self._appended_when_not_echoed
            message["headers"] = headers
            return None
        if origin is None:
            _apply_edits(headers, ())
        elif echoes:
            _apply_edits(headers, (*self._simple_headers, (_ALLOW_ORIGIN, _exact_bytes(origin))))
        else:
            _apply_edits(headers, self._simple_headers)
        message["headers"] = headers
        return None


class CorsSend(SendShape):
    """The ``send`` handed to the app: edits ``http.response.start``, reading the request's
    headers then, as Starlette does, and forwards every message. It passes as a coroutine function,
    as Starlette's (a partial of an ``async def``) does."""

    __slots__ = ("_middleware", "_policy", "_reported_method", "_request_headers", "_send")

    def __init__(
        self,
        policy: Policy,
        send: Send,
        request_headers: list[Any],
        middleware: Any,
        reported_method: Any = None,
    ) -> None:
        self._policy = policy
        self._send = send
        self._request_headers = request_headers
        self._middleware = middleware
        #: The request's method, to report a refused origin with (``None``: nothing is reported).
        self._reported_method = reported_method

    def __call__(self, message: Message) -> Awaitable[None]:
        # `!=`, as Starlette asks: a `str` subclass may answer it otherwise than `==`.
        if message["type"] != "http.response.start":
            return self._send(message)
        verdict = self._policy.edit_response_start(
            message, self._request_headers, self._middleware, self._reported_method
        )
        if verdict is not None:
            return continue_response_start(
                verdict, self._policy, message, self._request_headers, self._send, self._reported_method
            )
        return self._send(message)


def _remember(verdicts: dict[bytes, bool], key: bytes, verdict: bool) -> None:
    """Keeps a verdict while the memo has room: a full memo is left as it is, so that a client
    sending new values costs no more than the check itself and the memory stays bounded.

    Safe without the GIL: each verdict depends on its key alone, so a thread that reads another's
    fresh entry reads the verdict it would have computed, and the dict's own operations are atomic.
    Threads that all saw room may overfill the memo for a moment: each then takes its own key out
    again, so the memo ends within ``MEMO_SIZE``."""
    if len(verdicts) < MEMO_SIZE and len(key) <= MEMO_LONGEST_VALUE:
        verdicts[key] = verdict
        if len(verdicts) > MEMO_SIZE:
            verdicts.pop(key, None)


def _exact_bytes(value: bytes) -> bytes:
    """A value echoed into the response: Starlette decodes and re-encodes it, so a ``bytes``
    subclass arrives as plain ``bytes``."""
    return value if value.__class__ is bytes else b"".join((value,))


def _apply_edits(headers: list[Any], edits: Iterable[Header]) -> None:
    """Starlette's edits, in place: each header set as ``MutableHeaders`` sets it, then ``Vary``."""
    try:
        for header in edits:
            _set_header(headers, header)
        vary_values = [value for name, value in headers if name == _VARY and isinstance(name, bytes)]
    except (TypeError, ValueError):
        _raise_for_malformed(headers)
        raise
    _set_header(headers, _merged_vary(vary_values))


def _is_options(method: Any, request_headers: list[Any]) -> bool:
    """``method == "OPTIONS"``, asked as Starlette asks it: only of a request with an ``Origin``.
    A plain ``str`` answers without running any code, so it is asked first."""
    if method.__class__ is str:
        return method == "OPTIONS"
    return _first_origin(request_headers) is not None and method == "OPTIONS"


def _first_origin(request_headers: list[Any]) -> bytes | None:
    origin: Any = _MISSING
    try:
        for name, value in request_headers:
            if name == _ORIGIN:
                if not isinstance(name, bytes):
                    _refuse_if_among(name, (_ORIGIN,))
                origin = value
                break
    except (TypeError, ValueError):
        _raise_for_malformed(request_headers)
        raise
    if origin.__class__ is bytes:
        return origin
    checked: bytes | None = _checked_value(origin)
    return checked


def _set_header(headers: list[Any], header: Header) -> None:
    """``MutableHeaders.__setitem__``: replace the first header of that name, drop the others."""
    name = header[0]
    found = False
    index = 0
    while index < len(headers):
        item_name, _ = headers[index]
        if item_name == name and isinstance(item_name, bytes):
            if found:
                del headers[index]
                continue
            found = True
            headers[index] = header
        index += 1
    if not found:
        headers.append(header)


def _merged_vary(values: list[Any]) -> Header:
    """``", ".join([*headers.getlist("Vary"), "Origin"])``."""
    if not values:
        return _VARY_ORIGIN
    return (_VARY, b", ".join([*map(_checked_value, values), b"Origin"]))


def _refuse_if_among(name: object, wanted: Iterable[bytes]) -> None:
    """Raises for a name that is not bytes yet equals one the middleware reads or edits (a
    ``bytearray``, say): Starlette would match it, so ignoring it would be a silent difference."""
    if not isinstance(name, bytes) and any(name == candidate for candidate in wanted):
        raise TypeError(f"ASGI header names must be bytes, got {name!r}")


def _checked_value(value: Any) -> Any:
    """A header value, which must be bytes; ``_MISSING`` stands for an absent header."""
    if value is _MISSING:
        return None
    if not isinstance(value, bytes):
        raise TypeError(f"ASGI header values must be bytes, got {value!r}")
    return value


def _raise_for_malformed(headers: Iterable[Any]) -> None:
    """Raises the error for the first header that is not a (name, value) pair, if there is one."""
    for item in headers:
        try:
            _, _ = item
        except (TypeError, ValueError):
            raise TypeError(f"ASGI headers must be (name, value) pairs, got {item!r}") from None
