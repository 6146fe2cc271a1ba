"""Subclasses: overriding ``is_allowed_origin`` works as in Starlette; the rest fails loudly."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from tests.asgi import http_scope, ok_app, run

SIMPLE = [(b"origin", b"https://tenant.example.org")]
PREFLIGHT = [*SIMPLE, (b"access-control-request-method", b"GET")]


class SubdomainCORS(CORSMiddleware):
    def is_allowed_origin(self, origin: str) -> bool:
        return origin.endswith(".example.org") or super().is_allowed_origin(origin)


class StarletteSubdomainCORS(StarletteCORSMiddleware):
    def is_allowed_origin(self, origin: str) -> bool:
        return origin.endswith(".example.org") or super().is_allowed_origin(origin)


@pytest.mark.parametrize("options", [{"allow_origins": ["https://a.org"]}, {"allow_origins": ["*"]}])
@pytest.mark.parametrize(
    ("method", "headers"), [("GET", SIMPLE), ("OPTIONS", PREFLIGHT)], ids=["simple", "preflight"]
)
def test_an_overridden_is_allowed_origin_decides_as_in_starlette(
    options: dict[str, Any], method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    ours = run(SubdomainCORS(ok_app(), **options), http_scope(method, headers))
    theirs = run(StarletteSubdomainCORS(ok_app(), **options), http_scope(method, headers))
    assert ours == theirs


def test_the_override_can_fall_back_to_starlettes_own_check() -> None:
    cors = SubdomainCORS(ok_app(), allow_origins=["https://a.org"])
    assert cors.is_allowed_origin("https://a.org")
    assert cors.is_allowed_origin("https://x.example.org")
    assert not cors.is_allowed_origin("https://b.org")


def test_the_override_is_called_with_the_origin_keyword_as_in_starlette() -> None:
    calls: list[dict[str, Any]] = []

    class Recording(CORSMiddleware):
        def is_allowed_origin(self, **kwargs: Any) -> bool:  # type: ignore[override]
            calls.append(kwargs)
            return True

    run(Recording(ok_app()), http_scope("OPTIONS", PREFLIGHT))
    assert calls == [{"origin": "https://tenant.example.org"}]


def test_an_error_in_the_override_propagates() -> None:
    class Failing(CORSMiddleware):
        def is_allowed_origin(self, origin: str) -> bool:
            raise LookupError(origin)

    with pytest.raises(LookupError, match="tenant"):
        run(Failing(ok_app()), http_scope("GET", SIMPLE))


@pytest.mark.parametrize("method", ["preflight_response", "simple_response", "send", "allow_explicit_origin"])
def test_overriding_a_starlette_internal_fastcors_never_calls_fails_at_class_creation(method: str) -> None:
    with pytest.raises(TypeError, match=rf"overrides {method}, which Starlette's CORSMiddleware calls"):
        type("Custom", (CORSMiddleware,), {method: lambda self, *args: None})


def test_options_are_read_at_construction_so_assigning_one_is_an_error() -> None:
    cors = CORSMiddleware(ok_app(), allow_origins=["https://a.org"])
    with pytest.raises(AttributeError, match="allow_origins is read once, at construction"):
        cors.allow_origins = ["https://b.org"]
    assert cors.allow_origins == ["https://a.org"]


def test_the_app_can_be_replaced_after_construction_as_in_starlette() -> None:
    cors = CORSMiddleware(ok_app(), allow_origins=["*"])
    cors.app = ok_app([(b"x-replaced", b"yes")])
    assert (b"x-replaced", b"yes") in run(cors, http_scope())[0]["headers"]
