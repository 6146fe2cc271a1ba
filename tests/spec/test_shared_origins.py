"""A shared source of origins (``fastcors._origin_set.SharedOrigins``, the base of ``RedisOrigins``)
passed as ``allow_origin_func``, without Redis: each policy reads its own copy of the set, which
the source replaces whole, trusts until a deadline, and refuses from before its first load."""

from __future__ import annotations

import gc
import time

import pytest

from fastcors import CORSMiddleware
from fastcors._origin_set import SharedOrigins
from tests.asgi import http_scope, ok_app, response_headers, run

ORIGIN = "https://app.acme.example"
OTHER = "https://other.acme.example"


def allowed(app: CORSMiddleware, origin: str) -> bool:
    headers = dict(response_headers(run(app, http_scope("GET", [(b"origin", origin.encode())]))))
    return headers.get(b"access-control-allow-origin") == origin.encode()


def preflight_status(app: CORSMiddleware, origin: str) -> int:
    request = [(b"origin", origin.encode()), (b"access-control-request-method", b"GET")]
    status: int = run(app, http_scope("OPTIONS", request))[0]["status"]
    return status


def test_a_source_never_loaded_allows_nothing() -> None:
    app = CORSMiddleware(ok_app(), allow_origin_func=SharedOrigins())
    assert not allowed(app, ORIGIN)
    assert preflight_status(app, ORIGIN) == 400
    assert not app.is_allowed_origin(ORIGIN)


def test_every_policy_serves_each_set_published_before_or_after_it_was_built() -> None:
    source = SharedOrigins()
    source._publish([ORIGIN.encode()], 60)
    before = CORSMiddleware(ok_app(), allow_origin_func=source)
    after = CORSMiddleware(ok_app(), allow_origin_func=source)
    assert allowed(before, ORIGIN)
    assert allowed(after, ORIGIN)
    source._publish([OTHER.encode()], 60)
    for app in (before, after):
        assert not allowed(app, ORIGIN)
        assert allowed(app, OTHER)
        assert preflight_status(app, OTHER) == 200
        assert app.is_allowed_origin(OTHER)
        assert not app.is_allowed_origin(ORIGIN)


def test_the_origins_are_compared_exactly() -> None:
    source = SharedOrigins()
    source._publish([ORIGIN.encode()], 60)
    app = CORSMiddleware(ok_app(), allow_origin_func=source)
    for other in (ORIGIN.upper(), ORIGIN + "/", ORIGIN + ":443", "https://acme.example", "null", ""):
        assert not allowed(app, other)


def test_a_set_past_its_deadline_allows_nothing() -> None:
    source = SharedOrigins()
    source._publish([ORIGIN.encode()], 0.2)
    app = CORSMiddleware(ok_app(), allow_origin_func=source)
    deadline = time.monotonic() + 10
    while allowed(app, ORIGIN):
        assert time.monotonic() < deadline, "the set outlived its deadline"
        time.sleep(0.01)
    assert not app.is_allowed_origin(ORIGIN)
    assert not source(ORIGIN)


def test_an_expired_set_allows_nothing_until_the_next_publication() -> None:
    source = SharedOrigins()
    source._publish([ORIGIN.encode()], 60)
    app = CORSMiddleware(ok_app(), allow_origin_func=source)
    source._expire()
    assert not allowed(app, ORIGIN)
    assert not source(ORIGIN)
    built_while_expired = CORSMiddleware(ok_app(), allow_origin_func=source)
    assert not allowed(built_while_expired, ORIGIN)
    source._publish([ORIGIN.encode()], 60)
    assert allowed(app, ORIGIN)
    assert allowed(built_while_expired, ORIGIN)


def test_static_origins_are_served_beside_the_shared_set() -> None:
    app = CORSMiddleware(ok_app(), allow_origins=[OTHER], allow_origin_func=SharedOrigins())
    assert allowed(app, OTHER)
    assert not allowed(app, ORIGIN)


def test_a_policy_no_longer_used_is_no_longer_updated() -> None:
    source = SharedOrigins()
    app = CORSMiddleware(ok_app(), allow_origin_func=source)
    assert len(source._copies) == 1
    del app
    gc.collect()
    assert len(source._copies) == 0


@pytest.mark.parametrize("option", ["allow_origin_func_cache_size", "allow_origin_func_cache_ttl"])
def test_a_decision_cache_beside_a_shared_set_is_refused(option: str) -> None:
    with pytest.raises(ValueError, match=f"{option}=10 would keep the answers of SharedOrigins"):
        CORSMiddleware(ok_app(), allow_origin_func=SharedOrigins(), **{option: 10})  # type: ignore[arg-type]


def test_explain_reads_the_same_set_as_requests() -> None:
    source = SharedOrigins()
    source._publish([ORIGIN.encode()], 60)
    app = CORSMiddleware(ok_app(), allow_origin_func=source)
    assert app.explain(origin=ORIGIN, method="GET").allowed
    assert not app.explain(origin=OTHER, method="GET").allowed
    source._expire()
    assert not app.explain(origin=ORIGIN, method="GET").allowed


def test_a_source_that_overrides_call_is_asked_and_its_override_decides() -> None:
    class OnlyAcme(SharedOrigins):
        def __call__(self, origin: str) -> bool:
            return origin.endswith(".acme.example") and super().__call__(origin)

    source = OnlyAcme()
    source._publish([ORIGIN.encode(), b"https://evil.example"], 60)
    app = CORSMiddleware(ok_app(), allow_origin_func=source)
    assert allowed(app, ORIGIN)
    assert preflight_status(app, ORIGIN) == 200
    assert not allowed(app, "https://evil.example")
    assert preflight_status(app, "https://evil.example") == 400
    assert not app.is_allowed_origin("https://evil.example")
