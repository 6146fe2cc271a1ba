"""``shadow``: a candidate configuration evaluated on live traffic without enforcing it (what
Envoy calls ``shadow_enabled``, CSP a report-only policy).

Every HTTP request with an ``Origin`` is answered by the live configuration, as without a shadow;
the candidate's answer is worked out beside it by the same core (what a configuration would send,
without serving, counting or reporting) and compared. Where they differ, the difference is
reported: ``on_shadow_difference``, a ``DEBUG`` record on the logger ``fastcors.shadow``, and the
live counters' ``shadow_differences``.

An inline shadow (``Shadow.inline``: no async ``allow_origin_func`` anywhere) is compared where the
live policy decides, by the core (``compare_decided``); any other is compared before the request
is served (``compare_shadow``, ``Policy.outcome``), and a verdict of an async function is awaited
after the response. Nothing of the shadow reaches a response: its errors, and those of
``on_shadow_difference``, are logged and swallowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeGuard

from fastcors._checks import CORSConfigError, CORSConfigWarning, relabelled

if TYPE_CHECKING:
    from fastcors._core import CorePolicy
    from fastcors._options import Checked, Options
    from fastcors._pure.routes import Routes

    #: The request a comparison reports on, and the shadow that compares it: ``(middleware,
    #: scope, request_headers, method, shadow)`` (the twin of the binding's
    #: ``ComparedRequest``). A plain tuple: a record class costs a call per comparison.
    ComparedRequest = tuple[Any, Any, list[Any], Any, "Shadow"]
    #: Both answers, and the policies that gave them (``None``: CORS is off there), which a
    #: comparison waiting for a verdict asks again once it is awaited: ``(live, candidate,
    #: live_answer, shadow_answer)``.
    Sides = tuple[CorePolicy | None, CorePolicy | None, "Pending", "Pending"]

logger = logging.getLogger("fastcors.shadow")

#: The options a shadow may not override, and why.
_NOT_IN_SHADOW = {
    "app": "the shadow is evaluated for the middleware's app",
    "shadow": "shadows do not nest",
    "on_shadow_difference": "it is the live configuration's: the shadow reports through it",
    "on_reject": "the shadow refuses nothing: where it would, on_shadow_difference hears of it",
}
_LABEL = "shadow: "
_REQUEST_METHOD = b"access-control-request-method"
_ORIGIN = b"origin"


@dataclass(frozen=True)
class ShadowOutcome:
    """What one configuration answers a request: whether the browser may read the response, and
    the CORS headers sent (a preflight's whole response, or those added to the app's)."""

    allowed: bool
    headers: tuple[tuple[str, str], ...]
    #: Why the configuration could not answer (its ``allow_origin_func`` raised, or returned no
    #: bool): serving alone, it would fail the request. ``None`` when it answered.
    error: str | None = None


@dataclass(frozen=True)
class ShadowDifference:
    """A request the shadow configuration would have answered otherwise: ``on_shadow_difference``'s
    argument."""

    origin: str
    method: str
    path: str
    #: The prefix of the live route the request fell under (``routes``); ``None`` for the top level.
    route: str | None
    #: Whether the request was a preflight.
    preflight: bool
    live: ShadowOutcome
    shadow: ShadowOutcome

    def __repr__(self) -> str:
        what = "preflight" if self.preflight else "request"
        verdicts = f"live {_verdict(self.live)}, shadow {_verdict(self.shadow)}"
        return f"<ShadowDifference: {what} {self.method} {self.path} from {self.origin!r}: {verdicts}>"


def _verdict(outcome: ShadowOutcome) -> str:
    if outcome.error is not None:
        return "failed"
    return "allowed" if outcome.allowed else "refused"


def checked_shadow(shadow: object, option_names: tuple[str, ...]) -> dict[str, Any]:
    """``shadow``'s overrides as a dict of their own, after checking their names."""
    if not isinstance(shadow, Mapping):
        raise TypeError(
            f"shadow must be a dict of options to try over the live ones, or None, not {shadow!r}; "
            'write shadow={"allow_origins": ["https://new.example.com"]}'
        )
    for name in shadow:
        if name in _NOT_IN_SHADOW:
            raise TypeError(f"{_LABEL}{name!r} cannot be set in the shadow: {_NOT_IN_SHADOW[name]}")
        if name not in option_names:
            allowed = ", ".join(option for option in option_names if option not in _NOT_IN_SHADOW)
            raise TypeError(
                f"{_LABEL}unknown option {name!r}; a shadow overrides the constructor's: {allowed}"
            )
    return dict(shadow)


def shadow_checked(candidate: Options, stacklevel: int, checks: bool) -> Checked:
    """The candidate's options checked as the live ones are; what is wrong with them says
    ``shadow: `` first, as a route's say its name."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            checked = candidate.checked(stacklevel + 1, checks)
        except CORSConfigError as error:
            raise CORSConfigError([_LABEL + problem for problem in error.problems]) from error
        except (TypeError, ValueError, re.error) as error:
            raise labelled(error) from error
    for warning in caught:
        if issubclass(warning.category, CORSConfigWarning):
            warnings.warn(_LABEL + str(warning.message), CORSConfigWarning, stacklevel=stacklevel + 1)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return checked


def labelled(error: TypeError | ValueError | re.error) -> Exception:
    """``error`` of the candidate's options, its message saying ``shadow: `` first."""
    return relabelled(error, _LABEL)


def require_listener(on_shadow_difference: object) -> None:
    if on_shadow_difference is None:
        return
    if not callable(on_shadow_difference):
        raise TypeError(
            "on_shadow_difference must be a callable taking a fastcors.ShadowDifference, or None, "
            f"not {on_shadow_difference!r}"
        )
    from fastcors._origin_func import is_async_callable

    if is_async_callable(on_shadow_difference):
        raise TypeError(
            "on_shadow_difference must be a plain function: it is called while the request is "
            f"served, never awaited, so {on_shadow_difference!r} would never run; make it a plain "
            "function, and have it schedule any async work itself"
        )


#: The value of a candidate's route where CORS is off (the candidate's routes count nothing).
CANDIDATE_CORS_OFF: Final = object()


class Shadow:
    """The shadow of a live policy (``CorsConfig.shadow``): the candidate's policy and routes,
    and where differences go."""

    __slots__ = ("counters", "inline", "listener", "log_enabled_for", "policy", "routes")

    def __init__(
        self,
        policy: CorePolicy,
        routes: Routes[Any] | None,
        listener: Callable[[ShadowDifference], object] | None,
        inline: bool,
    ) -> None:
        self.policy = policy
        #: The candidate's routes, each to its policy or ``CANDIDATE_CORS_OFF``; ``None`` without
        #: routes.
        self.routes = routes
        self.listener = listener
        #: Whether no configuration, live or candidate, has an async ``allow_origin_func``: then
        #: every verdict is given at once, and a request is compared where the live policy
        #: decides it (one decision more; nothing more without an ``Origin``). Otherwise it is
        #: compared before it is served, and a verdict to await is awaited after the response.
        self.inline = inline
        #: Asked with ``logging.DEBUG`` whether the log hears differences, when no listener does.
        self.log_enabled_for = logger.isEnabledFor
        #: The live policy's counters, for ``shadow_differences`` (set once the live policy is built).
        self.counters: Any = None

    def policy_for(self, scope: Any) -> CorePolicy | None:
        """The candidate's policy for the request's path, as its own routes find it (``None``:
        CORS is off there)."""
        if self.routes is None:
            return self.policy
        found = self.routes.find(scope.get("path", "") if isinstance(scope, dict) else _path(scope))
        if found is None:
            return self.policy
        return None if found is CANDIDATE_CORS_OFF else found


def may_wait(checked: Checked) -> bool:
    """Whether a configuration (its routes' included) has an async ``allow_origin_func``."""
    configs = [checked.config, *(route.config for _, route in checked.routes or () if route is not None)]
    return any(config.origin_func is not None and config.origin_func.is_async for config in configs)


#: Why a request of an inline shadow was not compared.
NOT_AWAITED = (
    "allow_origin_func returned an awaitable though it is not an async function: a shadow whose "
    "configurations have no async allow_origin_func compares only verdicts given at once, so this "
    "request was not compared; declare the function with async def"
)


def not_compared(verdict: object = None) -> None:
    """Logs a request an inline shadow cannot compare, closing the candidate's ``verdict`` it
    will not await, if given (the live one is awaited where the comparison cannot follow it)."""
    if verdict is not None:
        close_unawaited(verdict)
    shadow_failed(RuntimeError(NOT_AWAITED))


def _path(scope: Any) -> object:
    try:
        return scope["path"]
    except KeyError:
        return ""


_OFF: tuple[bool, list[Any]] = (False, [])

#: What a candidate's function may raise that reaches the request. Anything else it raises is its
#: answer (served alone, it would fail the request: a difference to report), `BaseException`s
#: such as `asyncio.CancelledError` or `GeneratorExit` included: the function is called, never
#: awaited, there, so nothing it raises is a cancellation of the request.
INTERRUPTS = (KeyboardInterrupt, SystemExit)

Answer = tuple[bool, list[Any]]
#: An answer, or what a failed candidate raised.
Settled = Answer | BaseException
#: A settled answer, or the verdict of ``allow_origin_func`` it waits for.
Pending = Settled | Awaitable[bool]


def compare_shadow(
    middleware: Any, scope: Any, live: CorePolicy | None, shadow: Shadow
) -> LaterComparison | None:
    """Compares the live answer to an HTTP request with an ``Origin`` to the shadow's, and reports
    a difference; returns the comparison to await after the response when a verdict of
    ``allow_origin_func`` must be awaited first. ``live`` is ``None`` where CORS is off."""
    try:
        request_headers = scope["headers"]
        if not isinstance(request_headers, (list, tuple)):
            return None  # a one-shot iterable, which the live answer alone may read
        if request_headers.__class__ is not list:
            # Read once and left in the scope as a list, as the live core reads them next (as
            # Starlette's `Headers(scope=scope)` does): a subclass's `__iter__` runs once. Where
            # CORS is off, the app gets its scope untouched, as without a shadow.
            request_headers = list(request_headers)
            if live is not None:
                scope["headers"] = request_headers
        for name, _ in request_headers:  # a plain loop: a generator costs several times as much
            if name == _ORIGIN:
                break
        else:
            return None  # without an Origin, a policy's answer is the same whatever its options
        method = scope["method"]
        candidate = shadow.policy if shadow.routes is None else shadow.policy_for(scope)
        live_answer = _OFF if live is None else live.outcome(request_headers, method, middleware)
        shadow_answer = candidate_answer(candidate, request_headers, method, middleware)
    except Exception as error:
        shadow_failed(error)
        return None
    return concluded(
        (middleware, scope, request_headers, method, shadow), (live, candidate, live_answer, shadow_answer)
    )


def concluded(request: ComparedRequest, sides: Sides) -> LaterComparison | None:
    """Reports a difference between two settled answers now, or returns the comparison that
    awaits a verdict first, after the response."""
    _, _, live_answer, shadow_answer = sides
    if isinstance(live_answer, tuple) and settled(shadow_answer):
        if live_answer != shadow_answer:
            report_shadow_difference(request, live_answer, shadow_answer)
        return None
    return LaterComparison(_compared_later(request, sides), (live_answer, shadow_answer))


def candidate_answer(
    candidate: CorePolicy | None, request_headers: list[Any], method: Any, middleware: Any
) -> Pending:
    """The candidate's answer, or what it raised (its ``allow_origin_func`` failed: served alone,
    it would fail the request, a difference to report)."""
    if candidate is None:
        return (False, [])
    try:
        return candidate.outcome(request_headers, method, middleware)
    except INTERRUPTS:
        raise
    except BaseException as error:  # see `INTERRUPTS`
        return error


def settled(answer: object) -> TypeGuard[Settled]:
    """Whether an answer waits for nothing: a tuple, or the exception of a failed candidate."""
    return answer.__class__ is tuple or isinstance(answer, BaseException)


def shadow_failed(error: BaseException) -> None:
    """Logs what kept a comparison of a request from ending. Logging cannot fail the request
    either (a filter of the logger may raise): its own error is dropped, as the compiled core
    drops it."""
    with contextlib.suppress(Exception):
        logger.debug(
            "the shadow could not compare this request; the live answer stands",
            exc_info=(type(error), error, error.__traceback__),
        )


def compare_later(
    middleware: Any,
    scope: Any,
    request_headers: list[Any],
    method: Any,
    live: CorePolicy | None,
    candidate: CorePolicy | None,
    live_answer: Pending,
    shadow_answer: Pending,
    shadow: Shadow,
) -> LaterComparison:
    """The comparison of a request whose verdicts must be awaited first, to await after its
    response: ``concluded`` for the compiled core, which found them unsettled."""
    request = (middleware, scope, request_headers, method, shadow)
    return LaterComparison(
        _compared_later(request, (live, candidate, live_answer, shadow_answer)),
        (live_answer, shadow_answer),
    )


class LaterComparison:
    """A comparison awaited after the response. Closed unawaited (the request failed first), it
    closes the verdicts it waits for too: a coroutine closed before it starts runs none of its
    own code, so none of them would be closed, and each would warn that it was never awaited."""

    __slots__ = ("_answers", "_comparison")

    def __init__(self, comparison: Coroutine[Any, Any, None], answers: tuple[object, ...]) -> None:
        self._comparison = comparison
        self._answers = answers

    def __await__(self) -> Generator[Any, None, None]:
        return self._comparison.__await__()

    def close(self) -> None:
        self._comparison.close()
        _close_pending(self._answers)


def _close_pending(answers: tuple[object, ...]) -> None:
    """Closes the verdicts never to be awaited: the comparison was cancelled or failed first."""
    for answer in answers:
        if answer.__class__ is not tuple:
            close_unawaited(answer)


def close_unawaited(answer: object) -> None:
    """Closes a verdict never to be awaited, so that it does not warn that it was not."""
    if inspect.iscoroutine(answer) and inspect.getcoroutinestate(answer) == inspect.CORO_CREATED:
        frame = answer.cr_frame
        assert frame is not None  # a coroutine not yet started has its frame
        # A coroutine closed before it starts runs none of its code: the function's own
        # awaitable that a verdict's coroutine holds (`OriginFunc._awaited`'s) is closed here.
        for held in frame.f_locals.values():
            if inspect.iscoroutine(held):
                held.close()
    close = getattr(answer, "close", None)
    if callable(close):
        close()


async def _compared_later(request: ComparedRequest, sides: Sides) -> None:
    """The comparison of a request whose verdicts had to be awaited, after its response."""
    _, _, request_headers, method, _ = request
    live, candidate, live_answer, shadow_answer = sides
    try:
        live_answer = await _settled(live, live_answer, request_headers, method)
        try:
            shadow_answer = await _settled(candidate, shadow_answer, request_headers, method)
        except asyncio.CancelledError as error:
            if _request_cancelled():
                raise
            shadow_answer = error  # the candidate's own, its answer as a plain function's is
        except Exception as error:
            shadow_answer = error  # the candidate's function failed: a difference to report
    except Exception as error:
        shadow_failed(error)
        return
    finally:
        _close_pending((live_answer, shadow_answer))
    if live_answer != shadow_answer:
        report_shadow_difference(request, live_answer, shadow_answer)


def _request_cancelled() -> bool:
    """Whether the task serving the request is being cancelled, rather than a candidate's
    coroutine raising ``CancelledError`` of its own. asyncio tells from CPython 3.11
    (``Task.cancelling``); before, or outside an asyncio task, any ``CancelledError`` is taken
    for a cancellation of the request, which must go on."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no asyncio loop runs the request
        return True
    cancelling = getattr(task, "cancelling", None)
    return cancelling is None or cancelling() > 0


async def _settled(
    policy: CorePolicy | None,
    answer: Pending,
    request_headers: list[Any],
    method: Any,
) -> Settled:
    if isinstance(answer, (tuple, BaseException)):
        return answer
    assert policy is not None  # only a policy waits for a verdict
    verdict = await answer
    settled = policy.outcome(request_headers, method, None, verdict)
    assert isinstance(settled, tuple)
    return settled


async def served_then_compared(served: Awaitable[None], comparison: LaterComparison) -> None:
    """The request's own awaitable, then the shadow's comparison that waits for a verdict."""
    try:
        await served
    except BaseException:
        comparison.close()
        raise
    await comparison


def report_shadow_difference(request: ComparedRequest, live: Settled, candidate: Settled) -> None:
    """Counts, logs and hands on one difference; a failing listener is logged, never raised."""
    middleware, scope, request_headers, method, shadow = request
    if shadow.counters is not None:
        shadow.counters.count("shadow_differences")
    tell_shadow_difference(middleware, scope, request_headers, method, live, candidate, shadow)


def tell_shadow_difference(
    middleware: Any,
    scope: Any,
    request_headers: list[Any],
    method: Any,
    live: Settled,
    candidate: Settled,
    shadow: Shadow,
) -> None:
    """Logs and hands on one difference, counted already (the compiled core counts it itself
    and calls this only when someone listens)."""
    try:
        if shadow.listener is None and not logger.isEnabledFor(logging.DEBUG):
            return
        event = _difference(middleware, scope, request_headers, method, live, candidate)
        logger.debug(
            "shadow differs on %s %s %s from origin %r: live %s, shadow %s",
            "preflight" if event.preflight else "request",
            event.method,
            event.path,
            event.origin,
            _described(event.live),
            _described(event.shadow),
        )
        if shadow.listener is not None:
            shadow.listener(event)
    except Exception:
        with contextlib.suppress(Exception):  # the log's own failure fails no request either
            logger.exception("on_shadow_difference failed; the live answer stands")


def _described(outcome: ShadowOutcome) -> str:
    if outcome.error is not None:
        return f"failed ({outcome.error})"
    headers = ", ".join(f"{name}: {value}" for name, value in outcome.headers)
    return f"{_verdict(outcome)} ({headers or 'no CORS headers'})"


def _difference(
    middleware: Any, scope: Any, request_headers: list[Any], method: Any, live: Settled, candidate: Settled
) -> ShadowDifference:
    origin = next(value for name, value in request_headers if name == _ORIGIN)
    path = _path(scope)
    route = None
    if isinstance(path, str) and path.startswith("/"):
        found = middleware._route_of(path)
        route = None if found is None else found[0]
    preflight = method == "OPTIONS" and any(name == _REQUEST_METHOD for name, _ in request_headers)
    return ShadowDifference(
        origin=_text(origin),
        method=_text(method),
        path=_text(path),
        route=route,
        preflight=preflight,
        live=_outcome(live),
        shadow=_outcome(candidate),
    )


def _outcome(answer: Settled) -> ShadowOutcome:
    if isinstance(answer, BaseException):
        return ShadowOutcome(False, (), f"{type(answer).__name__}: {answer}")
    allowed, headers = answer
    return ShadowOutcome(allowed, tuple((_text(name), _text(value)) for name, value in headers))


def _text(value: object) -> str:
    return bytes(value).decode("latin-1") if isinstance(value, (bytes, bytearray, memoryview)) else str(value)
