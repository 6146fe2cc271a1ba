"""Why a request was refused: the ``fastcors`` logger, ``on_reject``, and ``explain``."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import warnings
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

import fastcors
from fastcors import CORSMiddleware, Explanation, RejectEvent
from fastcors._types import Message
from tests.asgi import http_scope, ok_app, run

ALLOWED = "https://app.example.com"
OPTIONS: dict[str, Any] = {
    "allow_origins": [ALLOWED],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["X-Token"],
}


def preflight(origin: str, method: str = "PUT", headers: str | None = None, **extra: bytes) -> Any:
    request = [(b"origin", origin.encode()), (b"access-control-request-method", method.encode())]
    if headers is not None:
        request.append((b"access-control-request-headers", headers.encode()))
    request += [(name.replace("_", "-").encode(), value) for name, value in extra.items()]
    return http_scope("OPTIONS", request)


def simple(origin: str | None, method: str = "GET") -> Any:
    return http_scope(method, [] if origin is None else [(b"origin", origin.encode())])


def rejections(scope: Any, **options: Any) -> list[RejectEvent]:
    events: list[RejectEvent] = []
    run(CORSMiddleware(ok_app(), **{**OPTIONS, **options}, on_reject=events.append), scope)
    return events


def test_a_refused_preflight_reaches_on_reject_with_every_reason_in_order() -> None:
    events = rejections(
        preflight(
            "https://evil.example",
            "DELETE",
            "x-token, X-Other",
            access_control_request_private_network=b"true",
        )
    )
    assert events == [
        RejectEvent(
            kind="preflight",
            origin="https://evil.example",
            method="DELETE",
            request_headers=("x-token", "X-Other"),
            reasons=(
                "origin 'https://evil.example' is not allowed",
                "method 'DELETE' is not allowed",
                "request header 'X-Other' is not allowed",
                "private network access is not allowed",
            ),
        )
    ]


def test_a_refused_header_is_named() -> None:
    (event,) = rejections(preflight(ALLOWED, "PUT", "x-token,x-trace-id"))
    assert event.reasons == ("request header 'x-trace-id' is not allowed",)


def test_a_simple_request_from_a_disallowed_origin_is_a_refusal_too() -> None:
    assert rejections(simple("https://evil.example", "POST")) == [
        RejectEvent(
            "request", "https://evil.example", "POST", (), ("origin 'https://evil.example' is not allowed",)
        )
    ]


async def refusing_func(origin: str) -> bool:
    await asyncio.sleep(0)
    return False


def test_a_simple_request_refused_by_an_async_allow_origin_func_reaches_on_reject() -> None:
    assert rejections(simple("https://evil.example"), allow_origin_func=refusing_func) == [
        RejectEvent(
            "request", "https://evil.example", "GET", (), ("origin 'https://evil.example' is not allowed",)
        )
    ]


def test_a_simple_request_refused_by_an_async_allow_origin_func_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="fastcors"):
        cors = CORSMiddleware(ok_app(), **OPTIONS, allow_origin_func=refusing_func)
        run(cors, simple("https://evil.example"))
    assert [record.getMessage() for record in caplog.records] == [
        "refused request GET from origin 'https://evil.example': origin 'https://evil.example' is not allowed"
    ]


@pytest.mark.parametrize(
    ("scope", "options"),
    [
        (preflight(ALLOWED, "PUT", "x-token"), {}),
        (simple(ALLOWED), {}),
        (simple(None), {}),
        (simple("https://anyone.example"), {"allow_origins": ["*"]}),
        (preflight("https://anyone.example", "GET"), {"allow_origins": ["*"]}),
    ],
    ids=["allowed preflight", "allowed simple", "no Origin", "star", "star preflight"],
)
def test_nothing_allowed_is_reported(scope: Any, options: dict[str, Any]) -> None:
    assert rejections(scope, **options) == []


def test_a_refused_websocket_handshake_is_reported() -> None:
    events: list[RejectEvent] = []
    cors = CORSMiddleware(ok_app(), **OPTIONS, check_websocket_origin=True, on_reject=events.append)
    scope = {"type": "websocket", "path": "/", "headers": [(b"origin", b"https://evil.example")]}

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        return None

    asyncio.run(cors(scope, receive, send))  # type: ignore[arg-type]
    assert events == [
        RejectEvent(
            "websocket", "https://evil.example", "GET", (), ("origin 'https://evil.example' is not allowed",)
        )
    ]


def test_the_responses_stay_starlettes_with_a_callback() -> None:
    scope = preflight("https://evil.example", "DELETE", "x-other")
    ours = run(CORSMiddleware(ok_app(), **OPTIONS, on_reject=lambda event: None), scope)
    theirs = run(
        StarletteCORSMiddleware(ok_app(), **OPTIONS), preflight("https://evil.example", "DELETE", "x-other")
    )
    assert ours == theirs
    assert ours[1]["body"] == b"Disallowed CORS origin, method, headers"


def test_a_debug_record_on_the_fastcors_logger_names_what_failed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="fastcors"):
        run(CORSMiddleware(ok_app(), **OPTIONS), preflight("https://evil.example", "PUT", "x-other"))
    (record,) = caplog.records
    assert (record.name, record.levelno) == ("fastcors", logging.DEBUG)
    assert record.getMessage() == (
        "refused preflight PUT from origin 'https://evil.example': origin 'https://evil.example' is not "
        "allowed; request header 'x-other' is not allowed"
    )


def test_with_logging_off_and_no_callback_no_reason_is_worked_out(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("a reason was worked out")

    monkeypatch.setattr(fastcors._reporting, "reasons_for", fail)
    with caplog.at_level(logging.INFO, logger="fastcors"):
        messages = run(CORSMiddleware(ok_app(), **OPTIONS), preflight("https://evil.example"))
    assert messages[0]["status"] == 400
    assert caplog.records == []


def test_an_on_reject_that_is_not_callable_is_refused_naming_the_option() -> None:
    with pytest.raises(
        TypeError, match=r"^on_reject must be a callable taking a fastcors.RejectEvent, or None, not 42"
    ):
        CORSMiddleware(ok_app(), on_reject=42)  # type: ignore[arg-type]


class AsyncCallable:
    async def __call__(self, event: RejectEvent) -> None:
        return None


async def async_on_reject(event: RejectEvent) -> None:
    return None


@pytest.mark.parametrize("on_reject", [async_on_reject, AsyncCallable()], ids=["async def", "async __call__"])
def test_an_async_on_reject_is_refused_at_construction_and_by_reconfigure(on_reject: Any) -> None:
    message = r"^on_reject must be a plain function: it is called while the request is served, never awaited"
    with pytest.raises(TypeError, match=message):
        CORSMiddleware(ok_app(), **OPTIONS, on_reject=on_reject)
    cors = CORSMiddleware(ok_app(), **OPTIONS)
    with pytest.raises(TypeError, match=message):
        cors.reconfigure(on_reject=on_reject)


def test_an_on_reject_returning_an_awaitable_is_an_error_not_a_coroutine_never_awaited() -> None:
    cors = CORSMiddleware(ok_app(), **OPTIONS, on_reject=lambda event: async_on_reject(event))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match=r"^on_reject returned an awaitable"):
            run(cors, preflight("https://evil.example"))
        gc.collect()
    assert [str(warning.message) for warning in caught] == []


def test_the_event_is_frozen() -> None:
    (event,) = rejections(simple("https://evil.example"))
    with pytest.raises(AttributeError):
        event.origin = "x"  # type: ignore[misc]


def explain(*args: Any, **kwargs: Any) -> Explanation:
    return CORSMiddleware(ok_app(), **OPTIONS).explain(*args, **kwargs)


def test_explain_allows_a_simple_request_from_an_allowed_origin() -> None:
    verdict = explain(ALLOWED)
    assert (verdict.allowed, verdict.preflight, verdict.reasons, verdict.status) == (True, False, (), None)
    assert verdict.headers == (("access-control-allow-origin", ALLOWED), ("vary", "Origin"))
    assert repr(verdict) == "<Explanation: request allowed>"


def test_explain_refuses_a_disallowed_origin_and_says_why_in_its_repr() -> None:
    verdict = explain("https://evil.example")
    assert not verdict.allowed
    assert verdict.reasons == ("origin 'https://evil.example' is not allowed",)
    assert repr(verdict) == "<Explanation: request refused: origin 'https://evil.example' is not allowed>"


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [("GET", (), False), ("POST", ("Content-Type",), False), ("PUT", (), True), ("GET", ("X-Token",), True)],
)
def test_explain_decides_on_a_preflight_as_a_browser_does(
    method: str, headers: tuple[str, ...], expected: bool
) -> None:
    assert explain(ALLOWED, method, headers).preflight is expected


def test_explain_gives_the_preflight_the_middleware_would_send() -> None:
    verdict = explain(ALLOWED, "PUT", ["X-Token"])
    served = run(CORSMiddleware(ok_app(), **OPTIONS), preflight(ALLOWED, "PUT", "x-token"))
    assert (verdict.allowed, verdict.status, verdict.reasons) == (True, 200, ())
    expected = [
        (n.decode(), v.decode())
        for n, v in served[0]["headers"]
        if n not in (b"content-length", b"content-type")
    ]
    assert list(verdict.headers) == expected


def test_explain_names_every_failed_check_of_a_preflight() -> None:
    verdict = explain("https://evil.example", "DELETE", ["X-Token", "X-Other"])
    assert verdict.status == 400
    assert verdict.reasons == (
        "origin 'https://evil.example' is not allowed",
        "method 'DELETE' is not allowed",
        "request header 'x-other' is not allowed",
    )


def test_explain_can_be_told_to_preflight() -> None:
    verdict = explain(ALLOWED, "GET", preflight=True)
    assert (verdict.preflight, verdict.allowed) == (True, True)


def test_explain_reports_nothing() -> None:
    events: list[RejectEvent] = []
    cors = CORSMiddleware(ok_app(), **OPTIONS, on_reject=events.append)
    assert not cors.explain("https://evil.example").allowed
    assert not cors.explain("https://evil.example", "PUT").allowed
    assert events == []


def test_explain_refuses_an_origin_no_header_can_carry() -> None:
    with pytest.raises(ValueError, match=re.escape("origin 'https://\u20ac.example' cannot be sent")):
        explain("https://\u20ac.example")


def test_explain_normalises_the_methods_browsers_normalise() -> None:
    verdict = explain(ALLOWED, "put", ["X-Token"])
    assert (verdict.preflight, verdict.allowed) == (True, True)
    assert explain(ALLOWED, "patch").reasons == ("method 'patch' is not allowed",)


def test_explain_refuses_a_bare_string_of_headers() -> None:
    with pytest.raises(
        TypeError, match=r"request_headers must be a list of header names.*write \['X-Token'\]"
    ):
        explain(ALLOWED, "PUT", "X-Token")


def test_refusals_are_logged_from_the_moment_debug_is_switched_on(caplog: pytest.LogCaptureFixture) -> None:
    # While DEBUG is off the cores skip the report on logging's own word; switching it on must
    # be seen by the very next refusal, whichever way the level changes.
    middleware = CORSMiddleware(ok_app(), **OPTIONS)
    logger = logging.getLogger("fastcors")
    with caplog.at_level(logging.DEBUG, logger="fastcors"):
        logger.setLevel(logging.INFO)
        for _ in range(3):
            run(middleware, simple("https://evil.example"))
            run(middleware, preflight("https://evil.example"))
        assert caplog.records == []
        logger.setLevel(logging.DEBUG)
        run(middleware, simple("https://evil.example"))
        run(middleware, preflight("https://evil.example"))
        assert [record.getMessage().split(" from ")[0] for record in caplog.records] == [
            "refused request GET",
            "refused preflight PUT",
        ]
        caplog.clear()
        logger.setLevel(logging.INFO)
        run(middleware, simple("https://evil.example"))
        assert caplog.records == []
        logger.setLevel(logging.NOTSET)  # the root logger's level decides now
        root_level = logging.root.level
        logging.root.setLevel(logging.DEBUG)
        try:
            run(middleware, simple("https://evil.example"))
        finally:
            logging.root.setLevel(root_level)
        assert [record.name for record in caplog.records if record.name == "fastcors"] == ["fastcors"]


def test_on_reject_hears_every_refusal_whatever_the_log_level() -> None:
    events: list[RejectEvent] = []
    middleware = CORSMiddleware(ok_app(), **OPTIONS, on_reject=events.append)
    for _ in range(3):
        run(middleware, simple("https://evil.example"))
    assert [event.kind for event in events] == ["request"] * 3


class Records(logging.Handler):
    """Every record the fastcors logger emits, whatever the levels say."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_each_refusal_is_logged_exactly_when_logging_wants_debug_records_then() -> None:
    # The cores remember logging's "no" for DEBUG until logging changes its memo: random changes
    # of every kind between refused requests, each request logged iff logging wants DEBUG then.
    logger = logging.getLogger("fastcors")
    saved = (logger.level, logger.disabled, logging.root.level, logging.root.manager.disable)
    changes: list[Any] = [
        lambda: logger.setLevel(logging.DEBUG),
        lambda: logger.setLevel(logging.INFO),
        lambda: logger.setLevel(logging.NOTSET),
        lambda: logging.root.setLevel(logging.DEBUG),
        lambda: logging.root.setLevel(logging.WARNING),
        lambda: logging.disable(logging.INFO),
        lambda: logging.disable(logging.NOTSET),
        lambda: setattr(logger, "disabled", True),
        lambda: setattr(logger, "disabled", False),
        lambda: logger.isEnabledFor(logging.INFO),
        lambda: logger.isEnabledFor(logging.DEBUG),
    ]
    records = Records()
    logger.addHandler(records)
    middleware = CORSMiddleware(ok_app(), **OPTIONS)
    random = __import__("random").Random(1729)
    try:
        for step in range(600):
            if random.random() < 0.4:
                random.choice(changes)()
                continue
            wanted = (
                not logger.disabled
                and logging.root.manager.disable < logging.DEBUG
                and logger.getEffectiveLevel() <= logging.DEBUG
            )
            records.records.clear()
            if random.random() < 0.5:
                run(middleware, simple("https://evil.example"))
            else:
                run(middleware, preflight("https://evil.example"))
            assert len(records.records) == int(wanted), step
    finally:
        logger.removeHandler(records)
        logger.setLevel(saved[0])
        logger.disabled = saved[1]
        logging.root.setLevel(saved[2])
        logging.disable(saved[3])


def test_the_memo_logging_keeps_for_the_fastcors_logger_stays_logging_s_own_dict() -> None:
    logger = logging.getLogger("fastcors")
    CORSMiddleware(ok_app(), **OPTIONS)
    memo = logger._cache  # type: ignore[attr-defined]
    assert type(memo) is dict
    level = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert memo == {}
        assert logger.isEnabledFor(logging.DEBUG) is False
        assert logger.isEnabledFor(logging.INFO) is True
        assert memo == {logging.DEBUG: False, logging.INFO: True}
    finally:
        logger.setLevel(level)


def test_refusals_are_logged_after_debug_is_switched_on_even_once_fastcors_reporting_is_reloaded() -> None:
    import importlib

    from fastcors import _reporting

    logger = logging.getLogger("fastcors")
    records = Records()
    logger.addHandler(records)
    level = logger.level
    middleware = CORSMiddleware(ok_app(), **OPTIONS)
    try:
        importlib.reload(_reporting)
        logger.setLevel(logging.INFO)
        run(middleware, simple("https://evil.example"))
        run(middleware, simple("https://evil.example"))
        assert records.records == []
        logger.setLevel(logging.DEBUG)
        run(middleware, simple("https://evil.example"))
        assert len(records.records) == 1
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
        logger._cache = dict(logger._cache)  # type: ignore[attr-defined]  # made anew by the next middleware
