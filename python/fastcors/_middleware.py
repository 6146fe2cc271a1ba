"""``CORSMiddleware``: Starlette's interface over a policy built once, at construction.

The class is plain (no metaclass: it combines with ``abc.ABC``, ``typing.Protocol`` and any other
base as Starlette's does). Its options are read into a policy of the core in use
(``fastcors._core``), which serves every request through the core's ``__call__``; what a user may
change that Starlette would follow is followed or refused (``fastcors._guards``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import replace
from types import MethodType
from typing import TYPE_CHECKING, Any

from fastcors._core import Core, Middleware, Policy
from fastcors._coroutine_marks import ApplicationEntry
from fastcors._guards import (
    ATTRIBUTES,
    ORIGIN_OPTIONS,
    STARLETTE_INTERNALS,
    ClassWatch,
    GuardedAttributes,
    InstanceAttributes,
    ReadAtConstruction,
    class_problems,
    judge_beside_func,
    judge_beside_routes,
    judge_beside_shadow,
    unsupported,
)
from fastcors._types import ASGIApp, ASGICall

if TYPE_CHECKING:
    from fastcors._config import CorsConfig, StarletteView
    from fastcors._explain import Explanation
    from fastcors._options import Checked, Options
    from fastcors._reporting import RejectEvent
    from fastcors._shadow import Shadow, ShadowDifference

# `_config`, `_options`' checks and `_reporting` (dataclasses, regexes, the origin rules) load with
# the first middleware, not with `import fastcors`: an app pays for them once, at start-up.

#: What an instance holds that is worked out from its options, rebuilt rather than copied.
_DERIVED_STATE = (
    "_config",
    "_view",
    "_policy",
    "_routes",
    "_route_policies",
    "_route_counters",
    "_shadow",
    "__call__",
)
#: One reconfiguration at a time, so that concurrent ones compose rather than lose an update.
_RECONFIGURING = threading.Lock()


class _Starlettes(InstanceAttributes):
    """What ``CORSMiddleware`` keeps of Starlette's class as it is: ``is_allowed_origin``. It lives
    here rather than in ``CORSMiddleware``'s own attribute dict, so that a patch of
    ``CORSMiddleware.is_allowed_origin`` adds a name there, which the class watch sees at the next
    request (``ClassWatch``)."""

    if TYPE_CHECKING:  # provided by CORSMiddleware
        _policy: Policy

        def _starlettes_answer(self, origin: Any) -> bool: ...

    def is_allowed_origin(self, origin: str) -> bool:
        r"""Whether responses may be shared with ``origin``, as Starlette decides it.

        >>> async def app(scope, receive, send): ...
        >>> cors = CORSMiddleware(app, allow_origin_regex=r"https://[a-z]+\.example\.org")
        >>> cors.is_allowed_origin("https://api.example.org")
        True
        >>> cors.is_allowed_origin("https://api.example.org.evil.com")  # the regex must match it all
        False
        """
        if origin.__class__ is str:
            try:
                raw = origin.encode("latin-1")
            except UnicodeEncodeError:
                pass  # no request can carry this origin
            else:
                return self._policy.is_allowed_origin(raw)
        return self._starlettes_answer(origin)


class CORSMiddleware(Middleware, _Starlettes):
    """A drop-in replacement for ``starlette.middleware.cors.CORSMiddleware``.

    Same arguments, same defaults, same positional order, and byte for byte the same messages for
    every request. All the work is done here, once; each request costs one call into the core.
    A subclass may override ``is_allowed_origin``: it is called wherever Starlette calls it.

    >>> async def app(scope, receive, send): ...
    >>> cors = CORSMiddleware(app, allow_origins=["https://example.org"])
    >>> cors.is_allowed_origin("https://example.org"), cors.is_allowed_origin("https://evil.com")
    (True, False)
    """

    allow_origins: ReadAtConstruction[Collection[str]] = ReadAtConstruction(lambda view: view.allow_origins)
    allow_methods: ReadAtConstruction[Collection[str]] = ReadAtConstruction(lambda view: view.allow_methods)
    allow_headers: ReadAtConstruction[list[str]] = ReadAtConstruction(lambda view: view.allow_headers)
    allow_all_origins: ReadAtConstruction[bool] = ReadAtConstruction(lambda view: view.allow_all_origins)
    allow_all_headers: ReadAtConstruction[bool] = ReadAtConstruction(lambda view: view.allow_all_headers)
    allow_credentials: ReadAtConstruction[bool] = ReadAtConstruction(lambda view: view.allow_credentials)
    preflight_explicit_allow_origin: ReadAtConstruction[bool] = ReadAtConstruction(
        lambda view: view.preflight_explicit_allow_origin
    )
    allow_origin_regex: ReadAtConstruction[re.Pattern[Any] | None] = ReadAtConstruction(
        lambda view: view.allow_origin_regex
    )
    allow_private_network: ReadAtConstruction[bool] = ReadAtConstruction(
        lambda view: view.allow_private_network
    )
    simple_headers: ReadAtConstruction[dict[str, str]] = ReadAtConstruction(lambda view: view.simple_headers)
    preflight_headers: ReadAtConstruction[dict[str, str]] = ReadAtConstruction(
        lambda view: view.preflight_headers
    )
    allow_origin_patterns: ReadAtConstruction[tuple[str, ...]] = ReadAtConstruction(
        lambda view: view.allow_origin_patterns
    )
    allow_origin_func: ReadAtConstruction[Callable[[str], Any] | None] = ReadAtConstruction(
        lambda view: view.allow_origin_func
    )
    allow_origin_func_cache_size: ReadAtConstruction[int | None] = ReadAtConstruction(
        lambda view: view.allow_origin_func_cache_size
    )
    allow_origin_func_cache_ttl: ReadAtConstruction[float | None] = ReadAtConstruction(
        lambda view: view.allow_origin_func_cache_ttl
    )

    __dict__ = GuardedAttributes()  # see GuardedAttributes

    #: The options as given (``strict`` included), kept to rebuild the policy for copies, pickles
    #: and ``reconfigure``.
    _given: Options
    _config: CorsConfig
    _view: StarletteView
    #: Each route's prefix and checked options (``None``: CORS off there); ``None`` without routes.
    _routes: tuple[tuple[str, Checked | None], ...] | None
    #: Each route's policy, by prefix (``None``: CORS off there); ``None`` without routes.
    _route_policies: dict[str, Policy | None] | None
    #: The counters of each route, by prefix: its policy's, or where CORS is off, those of its
    #: requests. One attribute, swapped whole, which ``stats`` reads once.
    _route_counters: dict[str, Any]
    #: The shadow's candidate options, checked; ``None`` without ``shadow``.
    _shadow: Checked | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        _after(cls).__init_subclass__(**kwargs)
        _refuse_class_problems(cls)

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
        *,
        strict: bool = False,
        cors_on_errors: bool = False,
        check_websocket_origin: bool = False,
        on_reject: Callable[[RejectEvent], object] | None = None,
        allow_origin_patterns: Iterable[str] = (),
        allow_origin_func: Callable[[str], bool | Awaitable[bool]] | None = None,
        allow_origin_func_cache_size: int | None = None,
        allow_origin_func_cache_ttl: float | None = None,
        routes: Mapping[str, Mapping[str, Any] | None] | None = None,
        shadow: Mapping[str, Any] | None = None,
        on_shadow_difference: Callable[[ShadowDifference], object] | None = None,
    ) -> None:
        from fastcors._options import Options

        options = Options(
            allow_origins,
            allow_methods,
            allow_headers,
            allow_credentials,
            allow_origin_regex,
            allow_private_network,
            expose_headers,
            max_age,
            strict=strict,
            cors_on_errors=cors_on_errors,
            check_websocket_origin=check_websocket_origin,
            on_reject=on_reject,
            allow_origin_patterns=allow_origin_patterns,
            allow_origin_func=allow_origin_func,
            allow_origin_func_cache_size=allow_origin_func_cache_size,
            allow_origin_func_cache_ttl=allow_origin_func_cache_ttl,
            routes=routes,
            shadow=shadow,
            on_shadow_difference=on_shadow_difference,
        )
        self._serve(options.checked(stacklevel=2))
        self.app = app

    def _serve(self, checked: Checked) -> None:
        """Builds the policy the core serves requests with from checked options, then swaps it in:
        the attributes first, the policy last (requests read it once)."""
        _refuse_class_problems(type(self))
        core_base = _core_base(type(self))
        policy, route_policies, route_counters = self._policies(checked.config, checked.routes, checked)
        self._given = checked.options
        self._config = checked.config
        self._view = checked.view
        self._routes = checked.routes
        self._route_policies = route_policies
        self._route_counters = route_counters
        self._shadow = checked.shadow
        self._policy = policy
        if type(self).__call__ is core_base.__call__:
            # Calls go through the core's `__call__` (in Rust, where the extension is built), which
            # returns the app's own awaitable: no coroutine frame of the middleware's own. Servers
            # inspect the instance's (see ApplicationEntry).
            self.__call__: ASGICall = ApplicationEntry(self)

    def _policies(
        self,
        config: CorsConfig,
        routes: tuple[tuple[str, Checked | None], ...] | None,
        checked: Checked | None = None,
        *,
        counting_on: bool = True,
    ) -> tuple[Policy, dict[str, Policy | None] | None, dict[str, Any]]:
        """The policy for ``config``, holding the policy of each of ``routes`` (where CORS is off,
        the counters of its requests) and the shadow of ``checked``, if any; the routes' policies
        by prefix (``None`` where CORS is off); and the counters of each route. Each counts on into
        the counters of the policy or the route it replaces, for the same prefix, whether CORS was
        on or off there (``counting_on``; a shadow's count into fresh ones, which nobody reads)."""
        from fastcors._options import route_error

        core_base = _core_base(type(self))
        route_policies: dict[str, Policy | None] | None = None
        route_counters: dict[str, Any] = {}
        table = None
        shadow = None
        if checked is not None and checked.shadow is not None:
            shadow = self._shadow_of(checked)
        if routes:
            current = (getattr(self, "_route_counters", None) or {}) if counting_on else {}
            route_policies = {}
            for prefix, route in routes:
                counted = current.get(prefix)
                if type(counted) is not core_base._counters_type:
                    counted = None  # a copy's, or another core's: counting starts again
                if route is None:
                    route_policies[prefix] = None
                    route_counters[prefix] = core_base._counters_type() if counted is None else counted
                    continue
                try:
                    judged = self._judged(route.config)
                    if judged.origin_judged:
                        raise judge_beside_routes(type(self))
                except (TypeError, ValueError) as error:
                    raise route_error(error, prefix) from error
                route_policy = core_base._policy_type(judged, counters=counted)
                if route.config.origin_func is not None:
                    route.config.origin_func.counters = route_policy.counters
                route_policies[prefix] = route_policy
                route_counters[prefix] = route_policy.counters
            # What serves under each prefix: its policy, or where CORS is off, its counters.
            table = tuple(
                (
                    prefix.encode("utf-8", "surrogatepass"),
                    route_counters[prefix] if policy is None else policy,
                )
                for prefix, policy in route_policies.items()
            )
        judged = replace(self._judged(config), routes=table, shadow=shadow)
        replaced = getattr(self, "_policy", None) if counting_on else None
        policy = core_base._policy_type(judged, counters=self._counters_kept(core_base, replaced))
        if config.origin_func is not None:
            config.origin_func.counters = policy.counters
        if shadow is not None:
            shadow.counters = policy.counters
        return policy, route_policies, route_counters

    def _shadow_of(self, checked: Checked) -> Shadow:
        """The shadow of the live options ``checked``: the candidate's policies, built as the live
        ones are (its routes included), and where differences are reported."""
        from fastcors._pure.routes import Routes
        from fastcors._shadow import CANDIDATE_CORS_OFF, Shadow, labelled, may_wait

        candidate = checked.shadow
        assert candidate is not None
        if self._origin_judged() and ORIGIN_OPTIONS.intersection(checked.options.shadow or ()):
            raise judge_beside_shadow(type(self))
        try:
            policy, route_policies, _ = self._policies(candidate.config, candidate.routes, counting_on=False)
        except (TypeError, ValueError) as error:
            # What the class refuses of the candidate (an `allow_origin_func` beside an
            # overridden `is_allowed_origin`, say) names the shadow, as its options' problems do.
            raise labelled(error) from error
        routes = None
        if route_policies:
            routes = Routes(
                (prefix, CANDIDATE_CORS_OFF if route_policy is None else route_policy)
                for prefix, route_policy in route_policies.items()
            )
        inline = not may_wait(checked) and not may_wait(candidate)
        return Shadow(policy, routes, checked.options.on_shadow_difference, inline)

    def _counters_kept(self, core_base: Any, current: Any) -> Any:
        """The counters a new policy counts on into: the current policy's, so that they survive
        ``reconfigure`` (counters are the middleware's, not its options'); ``None`` (fresh ones)
        for a new middleware, a copy or an unpickled one. ``current``: the policy replaced."""
        if current is None or type(current) is not core_base._policy_type:
            return None
        return current.counters

    def _origin_judged(self) -> bool:
        """Whether ``is_allowed_origin`` is not Starlette's own, so that requests must ask it."""
        if type(self).is_allowed_origin is not _STARLETTE_IS_ALLOWED_ORIGIN:
            return True
        # As attribute lookup finds it: the instance's own, or else Starlette's check bound to this
        # instance. Not `"is_allowed_origin" in vars(self)`: on CPython 3.11 and 3.12, `vars`
        # moves the instance's attributes into a dict, which makes the core's reads of `app` and
        # `_policy`, on every request, dict lookups.
        found = object.__getattribute__(self, "is_allowed_origin")
        bound_here = type(found) is MethodType and found.__self__ is self
        return not (bound_here and found.__func__ is _STARLETTE_IS_ALLOWED_ORIGIN)

    def _judged(self, config: CorsConfig) -> CorsConfig:
        """``config`` for a policy that asks ``is_allowed_origin`` where it is not Starlette's. A
        policy that does not ask it notes the class's, so that a request that finds another there
        (the class was patched) has the policy rebuilt first (``_refresh_origin_judge``)."""
        judged = self._origin_judged()
        if judged and config.origin_func is not None:
            raise judge_beside_func(type(self))
        if config.check_websocket_origin and config.origin_func is not None:
            raise TypeError(
                "check_websocket_origin checks handshakes against the static origin rules only, so it "
                "would refuse origins that allow_origin_func allows: drop one of the two, or check "
                "websocket origins in your app with the same function"
            )
        watch = ClassWatch.of(type(self), private=(InstanceAttributes, _Starlettes, _core_base(type(self))))
        return replace(config, origin_judged=judged, class_watch=watch)

    def _refresh_origin_judge(self) -> None:
        """Rebuilds the policy after ``is_allowed_origin`` was patched on the instance or a class."""
        from fastcors._options import Checked

        checked = Checked(self._given, self._config, self._view, self._routes, self._shadow)
        policy, self._route_policies, self._route_counters = self._policies(
            self._config, self._routes, checked
        )
        self._policy = policy

    def _class_changed(self) -> None:
        """The core calls this when a request finds the class changed since the policy was built
        (``ClassWatch``): what the class gained that fastcors cannot obey fails this request, with
        the same refusal as at class creation; anything else (an ``is_allowed_origin``) is
        followed, with a policy built for the class as it is now."""
        _refuse_class_problems(type(self))
        self._refresh_origin_judge()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in STARLETTE_INTERNALS:
            raise TypeError(f"{type(self).__qualname__}.{name} cannot be assigned: it is {unsupported(name)}")
        if name == "is_allowed_origin" and self._config.origin_func is not None:
            raise judge_beside_func(type(self))
        if name == "is_allowed_origin" and any(route for _, route in self._routes or ()):
            raise judge_beside_routes(type(self))
        if name == "is_allowed_origin" and ORIGIN_OPTIONS.intersection(self._given.shadow or ()):
            raise judge_beside_shadow(type(self))
        _after(self).__setattr__(name, value)
        if name in ("is_allowed_origin", "__class__"):
            self._refresh_origin_judge()

    def __delattr__(self, name: str) -> None:
        _after(self).__delattr__(name)
        if name == "is_allowed_origin":
            self._refresh_origin_judge()

    def __getstate__(self) -> dict[str, Any]:
        """What ``pickle`` and ``copy`` keep: the app, the options and anything a subclass added;
        the policy is rebuilt from the options."""
        attributes = ATTRIBUTES.__get__(self)
        return {name: value for name, value in attributes.items() if name not in _DERIVED_STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        dict.update(ATTRIBUTES.__get__(self), state)  # as it was: the policy is built from it next
        self._serve(self._given.checked(stacklevel=2, checks=False))

    def reconfigure(self, **options: Any) -> None:
        """Changes options while serving: any constructor option but ``app``, by name; the others
        keep their values, ``strict`` included.

        A complete new policy is built first, then swapped in at once: requests in flight finish on
        the policy they started with, new ones get the new one, none sees half of each. Invalid
        options raise, and the old policy keeps serving. Safe to call from any thread. The option
        attributes read the new values afterwards; ``allow_origin_func``'s cache starts empty.

        >>> async def app(scope, receive, send): ...
        >>> cors = CORSMiddleware(app, allow_origins=["https://a.example"])
        >>> cors.reconfigure(allow_origins=["https://b.example"])
        >>> cors.is_allowed_origin("https://a.example"), cors.is_allowed_origin("https://b.example")
        (False, True)
        """
        with _RECONFIGURING:
            self._serve(self._given.changed(options).checked(stacklevel=2))

    def promote_shadow(self) -> None:
        """Makes the ``shadow`` configuration the live one, atomically (as ``reconfigure`` does),
        and ends the shadow: ``reconfigure(**shadow, shadow=None)``.

        >>> async def app(scope, receive, send): ...
        >>> cors = CORSMiddleware(app, allow_origins=["https://a.example"],
        ...                       shadow={"allow_origins": ["https://b.example"]})
        >>> cors.promote_shadow()
        >>> cors.allow_origins
        ['https://b.example']
        """
        with _RECONFIGURING:
            shadow = self._given.shadow
            if shadow is None:
                raise ValueError(
                    "promote_shadow(): no shadow configuration is set; pass shadow={...} to the "
                    "constructor or to reconfigure() first"
                )
            self._serve(self._given.changed({**shadow, "shadow": None}).checked(stacklevel=2))

    def stats(self, route: str | None = None) -> dict[str, int]:
        """A snapshot of what the middleware has served, counter by counter, since it was built
        (``reconfigure`` keeps counting on; a copy or an unpickled middleware starts at zero).

        Counting is always on, exact under threads, and per process. The keys:

        - ``requests``: every HTTP request the middleware saw, with or without an ``Origin``
          (websocket and lifespan scopes are not HTTP requests);
        - ``no_origin``, ``simple_allowed``, ``simple_refused``: a request that is no preflight, by
          its ``Origin``: absent, allowed, or refused; counted when the app starts its response, so
          a request whose app fails first counts only in ``requests``;
        - ``preflight_allowed``, ``preflight_refused``: preflights answered; a refused one counts
          once more under its first failing check, in Starlette's order:
          ``preflight_refused_origin``, ``_method``, ``_headers``, ``_private_network``;
        - ``websocket_refused``: handshakes refused by ``check_websocket_origin``;
        - ``origin_func_calls``, ``origin_func_cache_hits``, ``origin_func_errors``:
          ``allow_origin_func`` called, answered from its cache, raised or returned no bool;
        - ``shadow_differences``: requests the ``shadow`` configuration would have answered
          otherwise (counted at the top level, whatever the route).

        ``route=None`` is the middleware's top-level policy, which counts the requests that match
        no route; ``route="/admin"`` is that route's, which counts the requests under it. Under a
        route whose options are ``None`` (CORS off, the app alone answers), ``requests`` counts
        its HTTP requests and nothing else is counted (what the prefix counted while CORS was on
        there stays). ``explain`` and ``is_allowed_origin`` serve no request and count none.

        >>> async def app(scope, receive, send): ...
        >>> cors = CORSMiddleware(app, allow_origins=["https://example.org"])
        >>> stats = cors.stats()
        >>> stats["requests"], stats["preflight_refused"]
        (0, 0)
        """
        if route is None:
            counters: dict[str, int] = self._policy.counters.stats()
            return counters
        routes = self._route_counters  # read once: `reconfigure` swaps it whole
        if route not in routes:
            configured = (
                f"the configured ones are {', '.join(map(repr, routes))}"
                if routes
                else "this middleware has one policy for every route: call stats() or stats(route=None)"
            )
            raise ValueError(f"stats(route={route!r}): no such route is configured; {configured}")
        route_counters: dict[str, int] = routes[route].stats()
        return route_counters

    def _stats_by_route(self) -> dict[str, dict[str, int]]:
        """The top level's counters under ``""``, then each route's, in the order configured, from
        one reading of the routes: what ``fastcors.prometheus`` exposes."""
        routes = self._route_counters
        by_route = {"": self._policy.counters.stats()}
        for prefix, counters in routes.items():
            by_route[prefix] = counters.stats()
        return by_route

    @property
    def origin_regex_engine(self) -> str | None:
        r"""Which engine evaluates ``allow_origin_regex``: ``"rust"`` (linear time, immune to
        catastrophic backtracking), ``"python"`` (Python's ``re``), or ``None`` without one.

        A pattern the Rust engine cannot express (here a look-behind) stays with Python's ``re``:

        >>> async def app(scope, receive, send): ...
        >>> CORSMiddleware(app, allow_origins=["https://example.org"]).origin_regex_engine is None
        True
        >>> CORSMiddleware(app, allow_origin_regex=r"https://[a-z]+(?<!evil)\.example\.org").origin_regex_engine
        'python'
        """
        return self._policy.origin_regex_engine

    def explain(
        self,
        origin: str,
        method: str = "GET",
        request_headers: Collection[str] = (),
        preflight: bool | None = None,
        *,
        path: str | None = None,
    ) -> Explanation:
        """The verdict on a hypothetical request, without serving one: whether it is allowed, why
        not, and the CORS headers the response would carry.

        ``preflight=None`` decides as a browser does: a preflight for a method other than GET,
        HEAD and POST or a header other than the safelisted ``Accept``, ``Accept-Language``,
        ``Content-Language`` and ``Content-Type`` (taken with a safelisted value: pass
        ``preflight=True`` for, say, ``application/json``).

        >>> async def app(scope, receive, send): ...
        >>> cors = CORSMiddleware(app, allow_origins=["https://example.org"], allow_headers=["X-Token"])
        >>> cors.explain("https://example.org", "PUT", ["X-Token"])
        <Explanation: preflight refused: method 'PUT' is not allowed>

        ``path`` decides with the options of the route it falls under (``routes``); without it,
        or under no route, the top-level options decide.

        >>> cors = CORSMiddleware(app, routes={"/public": {"allow_origins": ["*"]}})
        >>> cors.explain("https://example.org", path="/public/feed")
        <Explanation: request allowed>
        """
        from dataclasses import replace as replaced

        from fastcors._explain import explain, explain_cors_off

        route = None if path is None else self._route_of(path)
        if route is None:
            return explain(self._policy, self._config, self, origin, method, request_headers, preflight)
        prefix, checked = route
        route_policy = (self._route_policies or {}).get(prefix)
        if checked is None or route_policy is None:
            return explain_cors_off(prefix, origin, method, request_headers, preflight)
        explanation = explain(route_policy, checked.config, self, origin, method, request_headers, preflight)
        return replaced(explanation, route=prefix)

    def _route_of(self, path: str) -> tuple[str, Checked | None] | None:
        """The route ``path`` falls under, as requests find it; ``None`` for the top level."""
        if not isinstance(path, str):
            raise TypeError(f"explain(): path must be a str such as '/admin', not {path!r}")
        if not path.startswith("/"):
            raise ValueError(f"explain(): path {path!r} must start with '/', as scope['path'] does")
        if not self._routes:
            return None
        from fastcors._pure.routes import Routes

        return Routes((route[0], route) for route in self._routes).find(path)

    def _starlettes_answer(self, origin: Any) -> bool:
        """Starlette's own check, for what no request carries (``None``, a ``str`` subclass, a str
        beyond latin-1): the same answer, or the same exception."""
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        if origin in self.allow_origins:
            return True
        if not isinstance(origin, str):
            return False
        # fastcors' own rules read the text a request would carry, whatever the str's class.
        text = str.__str__(origin)
        patterns = self._config.origin_patterns
        if patterns and text.isascii():
            from fastcors._pure.origin_patterns import OriginPatterns

            if OriginPatterns(patterns).matches(text.encode("ascii")):
                return True
        func = self._config.origin_func
        return func is not None and func.decide_now(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app={self.app!r})"


_STARLETTE_IS_ALLOWED_ORIGIN = _Starlettes.__dict__["is_allowed_origin"]


def _after(bound: Any) -> Any:
    """``super()`` in ``CORSMiddleware``'s methods for ``bound`` (a class or an instance): not the
    bare ``super()``, which names ``CORSMiddleware`` itself, because its twin on another core
    (``on_core``) runs these methods too."""
    owner = bound if isinstance(bound, type) else type(bound)
    proxy: Any = super
    return proxy(_defining(owner), bound)


def _defining(cls: type) -> type:
    """``CORSMiddleware`` among ``cls``'s bases, or its twin on another core (``on_core``)."""
    return next(klass for klass in cls.__mro__ if vars(klass).get("_serve") is _SERVE)


def _refuse_class_problems(cls: type) -> None:
    """Refuses a class that overrides what fastcors cannot obey, wherever in its bases."""
    problems = class_problems(cls, _defining(cls))
    if problems:
        raise TypeError("; ".join(problems))


def _core_base(cls: type) -> Any:
    """The core's ``Middleware`` among ``cls``'s bases."""
    return next(klass for klass in cls.__mro__ if "_policy_type" in vars(klass))


_SERVE = CORSMiddleware.__dict__["_serve"]
#: ``CORSMiddleware`` on each core other than the live one (see ``on_core``).
_ON_CORES: dict[type, type[CORSMiddleware]] = {}


def on_core(core: Core) -> type[CORSMiddleware]:
    """``CORSMiddleware`` as ``core``'s import builds it: the same class on another core's
    ``Middleware``, for the tests and benchmarks that compare the cores side by side."""
    if core.Middleware is Middleware:
        return CORSMiddleware
    twin = _ON_CORES.get(core.Middleware)
    if twin is None:
        namespace = {name: value for name, value in vars(CORSMiddleware).items() if name != "__weakref__"}
        bases = tuple(core.Middleware if base is Middleware else base for base in CORSMiddleware.__bases__)
        twin = _ON_CORES[core.Middleware] = type(CORSMiddleware.__name__, bases, namespace)
    return twin


__all__ = ["CORSMiddleware"]
