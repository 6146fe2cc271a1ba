"""What a ``Policy`` of the pure core holds, worked out from its options at construction: the state
each step of a request (``dispatch``, ``preflight``, ``response_start``, ...) reads, declared once
for all of them (``rust/bindings/policy.rs`` holds its twin, the ``PyPolicy`` struct)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any

from fastcors._pure.headers import Header

if TYPE_CHECKING:
    from fastcors._guards import ClassWatch
    from fastcors._origin_func import OriginFunc
    from fastcors._origin_set import OriginSet
    from fastcors._pure.counters import Counters
    from fastcors._pure.origin_patterns import OriginPatterns
    from fastcors._pure.routes import Node
    from fastcors._shadow import Shadow


class PolicyState:
    """The fields of a ``Policy``: immutable after construction but for the memos (see
    ``origin.remember``)."""

    __slots__ = (
        "_allow_all_headers",
        "_allow_all_origins",
        "_allow_credentials",
        "_allow_private_network",
        "_allowed_headers",
        "_appended_when_echoed",
        "_appended_when_not_echoed",
        "_check_websocket_origin",
        "_class_watch",
        "_cors_on_errors",
        "_counters",
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
        "_origin_set",
        "_origin_verdicts",
        "_origins",
        "_origins_are_substrings",
        "_origins_collection",
        "_preflight_bodies",
        "_preflight_headers",
        "_reporter",
        "_requested_headers_verdicts",
        "_requests_count",
        "_route_splits",
        "_route_tree",
        "_shadow",
        "_simple_headers",
    )

    # Origins.
    _allow_all_origins: bool
    _origins: frozenset[bytes]
    _origins_are_substrings: bool
    _origins_collection: Collection[str] | None
    _origin_pattern: re.Pattern[Any] | None
    _origin_judged: bool
    _origin_patterns: OriginPatterns | None
    _origin_func: OriginFunc | None
    #: This policy's copy of the set of a shared source of origins, when that is ``_origin_func``.
    _origin_set: OriginSet | None
    #: The usual case, a plain list of origins, answered without a call.
    _only_listed_origins: frozenset[bytes] | None
    _origin_verdicts: dict[bytes, bool] | None
    # Methods and request headers.
    _methods: frozenset[bytes]
    _methods_are_substrings: bool
    _methods_collection: Collection[str] | None
    _allow_all_headers: bool
    _allowed_headers: frozenset[bytes]
    _requested_headers_verdicts: dict[bytes, bool]
    # Responses.
    _allow_credentials: bool
    _allow_private_network: bool
    _echo_preflight_origin: bool
    _simple_headers: tuple[Header, ...]
    _preflight_headers: tuple[Header, ...]
    _preflight_bodies: tuple[tuple[bytes, Header], ...]
    _appended_when_not_echoed: tuple[Any, ...]
    _appended_when_echoed: tuple[tuple[Any, ...], tuple[Any, ...]]
    # Features.
    _cors_on_errors: bool
    _check_websocket_origin: bool
    _reporter: Callable[..., object] | None
    _log_enabled_for: Callable[[int], bool] | None
    #: ``CorsConfig.class_watch``: what the policy noted of its middleware's class.
    _class_watch: ClassWatch | None
    #: What the policy served, shared with the policies that replace it.
    _counters: Counters
    #: ``_counters``' count of requests, advanced by ``next`` on each one.
    _requests_count: Iterator[int]
    #: ``CorsConfig.routes`` as the tree the middleware walks a request's path down
    #: (``fastcors._pure.routes.Routes.tree``, each route's policy or a ``CorsOff`` where its prefix
    #: ends); with a shadow but no routes, a tree whose walk ends on the top level at once;
    #: ``None`` without either, so that a request looks nothing up.
    _route_tree: Node | None
    #: ``Routes.splits``: how many times a path is split, at most.
    _route_splits: int
    #: ``CorsConfig.shadow``: the candidate configuration each request with an ``Origin`` is
    #: compared under; ``None`` without one.
    _shadow: Shadow | None
