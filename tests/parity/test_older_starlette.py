"""fastcors against an older Starlette: the documented differences, and nothing else.

fastcors gives Starlette 1.10's answers. Starlette's CORS behaviour changed three times before
that (see the README's table); a user pinned to an older Starlette gets these differences, and only
these, when switching to fastcors:

* before 1.7 (``QUERY``): ``allow_methods=["*"]`` does not stand for ``QUERY``, so the preflight's
  ``Access-Control-Allow-Methods`` lacks it and a ``QUERY`` preflight is refused (``method``);
* before 1.7 (``preflight-vary``): a preflight's ``Vary`` is ``Origin`` when the origin is echoed
  (explicit origins or credentials) and absent otherwise, instead of the four request headers;
* before 1.7 (``no-origin-untouched``): a request without ``Origin`` reaches the app with the
  caller's ``send``, and its response is passed on untouched (no ``Vary: Origin``);
* before 1.7 (``vary-when-echoed``): a response gets ``Vary: Origin`` only when the origin is
  echoed, added to the app's first ``Vary`` header (later ones are dropped), instead of every
  response to a request with ``Origin`` getting all its ``Vary`` values merged, plus ``Origin``;
* before 1.0 (``cookie-echo``): with ``*`` origins, a request with a ``Cookie`` header has its
  origin echoed, and one without gets ``*``, whatever ``allow_credentials`` says;
* before 0.51 (``no-private-network``): there is no ``allow_private_network`` option, and
  ``Access-Control-Request-Private-Network`` is ignored where fastcors refuses the preflight
  (``private-network``) unless the option is on.

Run where the installed Starlette is older than 1.7 (``scripts/older-starlette`` installs one
release of each generation beside the test environment). The differential draws the configurations,
requests and apps of ``test_differential.py``; each documented difference is applied to fastcors's
outcome (as a prediction of the older Starlette's) only where it applies, and the two outcomes must
then be identical.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import starlette
from hypothesis import event, given
from hypothesis.control import currently_in_test_context
from starlette.middleware.cors import ALL_METHODS
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

import fastcors
from tests.parity.test_differential import (
    DIFFERENTIAL,
    AppPlan,
    Message,
    Outcome,
    OwnMembership,
    Request,
    app_plan_strategy,
    case_strategy,
    run_with_own_options,
    starts_response,
)

GENERATIONS = {
    # first release of the generation: the differences fastcors (1.10's behaviour) shows against it
    (0, 38): ("no-private-network", "cookie-echo", "query", "preflight-vary", "no-origin-untouched",
              "vary-when-echoed"),
    (0, 51): ("cookie-echo", "query", "preflight-vary", "no-origin-untouched", "vary-when-echoed"),
    (1, 0): ("query", "preflight-vary", "no-origin-untouched", "vary-when-echoed"),
    (1, 7): (),
}  # fmt: skip
FAILURE_ORDER = ("origin", "method", "headers", "private-network")


def generation(version: str) -> tuple[int, int]:
    release = tuple(int(part) for part in version.split(".")[:2])
    return max(first for first in GENERATIONS if first <= release)


INSTALLED = generation(starlette.__version__)
DIFFERENCES = GENERATIONS[INSTALLED]

pytestmark = [
    pytest.mark.skipif(
        not DIFFERENCES,
        reason=f"Starlette {starlette.__version__} is the reference; scripts/older-starlette runs this",
    ),
    # As in test_differential: the configuration checks' warnings are beside the point here.
    pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning"),
]


def note(label: str) -> None:
    """Labels for ``--hypothesis-show-statistics``: which documented differences the examples met."""
    if currently_in_test_context():
        event(label)


def header_values(message: Message | None, name: bytes) -> list[bytes]:
    if message is None:
        return []
    return [bytes(value) for key, value in message.get("headers", ()) if key == name]


def without(message: Message, name: bytes) -> Message:
    """The message with every header of that (byte-exact) name left out, as a list of pairs."""
    if "headers" not in message:
        return message
    kept = [tuple(pair) for pair in message["headers"] if pair[0] != name]
    return {**message, "headers": kept}


def replaced(message: Message, name: bytes, value: bytes) -> Message:
    headers = [(key, value if key == name else old) for key, old in message["headers"]]
    return {**message, "headers": headers}


def first_start(messages: list[Message]) -> int | None:
    for index, message in enumerate(messages):
        if starts_response(message):
            return index
    return None


def edit_start(outcome: Outcome, edit: Callable[[Message], Message]) -> Outcome:
    """The outcome with ``edit`` applied to the response start, as sent and as the app sees it."""
    edited = copy.copy(outcome)
    for name in ("messages", "app_messages_after_send"):
        messages = list(getattr(outcome, name))
        index = first_start(messages)
        if index is not None:
            messages[index] = edit(messages[index])
        setattr(edited, name, messages)
    return edited


class RequestView:
    """What a middleware reads from the request, read as Starlette's ``Headers`` reads it."""

    def __init__(self, request: Request) -> None:
        def first(name: bytes) -> str | None:
            values = [value for key, value in request.headers if key == name]
            return values[0].decode("latin-1") if values else None

        names = {key for key, _ in request.headers}
        self.origin = first(b"origin")
        self.requested_method = first(b"access-control-request-method")
        self.has_cookie = b"cookie" in names
        self.is_preflight = (
            self.origin is not None and request.method == "OPTIONS" and self.requested_method is not None
        )


def preflight_prediction(
    ours: Outcome, options: dict[str, Any], request: Request, older: StarletteCORSMiddleware
) -> Outcome:
    """fastcors's preflight answer, with the documented preflight differences applied."""
    view = RequestView(request)
    starred = tuple(older.allow_methods) == ALL_METHODS and "QUERY" not in ALL_METHODS

    def edit(message: Message) -> Message:
        # The body says which checks failed; a run whose client stays shows it in full.
        answered = run_with_own_options(
            fastcors.CORSMiddleware, options, request, AppPlan(messages=(), raise_after=None), "plain"
        )
        status_body = answered.messages[1]["body"]
        failures = (
            [] if status_body == b"OK" else status_body.decode().removeprefix("Disallowed CORS ").split(", ")
        )
        if "query" in DIFFERENCES and starred and view.requested_method == "QUERY":
            failures.append("method")
            note("documented: QUERY preflight refused")
        if "no-private-network" in DIFFERENCES and "private-network" in failures:
            failures.remove("private-network")
            note("documented: private network ignored")
        message = without(message, b"vary")
        if "query" in DIFFERENCES and starred:
            methods = header_values(message, b"access-control-allow-methods")[0]
            message = replaced(message, b"access-control-allow-methods", methods.removesuffix(b", QUERY"))
        body = b"OK"
        if failures:
            body = ("Disallowed CORS " + ", ".join(sorted(set(failures), key=FAILURE_ORDER.index))).encode()
        message = replaced(message, b"content-length", str(len(body)).encode())
        return {**message, "status": 400 if failures else 200, "_body": body}

    predicted = edit_start(ours, edit)
    start = predicted.messages[0]
    body = start.pop("_body")
    predicted.app_messages_after_send = ours.app_messages_after_send
    if len(predicted.messages) > 1:
        predicted.messages[1] = {**predicted.messages[1], "body": body}
    return predicted


def planned_start(plan: AppPlan) -> Message:
    """The app's response start as the app sends it (what an untouched response carries)."""
    start = copy.deepcopy(next(message for message in plan.messages if starts_response(message)))
    if plan.list_pairs and "headers" in start:
        start["headers"] = [list(pair) for pair in start["headers"]]
    return start


def older_vary(plan: AppPlan, echoed: bool) -> list[bytes]:
    """The ``Vary`` headers an older Starlette leaves: the app's, with ``Origin`` added to the first
    when the origin is echoed (and the later ones dropped)."""
    start = next((message for message in plan.messages if starts_response(message)), None)
    own = header_values(start, b"vary")
    if not echoed:
        return own
    return [own[0] + b", Origin" if own else b"Origin"]


def assert_only_documented_differences(
    options: dict[str, Any], request: Request, plan: AppPlan, reference: type[Any] = StarletteCORSMiddleware
) -> None:
    """fastcors's outcome, with the documented differences applied where they apply, is the
    installed Starlette's (``reference``)."""
    if "no-private-network" in DIFFERENCES:
        options = {name: value for name, value in options.items() if name != "allow_private_network"}
    theirs = run_with_own_options(reference, options, request, plan, "plain")
    ours = run_with_own_options(fastcors.CORSMiddleware, options, request, plan, "plain")
    if not (theirs.constructed and ours.constructed):
        assert ours == theirs
        return
    view = RequestView(request)

    async def never_called(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("never called")  # pragma: no cover

    # A separate instance answers the questions about the configuration, so that the ones under
    # test are asked exactly what the request makes them ask.
    own: dict[str, Any] = {
        name: copy.deepcopy(value) if isinstance(value, OwnMembership) else value
        for name, value in options.items()
    }
    older = StarletteCORSMiddleware(never_called, **own)

    if view.is_preflight:
        note("preflight")
        expected = preflight_prediction(ours, options, request, older)
        actual = edit_start(theirs, lambda message: without(message, b"vary"))
        assert actual == expected
        vary = [b"Origin"] if older.preflight_explicit_allow_origin else []
        assert header_values(theirs.messages[0] if theirs.messages else None, b"vary") == vary
        return

    if view.origin is None:
        note("documented: no Origin, untouched")

        expected = edit_start(ours, lambda message: planned_start(plan))
        assert theirs == expected
        return

    origin = view.origin
    allow_all = older.allow_all_origins
    if "cookie-echo" in DIFFERENCES:
        echo_all = view.has_cookie
        if allow_all and view.has_cookie != bool(options.get("allow_credentials", False)):
            note("documented: Cookie, not credentials, decides the echo")
    else:
        echo_all = bool(options.get("allow_credentials", False))
    echoed = echo_all if allow_all else older.is_allowed_origin(origin=origin)

    def edit(message: Message) -> Message:
        message = without(message, b"vary")
        if allow_all and header_values(message, b"access-control-allow-origin"):
            value = origin.encode("latin-1") if echo_all else b"*"
            message = replaced(message, b"access-control-allow-origin", value)
        return message

    expected = edit_start(ours, edit)
    actual = edit_start(theirs, lambda message: without(message, b"vary"))
    assert actual == expected
    start = first_start(theirs.messages)
    if start is not None:
        note(f"simple request, {'echoed' if echoed else 'not echoed'}")
        assert header_values(theirs.messages[start], b"vary") == older_vary(plan, echoed)


@DIFFERENTIAL
@given(case=case_strategy(), plan=app_plan_strategy())
def test_only_the_documented_differences_from_the_installed_starlette(
    case: tuple[dict[str, Any], Request], plan: AppPlan
) -> None:
    options, request = case
    # The scope's `type` spelled oddly is the reference differential's business: every generation
    # tests it alike (`!= "http"`), and the model here predicts HTTP responses.
    assert_only_documented_differences(options, dataclasses.replace(request, type_name="http"), plan)


class ExtraHeader(StarletteCORSMiddleware):
    """A Starlette that differs in one undocumented way: an extra header on simple responses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.simple_headers = {**self.simple_headers, "X-Extra": "1"}


def test_an_undocumented_difference_is_caught() -> None:
    """The allow-list hides nothing else: one extra header fails the comparison."""
    request = Request(method="GET", headers=((b"origin", b"https://example.org"),), headers_as_tuple=False)
    start: Message = {"type": "http.response.start", "status": 200, "headers": [(b"vary", b"Accept")]}
    plan = AppPlan(messages=(start,), raise_after=None)
    options = {"allow_origins": ["https://example.org"]}
    assert_only_documented_differences(options, request, plan)
    with pytest.raises(AssertionError):
        assert_only_documented_differences(options, request, plan, reference=ExtraHeader)


def preflight(method: bytes, *extra: tuple[bytes, bytes]) -> Request:
    headers = ((b"origin", b"https://example.org"), (b"access-control-request-method", method), *extra)
    return Request(method="OPTIONS", headers=headers, headers_as_tuple=False)


def simple(*headers: tuple[bytes, bytes]) -> Request:
    return Request(method="GET", headers=headers, headers_as_tuple=False)


RESPONSE = AppPlan(
    messages=(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"vary", b"Accept"), (b"vary", b"Cookie")],
        },
        {"type": "http.response.body", "body": b"x"},
    ),
    raise_after=None,
)
EXPLICIT = {"allow_origins": ["https://example.org"]}
#: For each documented difference, a request that shows it.
SHOWN_BY = {
    "query": ({**EXPLICIT, "allow_methods": ["*"]}, preflight(b"QUERY")),
    "preflight-vary": (EXPLICIT, preflight(b"GET")),
    "no-origin-untouched": (EXPLICIT, simple()),
    "vary-when-echoed": (EXPLICIT, simple((b"origin", b"https://example.org"))),
    "cookie-echo": ({"allow_origins": ["*"]}, simple((b"origin", b"https://a.org"), (b"cookie", b"a=1"))),
    "no-private-network": (EXPLICIT, preflight(b"GET", (b"access-control-request-private-network", b"true"))),
}


@pytest.mark.parametrize("difference", DIFFERENCES)
def test_each_documented_difference_is_real(difference: str) -> None:
    """Every entry of the allow-list is a difference the installed Starlette really shows."""
    options, request = SHOWN_BY[difference]
    ours = run_with_own_options(fastcors.CORSMiddleware, options, request, RESPONSE, "plain")
    theirs = run_with_own_options(StarletteCORSMiddleware, options, request, RESPONSE, "plain")
    assert ours != theirs
    assert_only_documented_differences(options, request, RESPONSE)
