"""A whole CORS policy: the options, the responses precomputed from them (the twin of
``rust/policy.rs`` and ``rust/bindings/policy.rs``). Each step of a request is a base class in a
module of its own, named as its twins are."""

from __future__ import annotations

from typing import Any

from fastcors._config import CorsConfig
from fastcors._constants import ALLOW_METHODS, CONTENT_LENGTH, MAX_AGE, PREFLIGHT_BODIES, PREFLIGHT_VARY
from fastcors._origin_set import OriginSet
from fastcors._pure import dispatch as dispatching
from fastcors._pure import origin as origins
from fastcors._pure import preflight as preflights
from fastcors._pure import response_start as response_starts
from fastcors._pure import shadow as shadows
from fastcors._pure.counters import Counters
from fastcors._pure.headers import (
    ALLOW_CREDENTIALS,
    ALLOW_HEADERS,
    ALLOW_ORIGIN,
    EXPOSE_HEADERS,
    MISSING,
    VARY,
    Header,
)
from fastcors._pure.origin_patterns import OriginPatterns
from fastcors._pure.response_headers import apply_edits
from fastcors._pure.routes import route_policies
from fastcors._pure.state import PolicyState


class Policy(PolicyState):
    """An immutable CORS policy built from a ``CorsConfig``; safe to share across threads, with or
    without the GIL: what it writes after construction is its memos (see ``remember``),
    ``_memo_quiet_at``, a count that is written whole and only compared, and its counters (see
    ``Counters``)."""

    __slots__ = ()

    def __init__(self, config: CorsConfig, *, counters: Counters | None = None) -> None:
        # Counters are the middleware's: a policy that replaces another counts on into its counters.
        self._counters = Counters() if counters is None else counters
        self._requests_count = self._counters.requests
        self._allow_all_origins = config.allow_all_origins
        self._origins = frozenset(config.allowed_origins)
        self._origins_are_substrings = config.allowed_origins_are_substrings
        self._origins_collection = config.origins_collection
        self._origin_pattern = config.origin_pattern
        self._origin_judged = config.origin_judged
        self._origin_patterns = OriginPatterns(config.origin_patterns) if config.origin_patterns else None
        self._origin_func = config.origin_func
        # A shared source of origins answers from the policy's own copy of its set, without a call.
        self._origin_set: OriginSet | None = None
        if config.shared_origins is not None:
            self._origin_set = OriginSet()
            config.shared_origins.attach(self._origin_set)
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
        self._class_watch = config.class_watch
        routes = None if config.routes is None else route_policies(config.routes)
        self._route_tree = None if routes is None else routes.tree
        self._route_splits = 0 if routes is None else routes.splits
        if routes is None and config.shadow is not None:
            # A tree whose walk ends at once on the top level: a request checks one attribute
            # for routes and shadow alike.
            self._route_tree = {None: None}
        self._shadow = config.shadow
        # Credentials forbid `*`, so an allowed origin is echoed unless `*` alone is configured.
        self._echo_preflight_origin = not config.allow_all_origins or config.allow_credentials

        simple: list[Header] = []
        if config.allow_all_origins:
            simple.append((ALLOW_ORIGIN, b"*"))
        if config.allow_credentials:
            simple.append((ALLOW_CREDENTIALS, b"true"))
        if config.expose_headers_value is not None:
            simple.append((EXPOSE_HEADERS, config.expose_headers_value))
        self._simple_headers = tuple(simple)

        preflight: list[Header] = [(VARY, PREFLIGHT_VARY)]
        if not self._echo_preflight_origin:
            preflight.append((ALLOW_ORIGIN, b"*"))
        preflight.append((ALLOW_METHODS, config.allow_methods_value))
        preflight.append((MAX_AGE, config.max_age_value))
        if not config.allow_all_headers:
            preflight.append((ALLOW_HEADERS, config.allow_headers_value))
        if config.allow_credentials:
            preflight.append((ALLOW_CREDENTIALS, b"true"))
        self._preflight_headers = tuple(preflight)

        self._preflight_bodies = tuple(
            (body, (CONTENT_LENGTH, str(len(body)).encode())) for body in PREFLIGHT_BODIES
        )

        # What the edits append to a response whose app set none of the headers they touch,
        # worked out once by the general edits on an empty list.
        not_echoed: list[Any] = []
        apply_edits(not_echoed, self._simple_headers)
        self._appended_when_not_echoed = tuple(not_echoed)
        echoed: list[Any] = []
        apply_edits(echoed, (*self._simple_headers, (ALLOW_ORIGIN, MISSING)))
        at = echoed.index((ALLOW_ORIGIN, MISSING))
        self._appended_when_echoed = (tuple(echoed[:at]), tuple(echoed[at + 1 :]))

    @property
    def counters(self) -> Counters:
        """What the policy served (see ``Counters``)."""
        return self._counters

    @property
    def origin_regex_engine(self) -> str | None:
        """Which engine evaluates ``allow_origin_regex``: always Python's ``re`` here."""
        return None if self._origin_pattern is None else "python"

    # The core's surface (see ``_fastcors.pyi``): each step of a request is defined in the module
    # named after its Rust twins, as a function of the policy.
    dispatch = dispatching.dispatch
    handle = dispatching.handle
    request_origin_allowed = dispatching.request_origin_allowed
    origin_func_verdict = dispatching.origin_func_verdict
    finish_preflight = preflights.finish_preflight
    edit_response_start = response_starts.edit_response_start
    finish_response_start = response_starts.finish_response_start
    is_allowed_origin = origins.is_allowed_origin
    outcome = shadows.outcome
