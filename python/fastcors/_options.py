"""The constructor's options, as one object: given, then checked and read into what the cores take.

``CORSMiddleware`` keeps the ``Options`` it was given (Starlette keeps its arguments as given too);
``reconfigure`` is "the same options with these changed, checked, then swapped in": one path, so
that every check runs alike for a new middleware and for a reconfigured one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from fastcors._checks import CORSConfigError, check_configuration, configuration_problems, relabelled
from fastcors._routes import checked_routes, route_label

if TYPE_CHECKING:
    from fastcors._config import CorsConfig, StarletteView
    from fastcors._reporting import RejectEvent
    from fastcors._shadow import ShadowDifference


@dataclass(frozen=True)
class Options:
    """Every option of the constructor but ``app``: Starlette's, in its positional order, then
    fastcors' own (keyword-only there)."""

    allow_origins: Collection[str] = ()
    allow_methods: Collection[str] = ("GET",)
    allow_headers: Collection[str] = ()
    allow_credentials: bool = False
    allow_origin_regex: str | None = None
    allow_private_network: bool = False
    expose_headers: Collection[str] = ()
    max_age: int = 600
    #: Configuration problems raise (``CORSConfigError``) instead of warning.
    strict: bool = False
    cors_on_errors: bool = False
    check_websocket_origin: bool = False
    on_reject: Callable[[RejectEvent], object] | None = None
    allow_origin_patterns: Iterable[str] = ()
    allow_origin_func: Callable[[str], bool | Awaitable[bool]] | None = None
    allow_origin_func_cache_size: int | None = None
    allow_origin_func_cache_ttl: float | None = None
    #: Options per path prefix (see ``fastcors._routes``), or ``None``.
    routes: Mapping[str, Mapping[str, Any] | None] | None = None
    #: A candidate configuration, overrides over these options (see ``fastcors._shadow``), or ``None``.
    shadow: Mapping[str, Any] | None = None
    on_shadow_difference: Callable[[ShadowDifference], object] | None = None

    def changed(self, changes: dict[str, Any]) -> Options:
        """These options with ``changes``, by name; anything else is a ``TypeError``."""
        names = [option.name for option in fields(self)]
        unknown = sorted(set(changes) - set(names))
        if "app" in unknown:
            raise TypeError("reconfigure() changes options, not the app: build a new middleware for that")
        if unknown:
            raise TypeError(
                f"reconfigure() got unknown option(s) {', '.join(map(repr, unknown))}; "
                f"it takes the constructor's: {', '.join(names)}"
            )
        return replace(self, **changes)

    def checked(self, stacklevel: int, checks: bool = True) -> Checked:
        """Checks every option (its type, then, with ``checks``, the configuration checks, which
        raise together with ``strict``), then reads the options as Starlette reads them. A one-shot
        iterable is read once: the options kept hold what it yielded. (A copy or a pickle of a
        middleware, whose options were checked when it was built, is not checked again.)

        Each route's options (the top-level ones with its overrides) are checked the same way;
        what is wrong with them names the route (``routes["/admin"]: ...``), and ``strict``
        problems of the top level and of every route raise together, as one ``CORSConfigError``."""

        from fastcors._shadow import checked_shadow, require_listener, shadow_checked

        if self.shadow is not None or self.on_shadow_difference is not None:
            require_listener(self.on_shadow_difference)
            if self.shadow is None:
                return (
                    replace(self, on_shadow_difference=None)
                    .checked(stacklevel + 1, checks)
                    ._replace(options=self)
                )
            shadow = checked_shadow(self.shadow, _OPTION_NAMES)
            live = replace(self, shadow=None, on_shadow_difference=None).checked(stacklevel + 1, checks)
            # The candidate: the live options as kept (routes included), with the overrides.
            candidate = shadow_checked(replace(live.options, **shadow), stacklevel + 1, checks)
            kept = {name: getattr(candidate.options, name) for name in shadow}
            options = replace(live.options, shadow=kept, on_shadow_difference=self.on_shadow_difference)
            return live._replace(options=options, shadow=candidate)
        routes = None if self.routes is None else checked_routes(self.routes, _OPTION_NAMES)
        if routes is None:
            return replace(self, routes=None)._checked_alone(stacklevel + 1, checks, None)
        deferred: list[str] = []
        try:
            checked = self._checked_with_routes(routes, stacklevel + 1, checks, deferred)
        except (TypeError, ValueError) as error:
            # Problems found before the error come first, as they would without routes.
            if deferred:
                raise CORSConfigError(deferred) from error
            raise
        if deferred:
            raise CORSConfigError(deferred)
        return checked

    def _checked_with_routes(
        self,
        routes: dict[str, dict[str, Any] | None],
        stacklevel: int,
        checks: bool,
        deferred: list[str],
    ) -> Checked:
        """``checked`` with ``routes``, the ``strict`` problems added to ``deferred``."""
        top = replace(self, routes=None)._checked_alone(stacklevel + 1, checks, None, deferred)
        base = top.options
        kept_routes: dict[str, dict[str, Any] | None] = {}
        per_route: list[tuple[str, Checked | None]] = []
        for prefix, overrides in routes.items():
            route = None
            if overrides is not None:
                options = replace(base, **overrides)
                route = _route_checked(options, prefix, stacklevel + 1, checks, deferred)
                overrides = {name: getattr(route.options, name) for name in overrides}
            kept_routes[prefix] = overrides
            per_route.append((prefix, route))
        return top._replace(options=replace(top.options, routes=kept_routes), routes=tuple(per_route))

    def _checked_alone(
        self, stacklevel: int, checks: bool, route: str | None, deferred: list[str] | None = None
    ) -> Checked:
        """``checked`` for options without routes; ``route``: the prefix they apply under. With
        ``strict``, their problems are added to ``deferred`` when given, else raised."""
        from fastcors._config import interpret_options, kept, reading
        from fastcors._reporting import Reporter, logger

        _require_bool("strict", self.strict)
        _require_bool("cors_on_errors", self.cors_on_errors)
        _require_bool("check_websocket_origin", self.check_websocket_origin)
        _require_on_reject(self.on_reject)
        options = self
        if isinstance(self.allow_origin_patterns, Iterator):
            options = replace(self, allow_origin_patterns=tuple(self.allow_origin_patterns))
        problems = (
            []
            if not checks
            else configuration_problems(
                options.allow_origins,
                options.allow_methods,
                options.allow_headers,
                options.allow_credentials,
                options.allow_origin_regex,
                options.expose_headers,
                options.max_age,
                options.check_websocket_origin,
                options.allow_origin_patterns,
            )
        )
        if route is not None:
            problems = [route_label(route) + problem for problem in problems]
        if options.strict and deferred is not None:
            deferred.extend(problems)
        else:
            check_configuration(problems, strict=options.strict, stacklevel=stacklevel + 1)
        given = options.starlettes()
        read = reading(given)
        config, view = interpret_options(
            *read,
            allow_origin_patterns=options.allow_origin_patterns,
            allow_origin_func=options.allow_origin_func,
            allow_origin_func_cache_size=options.allow_origin_func_cache_size,
            allow_origin_func_cache_ttl=options.allow_origin_func_cache_ttl,
        )
        config = replace(
            config,
            cors_on_errors=options.cors_on_errors,
            check_websocket_origin=options.check_websocket_origin,
            reporter=Reporter(options.on_reject, route).report,
            log_enabled_for=logger.isEnabledFor if options.on_reject is None else None,
        )
        starlettes = dict(zip(STARLETTE_OPTIONS, kept(read, given), strict=True))
        return Checked(replace(options, **starlettes), config, view)

    def starlettes(self) -> tuple[Any, ...]:
        """Starlette's options, in its positional order."""
        return tuple(getattr(self, name) for name in STARLETTE_OPTIONS)


class Checked(NamedTuple):
    """Options that passed every check, and what they were read into."""

    #: The options to keep (a one-shot iterable replaced by what it yielded).
    options: Options
    #: What the cores are built from.
    config: CorsConfig
    #: The attributes Starlette exposes.
    view: StarletteView
    #: Each route's prefix and its own checked options (``None``: CORS is off there), in the
    #: order given; ``None`` without ``routes``.
    routes: tuple[tuple[str, Checked | None], ...] | None = None
    #: The shadow's candidate options, checked; ``None`` without ``shadow``.
    shadow: Checked | None = None


#: Starlette's options, in its positional order after ``app``.
STARLETTE_OPTIONS = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "allow_origin_regex",
    "allow_private_network",
    "expose_headers",
    "max_age",
)


#: Every option of the constructor but ``app``.
_OPTION_NAMES = tuple(option.name for option in fields(Options))


def _route_checked(
    options: Options, prefix: str, stacklevel: int, checks: bool, deferred: list[str]
) -> Checked:
    """A route's options checked, its ``strict`` problems added to ``deferred``; an error is
    raised again with the route's name."""
    try:
        return options._checked_alone(stacklevel + 1, checks, prefix, deferred)
    except (TypeError, ValueError, re.error) as error:
        raise route_error(error, prefix) from error


def route_error(error: TypeError | ValueError | re.error, prefix: str) -> Exception:
    """``error`` with the route's name in front of its message."""
    return relabelled(error, route_label(prefix))


def _require_bool(option: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{option} must be True or False, not {value!r}; write {option}=True to turn it on")


def _require_on_reject(on_reject: object) -> None:
    if on_reject is not None and not callable(on_reject):
        raise TypeError(
            f"on_reject must be a callable taking a fastcors.RejectEvent, or None, not {on_reject!r}"
        )
    from fastcors._origin_func import is_async_callable

    if is_async_callable(on_reject):
        raise TypeError(
            "on_reject must be a plain function: it is called while the request is served, never "
            f"awaited, so {on_reject!r} would never run; make it a plain function, and have it "
            "schedule any async work itself (asyncio.get_running_loop().create_task(...))"
        )
