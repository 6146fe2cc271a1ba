"""Scopes and messages no ASGI server sends: Starlette's answer, or a clear error, never a crash."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from tests.asgi import http_scope, ok_app, response_headers, run
from tests.parity.test_differential import ContraryName, EagerName, built


def cors() -> CORSMiddleware:
    return CORSMiddleware(ok_app(), allow_origins=["https://a.org"])


@pytest.mark.parametrize("missing", ["type", "method", "headers"])
def test_a_scope_missing_a_required_key_raises_key_error_for_it(missing: str) -> None:
    scope = http_scope()
    del scope[missing]
    with pytest.raises(KeyError, match=missing):
        run(cors(), scope)


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
@pytest.mark.parametrize(
    "item", [(b"origin",), (b"origin", b"x", b"y"), 42, None], ids=["one", "three", "int", "none"]
)
def test_a_header_that_is_not_a_pair_is_a_clear_type_error(method: str, item: Any) -> None:
    scope = http_scope(
        method, [(b"access-control-request-method", b"GET"), item, (b"origin", b"https://a.org")]
    )
    with pytest.raises(TypeError, match=r"^ASGI headers must be \(name, value\) pairs, got "):
        run(cors(), scope)


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_an_origin_value_that_is_not_bytes_is_a_clear_type_error(method: str) -> None:
    scope = http_scope(method, [(b"origin", "https://a.org"), (b"access-control-request-method", b"GET")])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"^ASGI header values must be bytes, got 'https://a.org'$"):
        run(cors(), scope)


def test_header_names_that_are_not_bytes_are_not_seen_as_in_starlette() -> None:
    scope = http_scope("GET", [("origin", b"https://a.org")])  # type: ignore[list-item]
    assert response_headers(run(cors(), scope)) == [(b"vary", b"Origin")]


def test_a_list_pair_is_read_like_a_tuple_pair() -> None:
    scope = http_scope("GET", [[b"origin", b"https://a.org"]])  # type: ignore[list-item]
    assert (b"access-control-allow-origin", b"https://a.org") in response_headers(run(cors(), scope))


def test_an_apps_malformed_response_header_is_a_clear_type_error() -> None:
    app = CORSMiddleware(ok_app([(b"vary",)]), allow_origins=["*"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"^ASGI headers must be \(name, value\) pairs, got \(b'vary',\)$"):
        run(app, http_scope())


def test_an_apps_vary_value_that_is_not_bytes_is_a_clear_type_error() -> None:
    app = CORSMiddleware(ok_app([(b"vary", "Accept")]), allow_origins=["*"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"^ASGI header values must be bytes, got 'Accept'$"):
        run(app, http_scope())


def test_a_message_without_a_type_raises_key_error_as_in_starlette() -> None:
    app = CORSMiddleware(ok_app(), allow_origins=["*"])

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await send({"status": 200})

    app.app = inner
    with pytest.raises(KeyError, match="type"):
        run(app, http_scope())


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
@pytest.mark.parametrize(
    "name", [bytearray(b"origin"), memoryview(b"origin")], ids=["bytearray", "memoryview"]
)
def test_a_name_starlette_would_match_but_that_is_not_bytes_is_a_clear_type_error(
    method: str, name: Any
) -> None:
    scope = http_scope(method, [(name, b"https://a.org"), (b"access-control-request-method", b"GET")])
    with pytest.raises(TypeError, match=r"^ASGI header names must be bytes, got "):
        run(cors(), scope)


def test_an_apps_response_header_name_equal_to_vary_but_not_bytes_is_a_clear_type_error() -> None:
    app = CORSMiddleware(ok_app([(bytearray(b"vary"), b"Accept")]), allow_origins=["*"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"^ASGI header names must be bytes, got bytearray\(b'vary'\)$"):
        run(app, http_scope())


@pytest.mark.parametrize("name", [bytearray(b"vary"), memoryview(b"vary")], ids=["bytearray", "memoryview"])
@pytest.mark.parametrize("origin", [None, b"https://a.org"], ids=["no Origin", "Origin"])
def test_such_a_name_after_a_header_the_edits_replace_is_a_clear_type_error_too(
    name: Any, origin: Any
) -> None:
    # Starlette would merge its value into the Vary it sets: ignoring it would differ silently.
    app_headers = [(b"access-control-expose-headers", b"X-App"), (name, b"Accept")]
    app = CORSMiddleware(ok_app(app_headers), allow_origins=["https://a.org"])
    scope = http_scope("GET", [] if origin is None else [(b"origin", origin)])
    with pytest.raises(TypeError, match=r"^ASGI header names must be bytes, got "):
        run(app, scope)


def test_other_names_that_are_not_bytes_are_left_alone_as_in_starlette() -> None:
    app = CORSMiddleware(ok_app([(bytearray(b"x-app"), b"1")]), allow_origins=["*"])  # type: ignore[list-item]
    scope = http_scope("GET", [(bytearray(b"x-request"), b"1")])  # type: ignore[list-item]
    assert response_headers(run(app, scope)) == [(bytearray(b"x-app"), b"1"), (b"vary", b"Origin")]


# --- Names compared as Starlette compares them ---------------------------------------------------
# Starlette asks `scope["type"] != "http"`, `method == "OPTIONS"` and
# `message["type"] != "http.response.start"`; a `str` subclass may answer `==` and `!=` apart, and
# a string may have no UTF-8 form.

START = "http.response.start"
NAME_CASES = {
    "a start type equal to anything by == only": ("http", "GET", EagerName("http.response.bogus")),
    "a start type different from nothing by != only": ("http", "GET", ContraryName("http.response.bogus")),
    "a start type with a lone surrogate": ("http", "GET", "http.response.star\udc80"),
    "a start type built at run time": ("http", "GET", built(START)),
    "a scope type equal to anything by == only": (EagerName("websocket"), "GET", START),
    "a scope type different from nothing by != only": (ContraryName("websocket"), "GET", START),
    "the same, for a preflight (Starlette's Response then sends websocket. types)": (
        ContraryName("websocket"),
        "OPTIONS",
        START,
    ),
    "a method equal to anything by == only": ("http", EagerName("GET"), START),
    "a method different from nothing by != only": ("http", ContraryName("GET"), START),
    "a method with a lone surrogate, as long as OPTIONS": ("http", "OPTION\udc80", START),
    "a non-ASCII method as long as OPTIONS": ("http", "OPTIONé", START),
    "a method built at run time": ("http", built("OPTIONS"), START),
}


@pytest.mark.parametrize(("scope_type", "method", "start_type"), NAME_CASES.values(), ids=NAME_CASES.keys())
def test_asgi_names_are_compared_as_starlette_compares_them(
    scope_type: str, method: str, start_type: str
) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": start_type, "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    headers = [(b"origin", b"https://a.org"), (b"access-control-request-method", b"GET")]

    def served(middleware_class: Any) -> list[Any]:
        middleware = middleware_class(app, allow_origins=["https://a.org"], allow_methods=["GET"])
        return run(middleware, {**http_scope(method, headers), "type": scope_type})

    assert served(CORSMiddleware) == served(StarletteCORSMiddleware)


class _Unasked(str):
    """A name whose ``==`` must not be asked: Starlette does not ask it in these requests."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        raise LookupError(f"{str(self)!r} == {other!r} was asked")

    def __ne__(self, other: object) -> bool:
        return str(self) != other

    __hash__ = str.__hash__


class _JudgingFirst(CORSMiddleware):
    def is_allowed_origin(self, origin: str) -> bool:
        raise LookupError("is_allowed_origin was asked first")


class _StarletteJudgingFirst(StarletteCORSMiddleware):
    def is_allowed_origin(self, origin: str) -> bool:
        raise LookupError("is_allowed_origin was asked first")


ORIGIN = (b"origin", b"https://a.org")
REQUEST_METHOD = (b"access-control-request-method", b"GET")
ORDER_CASES = {
    "a method without an Origin (no == asked)": (False, "http", _Unasked("GET"), []),
    "an OPTIONS that is not a preflight (the scope type's == not asked)": (
        False,
        _Unasked("http"),
        "OPTIONS",
        [ORIGIN],
    ),
    "a preflight: its origin is judged before the scope type's == is asked": (
        True,
        _Unasked("http"),
        "OPTIONS",
        [ORIGIN, REQUEST_METHOD],
    ),
}


@pytest.mark.parametrize(
    ("judging", "scope_type", "method", "headers"), ORDER_CASES.values(), ids=ORDER_CASES.keys()
)
def test_names_are_asked_only_where_and_when_starlette_asks_them(
    judging: bool, scope_type: str, method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    def served(middleware_class: Any) -> Any:
        middleware = middleware_class(ok_app(), allow_origins=["https://a.org"], allow_methods=["GET"])
        try:
            return run(middleware, {**http_scope(method, headers), "type": scope_type})
        except LookupError as error:
            return repr(error)

    ours, theirs = (
        (_JudgingFirst, _StarletteJudgingFirst) if judging else (CORSMiddleware, StarletteCORSMiddleware)
    )
    assert served(ours) == served(theirs)


class Pair(tuple[bytes, bytes]):
    """A header item that is a tuple, but not exactly one."""


class Name(bytes):
    """A header name that is bytes, but not exactly."""


ODD_ITEMS: dict[str, Any] = {
    "list pair": [b"x-odd", b"1"],
    "tuple subclass": Pair((b"x-odd", b"1")),
    "bytes subclass name": (Name(b"x-odd"), b"1"),
    "str name": ("x-odd", b"1"),
}
ODD_ORIGINS: dict[str, Any] = {
    "list pair": [b"origin", b"https://a.org"],
    "tuple subclass": Pair((b"origin", b"https://a.org")),
    "bytes subclass name": (Name(b"origin"), b"https://a.org"),
}


def both_answers(app_headers: list[Any], request_headers: list[Any], method: str = "GET") -> tuple[Any, Any]:
    options: dict[str, Any] = {"allow_origins": ["https://a.org"], "allow_methods": ["GET"]}
    ours = run(
        CORSMiddleware(ok_app(list(app_headers)), **options), http_scope(method, list(request_headers))
    )
    theirs = run(
        StarletteCORSMiddleware(ok_app(list(app_headers)), **options),
        http_scope(method, list(request_headers)),
    )
    return ours, theirs


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("item", list(ODD_ITEMS.values()), ids=list(ODD_ITEMS))
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_an_odd_request_header_item_beside_the_origin_gets_starlettes_answer(
    where: str, item: Any, method: str
) -> None:
    origin = (b"origin", b"https://a.org")
    items = [(b"host", b"a"), item, origin] if where == "before" else [(b"host", b"a"), origin, item]
    ours, theirs = both_answers([], [*items, (b"access-control-request-method", b"GET")], method)
    assert ours == theirs


@pytest.mark.parametrize("origin", list(ODD_ORIGINS.values()), ids=list(ODD_ORIGINS))
def test_an_origin_sent_as_an_odd_item_gets_starlettes_answer(origin: Any) -> None:
    ours, theirs = both_answers([(b"content-type", b"text/plain")], [(b"host", b"a"), origin])
    assert ours == theirs


@pytest.mark.parametrize("position", [0, 1, 2])
@pytest.mark.parametrize("item", [*ODD_ITEMS.values(), (b"vary", b"Accept")], ids=[*ODD_ITEMS, "vary"])
def test_an_odd_response_header_item_anywhere_in_the_apps_list_gets_starlettes_answer(
    position: int, item: Any
) -> None:
    app_headers: list[Any] = [(b"content-type", b"text/plain"), (b"vary", b"Cookie")]
    app_headers.insert(position, item)
    for origin in (b"https://a.org", b"https://evil.example"):
        ours, theirs = both_answers(app_headers, [(b"host", b"a"), (b"origin", origin)])
        assert ours == theirs
