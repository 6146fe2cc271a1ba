"""The edges of the drop-in promise: what users do to Starlette's middleware besides configuring it.

Subclasses, mixins, patched methods, option attributes made live or changed in place, containers
whose iteration disagrees with their ``in``, odd arguments to ``is_allowed_origin``, copies and
pickles, garbage collection, and code that inspects ``send``. The rule for each: fastcors gives
Starlette's answer, or refuses loudly with a message that says what to do instead; it never serves
a request differently without saying so. Every test runs on both cores (``conftest.py``).
"""

from __future__ import annotations

import abc
import asyncio
import copy
import functools
import gc
import inspect
import pickle
import re
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from fastcors import CORSMiddleware
from tests.asgi import http_scope, ok_app, run, run_to_completion

#: Starlette accepts these configurations, good or bad, and so must fastcors: the checks' warnings
#: are beside the point here (tests/spec/test_config_checks.py covers them).
pytestmark = pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning")

EVIL = "https://evil.example.org"
SIMPLE_EVIL = [(b"origin", EVIL.encode())]
PREFLIGHT_EVIL = [*SIMPLE_EVIL, (b"access-control-request-method", b"GET")]
REQUESTS = [("GET", SIMPLE_EVIL), ("OPTIONS", PREFLIGHT_EVIL)]
REQUEST_IDS = ["simple", "preflight"]


async def pickled_app(scope: Any, receive: Any, send: Any) -> None:
    """A module-level app, so that it pickles by reference."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"pickled")]})
    await send({"type": "http.response.body", "body": b""})


def both(
    build: Callable[[type[Any]], Any], method: str, headers: list[tuple[bytes, bytes]]
) -> tuple[Any, Any]:
    """The messages of one request through fastcors and through Starlette, built alike."""
    return run(build(CORSMiddleware), http_scope(method, headers)), run(
        build(StarletteCORSMiddleware), http_scope(method, headers)
    )


def allowed(messages: list[Any]) -> bool:
    names = [name for name, _ in messages[0].get("headers", [])]
    return b"access-control-allow-origin" in names


# --- 1. Option attributes a subclass makes live --------------------------------------------------

OPTION_ATTRIBUTES = [
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_all_origins",
    "allow_all_headers",
    "allow_credentials",
    "allow_origin_regex",
    "allow_private_network",
    "simple_headers",
    "preflight_headers",
    "preflight_explicit_allow_origin",
]


@pytest.mark.parametrize("name", OPTION_ATTRIBUTES)
def test_a_subclass_property_over_an_option_attribute_fails_at_class_creation(name: str) -> None:
    with pytest.raises(
        TypeError, match=rf"Revoking overrides {name}, which Starlette's CORSMiddleware reads"
    ):
        type("Revoking", (CORSMiddleware,), {name: property(lambda self: ())})


@pytest.mark.parametrize("name", OPTION_ATTRIBUTES)
def test_an_option_property_given_to_a_class_fails_its_middlewares_next_request_and_construction(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Custom(CORSMiddleware):
        pass

    middleware = Custom(ok_app(), allow_origins=["https://a.org"])
    monkeypatch.setattr(Custom, name, property(lambda self: ()), raising=False)
    refusal = rf"Custom overrides {name}, which Starlette's CORSMiddleware reads on every request"
    with pytest.raises(TypeError, match=refusal):
        run(middleware, http_scope("GET", SIMPLE_EVIL))
    with pytest.raises(TypeError, match=refusal):
        Custom(ok_app(), allow_origins=["https://a.org"])
    monkeypatch.undo()
    assert Custom(ok_app(), allow_origins=["https://a.org"]).allow_origins == ["https://a.org"]


@pytest.mark.parametrize("name", OPTION_ATTRIBUTES)
def test_an_option_attribute_replaced_on_cors_middleware_fails_its_next_construction(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CORSMiddleware, name, property(lambda self: ()))
    with pytest.raises(
        TypeError, match=rf"CORSMiddleware overrides {name}, which Starlette's CORSMiddleware"
    ):
        CORSMiddleware(ok_app(), allow_origins=["https://a.org"])


def test_the_refusal_says_what_to_do_instead() -> None:
    with pytest.raises(TypeError, match=r"pass the value to the constructor.*override is_allowed_origin"):
        type("Revoking", (CORSMiddleware,), {"allow_origins": property(lambda self: ())})


# --- 2. is_allowed_origin patched on the class or the instance -----------------------------------


def deny_listing(original: Callable[..., bool]) -> Callable[..., bool]:
    """A deny-list added by patching, as people do: ``evil`` is refused whatever else says."""

    def is_allowed_origin(self: Any, origin: str) -> bool:
        return origin != EVIL and original(self, origin)

    return is_allowed_origin


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_is_allowed_origin_patched_on_the_class_before_construction_decides_requests(
    method: str, headers: list[tuple[bytes, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for cls in (CORSMiddleware, StarletteCORSMiddleware):
        monkeypatch.setattr(cls, "is_allowed_origin", deny_listing(cls.is_allowed_origin))
    ours, theirs = both(lambda cls: cls(ok_app(), allow_origins=[EVIL]), method, headers)
    assert ours == theirs
    assert not allowed(ours)


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_is_allowed_origin_patched_on_the_class_after_construction_decides_requests(
    method: str, headers: list[tuple[bytes, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours_middleware = CORSMiddleware(ok_app(), allow_origins=[EVIL])
    theirs_middleware = StarletteCORSMiddleware(ok_app(), allow_origins=[EVIL])
    assert allowed(run(ours_middleware, http_scope(method, headers)))
    for cls in (CORSMiddleware, StarletteCORSMiddleware):
        monkeypatch.setattr(cls, "is_allowed_origin", deny_listing(cls.is_allowed_origin))
    ours = run(ours_middleware, http_scope(method, headers))
    assert ours == run(theirs_middleware, http_scope(method, headers))
    assert not allowed(ours)
    monkeypatch.undo()
    assert allowed(run(ours_middleware, http_scope(method, headers)))


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_is_allowed_origin_patched_on_a_subclass_after_construction_decides_requests(
    method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    class Tenant(CORSMiddleware):
        pass

    middleware = Tenant(ok_app(), allow_origins=[EVIL])
    Tenant.is_allowed_origin = deny_listing(CORSMiddleware.is_allowed_origin)  # type: ignore[method-assign]
    assert not allowed(run(middleware, http_scope(method, headers)))
    del Tenant.is_allowed_origin
    assert allowed(run(middleware, http_scope(method, headers)))


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_is_allowed_origin_patched_on_the_instance_decides_requests(
    method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    def build(cls: type[Any]) -> Any:
        middleware = cls(ok_app(), allow_origins=[EVIL])
        original = middleware.is_allowed_origin
        middleware.is_allowed_origin = lambda origin: origin != EVIL and original(origin)
        return middleware

    ours, theirs = both(build, method, headers)
    assert ours == theirs
    assert not allowed(ours)


def test_removing_an_instance_patch_restores_the_class_check() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[EVIL])
    middleware.is_allowed_origin = lambda origin: False  # type: ignore[method-assign]
    assert not allowed(run(middleware, http_scope("GET", SIMPLE_EVIL)))
    del middleware.is_allowed_origin
    assert allowed(run(middleware, http_scope("GET", SIMPLE_EVIL)))


@pytest.mark.parametrize("name", ["preflight_response", "simple_response", "send", "allow_explicit_origin"])
def test_patching_a_starlette_internal_fails_at_the_instance_and_at_the_next_request_of_the_class(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    middleware = CORSMiddleware(ok_app())
    with pytest.raises(TypeError, match=rf"CORSMiddleware.{name} cannot be assigned: it is {name}, which"):
        setattr(middleware, name, lambda *args: None)
    monkeypatch.setattr(CORSMiddleware, name, lambda *args: None, raising=False)
    refusal = (
        rf"CORSMiddleware overrides {name}, which Starlette's CORSMiddleware calls but fastcors does not"
    )
    with pytest.raises(TypeError, match=refusal):
        run(middleware, http_scope("GET", SIMPLE_EVIL))
    with pytest.raises(TypeError, match=refusal):
        CORSMiddleware(ok_app())


# --- 3. Overrides that come from a mixin ---------------------------------------------------------


class Audited(abc.ABC):
    """A mixin with a metaclass of its own, as abstract base classes have."""

    @abc.abstractmethod
    def audit(self) -> str: ...


class ServesAnApp(Protocol):
    """A ``typing.Protocol`` mixin."""

    app: Any


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_an_abc_mixin_combines_as_with_starlettes_class(
    method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    def build(cls: type[Any]) -> Any:
        concrete = type("Concrete", (cls, Audited), {"audit": lambda self: "ok"})
        middleware = concrete(ok_app(), allow_origins=[EVIL])
        assert middleware.audit() == "ok"
        return middleware

    ours, theirs = both(build, method, headers)
    assert ours == theirs


def test_an_abc_mixin_left_abstract_refuses_an_instance_as_with_starlettes_class() -> None:
    for cls in (CORSMiddleware, StarletteCORSMiddleware):
        abstract = type("Abstract", (cls, Audited), {})
        with pytest.raises(TypeError, match="abstract"):
            abstract(ok_app())


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_a_protocol_mixin_combines_as_with_starlettes_class(
    method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    ours, theirs = both(
        lambda cls: type("Typed", (cls, ServesAnApp), {})(ok_app(), allow_origins=[EVIL]), method, headers
    )
    assert ours == theirs


@pytest.mark.parametrize("name", ["simple_response", "preflight_response", "send", "allow_explicit_origin"])
def test_a_mixin_overriding_a_starlette_internal_fails_at_class_creation(name: str) -> None:
    mixin = type("Mixin", (), {name: lambda self, *args: None})
    with pytest.raises(TypeError, match=rf"overrides {name}, which .* \(defined by Mixin\)"):
        type("Custom", (mixin, CORSMiddleware), {})


def test_a_mixin_property_over_an_option_attribute_fails_at_class_creation() -> None:
    mixin = type("Revoking", (), {"allow_origins": property(lambda self: ())})
    with pytest.raises(TypeError, match=r"overrides allow_origins, .* \(defined by Revoking\)"):
        type("Custom", (mixin, CORSMiddleware), {})


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_a_mixin_overriding_is_allowed_origin_decides_requests(
    method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    class DenyList:
        def is_allowed_origin(self, origin: str) -> bool:
            return origin != EVIL and super().is_allowed_origin(origin)  # type: ignore[misc]

    ours, theirs = both(
        lambda cls: type("Custom", (DenyList, cls), {})(ok_app(), allow_origins=[EVIL]), method, headers
    )
    assert ours == theirs
    assert not allowed(ours)


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_a_mixin_with_slots_combines_as_with_starlettes_class(
    method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    # The compiled base class adds nothing to the instance's layout, as a pure-Python class would.
    class Tagged:
        __slots__ = ("tag",)

    ours, theirs = both(
        lambda cls: type("Custom", (Tagged, cls), {})(ok_app(), allow_origins=[EVIL]), method, headers
    )
    assert ours == theirs


# --- 3b. Lookups that bypass the class: __getattribute__, the instance's dict, later mixins -------


def reading_another_check(self: Any, name: str) -> Any:
    """A ``__getattribute__`` that answers ``is_allowed_origin`` with another check."""
    if name == "is_allowed_origin":
        return lambda origin: origin != EVIL
    return object.__getattribute__(self, name)


@pytest.mark.parametrize("where", ["class", "mixin before", "mixin after"])
def test_a_class_overriding_getattribute_is_refused_at_class_creation(where: str) -> None:
    bases: tuple[type, ...]
    if where == "class":
        bases, namespace = (CORSMiddleware,), {"__getattribute__": reading_another_check}
    else:
        mixin = type("Lookup", (), {"__getattribute__": reading_another_check})
        bases, namespace = (
            ((mixin, CORSMiddleware) if where == "mixin before" else (CORSMiddleware, mixin)),
            {},
        )
    with pytest.raises(TypeError, match=r"overrides __getattribute__, which Starlette's CORSMiddleware goes"):
        type("Custom", bases, namespace)


def test_getattribute_given_to_a_subclass_fails_its_middlewares_next_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Custom(CORSMiddleware):
        pass

    middleware = Custom(ok_app(), allow_origins=[EVIL])
    monkeypatch.setattr(Custom, "__getattribute__", reading_another_check)
    with pytest.raises(
        TypeError, match=r"Custom overrides __getattribute__, which Starlette's CORSMiddleware"
    ):
        run(middleware, http_scope("GET", SIMPLE_EVIL))
    monkeypatch.undo()
    assert allowed(run(middleware, http_scope("GET", SIMPLE_EVIL)))


INSTANCE_DICT_WRITES: dict[str, Callable[[Any, str, Any], None]] = {
    "vars()[name] = value": lambda middleware, name, value: vars(middleware).__setitem__(name, value),
    "__dict__.update": lambda middleware, name, value: middleware.__dict__.update({name: value}),
    "__dict__.setdefault": lambda middleware, name, value: middleware.__dict__.setdefault(name, value),
    "vars() |=": lambda middleware, name, value: vars(middleware).__ior__({name: value}),
}


@pytest.mark.parametrize("write", INSTANCE_DICT_WRITES.values(), ids=INSTANCE_DICT_WRITES.keys())
@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_is_allowed_origin_written_into_the_instance_dict_decides_requests_as_in_starlette(
    method: str, headers: list[tuple[bytes, bytes]], write: Callable[[Any, str, Any], None]
) -> None:
    def build(cls: type[Any]) -> Any:
        middleware = cls(ok_app(), allow_origins=[EVIL])
        write(middleware, "is_allowed_origin", lambda origin: origin != EVIL)
        return middleware

    ours, theirs = both(build, method, headers)
    assert ours == theirs
    assert not allowed(ours)


@pytest.mark.parametrize("write", INSTANCE_DICT_WRITES.values(), ids=INSTANCE_DICT_WRITES.keys())
@pytest.mark.parametrize("name", ["allow_origins", "preflight_response"])
def test_an_option_or_internal_written_into_the_instance_dict_is_refused(
    name: str, write: Callable[[Any, str, Any], None]
) -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=[EVIL])
    with pytest.raises((AttributeError, TypeError), match=rf"{name} (is read once|cannot be assigned)"):
        write(middleware, name, ())
    assert allowed(run(middleware, http_scope("GET", SIMPLE_EVIL)))


@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_a_mixin_gaining_is_allowed_origin_after_the_class_was_built_decides_requests_as_in_starlette(
    method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    def build(cls: type[Any]) -> Any:
        mixin = type("Mixin", (), {})
        middleware = type("Custom", (mixin, cls), {})(ok_app(), allow_origins=[EVIL])
        mixin.is_allowed_origin = lambda self, origin: origin != EVIL  # type: ignore[attr-defined]
        return middleware

    ours, theirs = both(build, method, headers)
    assert ours == theirs
    assert not allowed(ours)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("allow_origins", property(lambda self: ())),
        ("preflight_response", lambda self, *args: None),
        ("__getattribute__", reading_another_check),
    ],
)
def test_a_mixin_gaining_what_fastcors_cannot_follow_after_the_class_was_built_fails_the_next_request(
    name: str, value: Any
) -> None:
    mixin = type("Mixin", (), {})
    middleware = type("Custom", (mixin, CORSMiddleware), {})(ok_app(), allow_origins=[EVIL])
    assert allowed(run(middleware, http_scope("GET", SIMPLE_EVIL)))
    setattr(mixin, name, value)
    with pytest.raises(TypeError, match=rf"Custom overrides {name}, .* \(defined by Mixin\)"):
        run(middleware, http_scope("GET", SIMPLE_EVIL))
    delattr(mixin, name)
    assert allowed(run(middleware, http_scope("GET", SIMPLE_EVIL)))


def test_new_bases_that_bring_an_option_property_fail_the_next_request() -> None:
    class Plain:
        pass

    class Custom(Plain, CORSMiddleware):
        pass

    middleware = Custom(ok_app(), allow_origins=[EVIL])
    revoking = type("Revoking", (), {"allow_origins": property(lambda self: ())})
    Custom.__bases__ = (revoking, CORSMiddleware)
    with pytest.raises(TypeError, match=r"Custom overrides allow_origins, .* \(defined by Revoking\)"):
        run(middleware, http_scope("GET", SIMPLE_EVIL))
    Custom.__bases__ = (Plain, CORSMiddleware)
    assert allowed(run(middleware, http_scope("GET", SIMPLE_EVIL)))


# --- 4. Containers whose iteration disagrees with their membership ------------------------------


class IteratesOtherwise(list[str]):
    """A list whose ``in`` is the built-in one, but whose iteration yields something else."""

    def __iter__(self) -> Iterator[str]:
        return iter([EVIL])


class CaseInsensitive(str):
    """An origin spelled in any case, compared without case."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.lower() == other.lower()

    def __hash__(self) -> int:
        return hash(self.lower())


class Url:
    """A value object that compares equal to its text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return other == self.text if isinstance(other, str) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.text)


CONTAINERS = [
    pytest.param(lambda: IteratesOtherwise(["https://a.org"]), id="list-subclass-iterating-otherwise"),
    pytest.param(
        lambda: type("Set", (set,), {"__iter__": lambda s: iter([EVIL])})({"https://a.org"}), id="set-sub"
    ),
    pytest.param(
        lambda: type("D", (dict,), {"__iter__": lambda s: iter([EVIL])})({"https://a.org": 1}), id="dict-sub"
    ),
    pytest.param(lambda: [CaseInsensitive("https://EVIL.example.org")], id="str-subclass-items"),
    pytest.param(lambda: [Url(EVIL)], id="value-object-items"),
    pytest.param(lambda: ("https://a.org", Url(EVIL)), id="tuple-with-a-value-object"),
    pytest.param(lambda: {"https://a.org": 1}.keys(), id="dict-keys-view"),
]


@pytest.mark.parametrize("make_origins", CONTAINERS)
@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_allow_origins_of_any_container_answers_as_its_own_in(
    make_origins: Callable[[], Any], method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    ours, theirs = both(lambda cls: cls(ok_app(), allow_origins=make_origins()), method, headers)
    assert ours == theirs


@pytest.mark.parametrize("make_methods", CONTAINERS[:3])
def test_allow_methods_of_any_container_answers_as_its_own_in(make_methods: Callable[[], Any]) -> None:
    headers = [(b"origin", b"https://a.org"), (b"access-control-request-method", EVIL.encode())]
    ours, theirs = both(
        lambda cls: cls(ok_app(), allow_origins=["https://a.org"], allow_methods=make_methods()),
        "OPTIONS",
        headers,
    )
    assert ours == theirs


def test_a_dict_keys_view_is_live_as_in_starlette() -> None:
    def build(cls: type[Any]) -> Any:
        origins = {"https://a.org": 1}
        middleware = cls(ok_app(), allow_origins=origins.keys())
        origins[EVIL] = 2
        return middleware

    ours, theirs = both(build, "GET", SIMPLE_EVIL)
    assert ours == theirs
    assert allowed(ours)


# --- 5. Option attributes changed in place -------------------------------------------------------

IN_PLACE_CHANGES = [
    pytest.param("allow_origins", lambda value: value.append(EVIL), id="allow_origins.append"),
    pytest.param("allow_methods", lambda value: value.append("PUT"), id="allow_methods.append"),
    pytest.param("allow_headers", lambda value: value.append("x-new"), id="allow_headers.append"),
    pytest.param("allow_headers", lambda value: value.__setitem__(0, "x-new"), id="allow_headers[0]="),
    pytest.param("allow_headers", lambda value: value.pop(), id="allow_headers.pop"),
    pytest.param("simple_headers", lambda value: value.update({"X-New": "1"}), id="simple_headers.update"),
    pytest.param(
        "preflight_headers", lambda value: value.__setitem__("X-New", "1"), id="preflight_headers[k]="
    ),
    pytest.param("preflight_headers", lambda value: value.clear(), id="preflight_headers.clear"),
]


@pytest.mark.parametrize(("name", "change"), IN_PLACE_CHANGES)
def test_changing_an_option_attribute_in_place_fails_and_changes_nothing(
    name: str, change: Callable[[Any], None]
) -> None:
    options = {"allow_origins": ["https://a.org"], "allow_methods": ["GET"], "allow_headers": ["X-Example"]}
    middleware = CORSMiddleware(ok_app(), allow_credentials=True, **options)  # type: ignore[arg-type]
    starlette = StarletteCORSMiddleware(ok_app(), allow_credentials=True, **options)  # type: ignore[arg-type]
    before = copy.deepcopy(getattr(middleware, name))
    with pytest.raises(TypeError, match=rf"CORSMiddleware.{name} is read once, at construction"):
        change(getattr(middleware, name))
    assert getattr(middleware, name) == before == getattr(starlette, name)


def test_option_attributes_compare_equal_to_starlettes() -> None:
    options: dict[str, Any] = {
        "allow_origins": ["https://a.org"],
        "allow_methods": {"GET", "PUT"},
        "allow_headers": ("X-Example",),
        "expose_headers": ["X-Status"],
    }
    ours = CORSMiddleware(ok_app(), **options)
    theirs = StarletteCORSMiddleware(ok_app(), **options)
    for name in OPTION_ATTRIBUTES:
        if name != "allow_origin_regex":
            assert getattr(ours, name) == getattr(theirs, name), name


def test_a_collection_with_its_own_in_is_the_attribute_itself_and_stays_live() -> None:
    class Tenants(list[str]):
        def __contains__(self, origin: object) -> bool:
            return list.__contains__(self, origin)

    tenants = Tenants()
    middleware = CORSMiddleware(ok_app(), allow_origins=tenants)
    assert middleware.allow_origins is tenants
    middleware.allow_origins.append(EVIL)
    assert allowed(run(middleware, http_scope("GET", SIMPLE_EVIL)))


# --- 6. Memory: a dropped middleware frees its app -----------------------------------------------


class BigApp:
    """An app that stands for a whole application, so that its being freed is easy to see."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await ok_app()(scope, receive, send)


class Overriding(CORSMiddleware):
    def is_allowed_origin(self, origin: str) -> bool:
        return origin.endswith(".example.org")


class OwnContains(list[str]):
    def __contains__(self, origin: object) -> bool:
        return True


def build_directly(app: Any) -> Any:
    return CORSMiddleware(app, allow_origins=["https://a.org"])


def build_patched_instance(app: Any) -> Any:
    middleware = CORSMiddleware(app, allow_origins=["https://a.org"])
    middleware.is_allowed_origin = lambda origin: origin == "https://a.org"  # type: ignore[method-assign]
    return middleware


BUILDERS = [
    pytest.param(build_directly, id="directly"),
    pytest.param(lambda app: Overriding(app), id="subclass-overriding-is_allowed_origin"),
    pytest.param(build_patched_instance, id="instance-patched"),
    pytest.param(lambda app: CORSMiddleware(app, allow_origins=OwnContains()), id="own-contains"),
    pytest.param(lambda app: CORSMiddleware(app, allow_origin_regex=r"https://(?!evil).*"), id="regex"),
    pytest.param(lambda app: CORSMiddleware(app, allow_origins=["*"], allow_credentials=True), id="wildcard"),
]


@pytest.mark.parametrize("build", BUILDERS)
@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_a_dropped_middleware_frees_its_app_by_reference_counting(
    build: Callable[[Any], Any], method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    app = BigApp()
    freed = weakref.ref(app)
    middleware = build(app)
    run(middleware, http_scope(method, headers))
    del app, middleware
    gc.disable()
    try:
        assert freed() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("framework", ["starlette", "fastapi"])
def test_an_application_stack_with_fastcors_is_freed(framework: str) -> None:
    if framework == "fastapi":
        from fastapi import FastAPI

        application: Any = FastAPI()
        application.add_middleware(Overriding)
    else:
        application = Starlette(middleware=[Middleware(Overriding)])
    run(application, http_scope("GET", [(b"origin", b"https://a.example.org")]))
    freed = weakref.ref(application)
    del application
    gc.collect()
    assert freed() is None


def test_a_cycle_through_an_option_is_collected() -> None:
    class Backed(list[str]):
        middleware: Any = None

        def __contains__(self, origin: object) -> bool:
            return False

    origins = Backed()
    middleware = CORSMiddleware(BigApp(), allow_origins=origins)
    origins.middleware = middleware
    freed = weakref.ref(middleware)
    del middleware, origins
    gc.collect()
    assert freed() is None


def test_a_cycle_through_a_callback_is_collected() -> None:
    class Listener:
        middleware: Any = None

        def __call__(self, event: object) -> None:
            pass

    listener = Listener()
    middleware = CORSMiddleware(BigApp(), allow_origins=["https://a.example.org"], on_reject=listener)
    listener.middleware = middleware
    freed = weakref.ref(middleware)
    del middleware, listener
    gc.collect()
    assert freed() is None


# --- 7. The send handed to the app is recognised as async ----------------------------------------


def asyncio_iscoroutinefunction(function: object) -> bool:
    """``asyncio.iscoroutinefunction``, which servers still call: deprecated from CPython 3.14 (with a
    ``DeprecationWarning`` on every call) and slated for removal in 3.16."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return bool(asyncio.iscoroutinefunction(function))


def test_the_send_handed_to_the_app_is_a_coroutine_function_as_starlettes_is() -> None:
    from starlette._utils import is_async_callable

    seen: list[tuple[bool, bool, bool]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(
            (inspect.iscoroutinefunction(send), asyncio_iscoroutinefunction(send), is_async_callable(send))
        )
        await ok_app()(scope, receive, send)

    run(CORSMiddleware(app, allow_origins=["https://a.org"]), http_scope("GET", SIMPLE_EVIL))
    run(StarletteCORSMiddleware(app, allow_origins=["https://a.org"]), http_scope("GET", SIMPLE_EVIL))
    assert seen == [(True, True, True), (True, True, True)]


#: The ways an app may call the ``send`` it is handed: name -> (how it sends one message).
SEND_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "by position": lambda send, message: send(message),
    "by keyword": lambda send, message: send(message=message),
    "through __call__": lambda send, message: send.__call__(message),
    "through type(send).__call__": lambda send, message: type(send).__call__(send, message),
    "through functools.partial": lambda send, message: functools.partial(send, message)(),
    "unpacked from a tuple": lambda send, message: send(*(message,)),
}


def app_calling_send(call: Callable[[Any, Any], Any]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await call(send, {"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]})
        await call(send, {"type": "http.response.body", "body": b"app"})

    return app


@pytest.mark.parametrize("call", SEND_CALLS.values(), ids=SEND_CALLS.keys())
@pytest.mark.parametrize(
    "origin", [b"https://a.org", EVIL.encode(), None], ids=["allowed", "refused", "no Origin"]
)
def test_send_called_any_way_python_allows_edits_the_response_as_starlettes(
    call: Callable[[Any, Any], Any], origin: bytes | None
) -> None:
    headers = [] if origin is None else [(b"origin", origin)]
    options: dict[str, Any] = {"allow_origins": ["https://a.org"], "expose_headers": ["X-App"]}
    ours, theirs = both(lambda cls: cls(app_calling_send(call), **options), "GET", headers)
    assert ours == theirs
    assert ours[1] == {"type": "http.response.body", "body": b"app"}


class ListedOtherwise(list[tuple[bytes, bytes]]):
    """Response headers whose iteration, which ``list(headers)`` uses, disagrees with their items."""

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        yield (b"x-iterated", b"1")


@pytest.mark.parametrize(
    "origin", [b"https://a.org", EVIL.encode(), None], ids=["allowed", "refused", "no Origin"]
)
@pytest.mark.parametrize(
    "make_headers",
    [list, ListedOtherwise, tuple],
    ids=["a list", "a list iterating otherwise", "a tuple"],
)
def test_the_apps_response_headers_are_copied_as_list_copies_them_and_left_unchanged(
    make_headers: Callable[[list[tuple[bytes, bytes]]], Any], origin: bytes | None
) -> None:
    given: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = make_headers([(b"x-app", b"1"), (b"vary", b"Accept")])
        given.append((headers, list(headers.__class__.__iter__(headers))))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"app"})

    headers = [] if origin is None else [(b"origin", origin)]
    ours, theirs = both(lambda cls: cls(app, allow_origins=["https://a.org"]), "GET", headers)
    assert ours == theirs
    # The middleware edits a copy; the app's own object keeps the items it had.
    for headers, items in given:
        assert list(headers.__class__.__iter__(headers)) == items
        assert len(headers) == 2


class OriginItem:
    """A request header item of an unusual shape: unpacking it runs code (here, a mutation)."""

    def __init__(self, origin: bytes, when_read: Callable[[], None]) -> None:
        self.origin, self.when_read = origin, when_read

    def __iter__(self) -> Iterator[bytes]:
        self.when_read()
        return iter((b"origin", self.origin))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int) -> bytes:
        return (b"origin", self.origin)[index]


def app_with_shared_headers() -> tuple[Any, list[tuple[bytes, bytes]]]:
    """An app whose response headers are one list that other code can reach and change."""
    shared: list[tuple[bytes, bytes]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        shared[:] = [(b"x-app", b"1")]
        await send({"type": "http.response.start", "status": 200, "headers": shared})
        await send({"type": "http.response.body", "body": b"app"})

    return app, shared


@pytest.mark.parametrize("origin", [b"https://a.org", EVIL.encode()], ids=["allowed", "refused"])
def test_the_apps_headers_are_copied_before_an_is_allowed_origin_override_runs(origin: bytes) -> None:
    def build(cls: type[Any]) -> Any:
        app, shared = app_with_shared_headers()

        class Meddling(cls):  # type: ignore[misc]
            def is_allowed_origin(self, origin: str) -> bool:
                shared.append((b"x-late", b"1"))
                return bool(super().is_allowed_origin(origin))

        return Meddling(app, allow_origins=["https://a.org"])

    ours, theirs = both(build, "GET", [(b"origin", origin)])
    assert ours == theirs
    assert (b"x-late", b"1") not in ours[0]["headers"]


@pytest.mark.parametrize("origin", [b"https://a.org", EVIL.encode()], ids=["allowed", "refused"])
def test_the_apps_headers_are_copied_before_a_request_header_runs_code(origin: bytes) -> None:
    results = []
    for cls in (CORSMiddleware, StarletteCORSMiddleware):
        app, shared = app_with_shared_headers()
        item = OriginItem(origin, functools.partial(shared.append, (b"x-late", b"1")))
        scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"h"), item]}
        results.append(run(cls(app, allow_origins=["https://a.org"]), scope))
    ours, theirs = results
    assert ours == theirs
    assert (b"x-late", b"1") not in ours[0]["headers"]


def test_the_apps_headers_are_copied_before_on_reject_hears_of_a_refusal() -> None:
    app, shared = app_with_shared_headers()
    heard: list[Any] = []

    def on_reject(event: Any) -> None:
        heard.append(event)
        shared.append((b"x-late", b"1"))

    middleware = CORSMiddleware(app, allow_origins=["https://a.org"], on_reject=on_reject)
    ours = run(middleware, http_scope("GET", SIMPLE_EVIL))
    theirs = run(
        StarletteCORSMiddleware(app_with_shared_headers()[0], allow_origins=["https://a.org"]),
        http_scope("GET", SIMPLE_EVIL),
    )
    assert len(heard) == 1
    assert ours == theirs
    assert (b"x-late", b"1") not in ours[0]["headers"]


BAD_SEND_CALLS: dict[str, Callable[[Any], Any]] = {
    "no message": lambda send: send(),
    "two messages": lambda send: send({"type": "http.response.body"}, {"type": "http.response.body"}),
    "a message and a keyword": lambda send: send({"type": "http.response.body"}, message={}),
    "an unknown keyword": lambda send: send(msg={"type": "http.response.body"}),
    "a message that is not a mapping": lambda send: send("http.response.start"),
}


@pytest.mark.parametrize("call", BAD_SEND_CALLS.values(), ids=BAD_SEND_CALLS.keys())
def test_send_called_wrongly_raises_the_type_error_starlettes_raises(call: Callable[[Any], Any]) -> None:
    raised: list[type[BaseException]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        try:
            await call(send)
        except Exception as error:  # the kind is what is compared
            raised.append(type(error))

    both(lambda cls: cls(app, allow_origins=["https://a.org"]), "GET", [(b"origin", b"https://a.org")])
    assert raised == [TypeError, TypeError]


def test_an_error_of_the_servers_send_reaches_the_app_unchanged() -> None:
    class Gone(Exception):
        pass

    async def failing_send(message: Any) -> None:
        raise Gone(message["type"])

    raised: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        for message in ({"type": "http.response.start", "status": 200}, {"type": "http.response.body"}):
            try:
                await send(message)
            except Gone as error:
                raised.append(str(error))

    async def receive() -> Any:
        return {"type": "http.request"}

    scope = http_scope("GET", [(b"origin", b"https://a.org")])
    for cls in (CORSMiddleware, StarletteCORSMiddleware):
        run_to_completion(cls(app, allow_origins=["https://a.org"])(dict(scope), receive, failing_send))
    assert raised == ["http.response.start", "http.response.body"] * 2


def test_a_call_patched_into_the_sends_class_is_refused_or_honoured_never_bypassed() -> None:
    """Starlette's ``send`` is a ``functools.partial``, whose class refuses a new ``__call__``."""
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(send)
        await ok_app()(scope, receive, send)

    middleware = CORSMiddleware(app, allow_origins=["https://a.org"])
    run(middleware, http_scope("GET", SIMPLE_EVIL))
    send_class = type(seen[0])
    with pytest.raises(TypeError):
        type(functools.partial(print)).__call__ = lambda *args: None  # type: ignore[method-assign]
    original = send_class.__call__
    calls: list[Any] = []

    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(self, *args, **kwargs)

    try:
        send_class.__call__ = patched
    except TypeError:
        return  # refused loudly, as Starlette's class refuses
    try:
        run(middleware, http_scope("GET", SIMPLE_EVIL))
    finally:
        send_class.__call__ = original
    assert len(calls) == 2
    assert run(Overriding(ok_app(), allow_origins=[EVIL]), http_scope("GET", SIMPLE_EVIL)) == run(
        StarletteCORSMiddleware(ok_app(), allow_origins=[EVIL]), http_scope("GET", SIMPLE_EVIL)
    )


def test_the_middleware_call_is_a_coroutine_function_for_servers_that_inspect_it() -> None:
    middleware = CORSMiddleware(ok_app())
    assert inspect.iscoroutinefunction(middleware.__call__)
    assert asyncio_iscoroutinefunction(middleware.__call__)
    assert str(inspect.signature(middleware.__call__)) == "(scope, receive, send)"
    assert run(middleware.__call__, http_scope()) == run(middleware, http_scope())


def test_a_wsgi_app_behind_fastcors_through_asgiref_raises_no_warning() -> None:
    from asgiref.wsgi import WsgiToAsgi

    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from wsgi"]

    middleware = CORSMiddleware(WsgiToAsgi(wsgi_app), allow_origins=[EVIL])  # type: ignore[no-untyped-call]
    scope = {
        **http_scope("GET", SIMPLE_EVIL),
        "http_version": "1.1",
        "query_string": b"",
        "server": ("testserver", 80),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        messages = run(middleware, scope)
    assert allowed(messages)
    assert messages[1]["body"] == b"from wsgi"


# --- 8. is_allowed_origin with what no request carries -------------------------------------------

ODD_ORIGINS = [None, b"https://a.org", 42, CaseInsensitive("HTTPS://A.ORG"), "https://例え.jp", ""]
CONFIGS = [
    pytest.param({"allow_origins": ["https://a.org"]}, id="list"),
    pytest.param({"allow_origins": ["*"]}, id="wildcard"),
    pytest.param({"allow_origin_regex": r"https://.*"}, id="regex"),
    pytest.param({"allow_origins": "https://a.org"}, id="bare-str"),
]


def starlettes_answer(middleware: Any, origin: Any) -> Any:
    try:
        return middleware.is_allowed_origin(origin)
    except Exception as error:
        return type(error)


@pytest.mark.parametrize("origin", ODD_ORIGINS, ids=repr)
@pytest.mark.parametrize("options", CONFIGS)
def test_is_allowed_origin_answers_anything_as_starlette_does(options: dict[str, Any], origin: Any) -> None:
    ours = starlettes_answer(CORSMiddleware(ok_app(), **options), origin)
    theirs = starlettes_answer(StarletteCORSMiddleware(ok_app(), **options), origin)
    assert ours == theirs


def test_the_exception_handler_snippet_works_without_an_origin() -> None:
    middleware = CORSMiddleware(ok_app(), allow_origins=["https://a.org"])
    assert middleware.is_allowed_origin(None) is False  # type: ignore[arg-type]


# --- 9. Pickling and copying ---------------------------------------------------------------------


class Tagged(CORSMiddleware):
    def __init__(self, app: Any, tag: str, **options: Any) -> None:
        super().__init__(app, **options)
        self.tag = tag

    def is_allowed_origin(self, origin: str) -> bool:
        return origin.endswith(".example.org")


@pytest.mark.parametrize(
    "duplicate",
    [lambda middleware: pickle.loads(pickle.dumps(middleware)), copy.copy, copy.deepcopy],
    ids=["pickle", "copy", "deepcopy"],
)
@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_a_duplicate_serves_as_the_original(
    duplicate: Callable[[Any], Any], method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    for middleware in (
        CORSMiddleware(pickled_app, allow_origins=[EVIL], allow_methods=["*"], allow_credentials=True),
        Tagged(pickled_app, "t", allow_origins=["https://a.org"]),
    ):
        clone = duplicate(middleware)
        assert type(clone) is type(middleware)
        assert run(clone, http_scope(method, headers)) == run(middleware, http_scope(method, headers))
    assert clone.tag == "t"


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
def test_a_copy_given_another_app_serves_that_app(duplicate: Callable[[Any], Any]) -> None:
    original = CORSMiddleware(ok_app([(b"x-app", b"original")]), allow_origins=["*"])
    clone = duplicate(original)
    clone.app = ok_app([(b"x-app", b"other")])
    assert (b"x-app", b"other") in run(clone, http_scope())[0]["headers"]
    assert (b"x-app", b"other") in run(clone.__call__, http_scope())[0]["headers"]
    assert (b"x-app", b"original") in run(original, http_scope())[0]["headers"]


def test_a_deep_copy_does_not_share_a_live_collection() -> None:
    original = CORSMiddleware(ok_app(), allow_origins=OwnContains())
    clone = copy.deepcopy(original)
    assert clone.allow_origins is not original.allow_origins
    assert type(clone.allow_origins) is OwnContains


# --- 10. Smaller edges ---------------------------------------------------------------------------


class Raw(bytes):
    """A bytes subclass, as a test client or a proxy might pass."""


@pytest.mark.parametrize(
    "options", [{"allow_origins": [EVIL]}, {"allow_origins": ["*"], "allow_credentials": True}]
)
@pytest.mark.parametrize(("method", "headers"), REQUESTS, ids=REQUEST_IDS)
def test_an_echoed_origin_is_plain_bytes_as_starlette_sends_it(
    options: dict[str, Any], method: str, headers: list[tuple[bytes, bytes]]
) -> None:
    headers = [(name, Raw(value)) for name, value in headers]
    ours, theirs = both(lambda cls: cls(ok_app(), **options), method, headers)
    assert ours == theirs
    echoed = [value for name, value in ours[0]["headers"] if name == b"access-control-allow-origin"]
    assert [type(value) for value in echoed] == [bytes]


def test_echoed_request_headers_are_plain_bytes() -> None:
    headers = [*PREFLIGHT_EVIL, (b"access-control-request-headers", Raw(b"x-example"))]
    messages = run(
        CORSMiddleware(ok_app(), allow_origins=[EVIL], allow_headers=["*"]), http_scope("OPTIONS", headers)
    )
    echoed = [value for name, value in messages[0]["headers"] if name == b"access-control-allow-headers"]
    assert [type(value) for value in echoed] == [bytes]


class RecordingMessage(dict[str, Any]):
    """A message that records the edits made to it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []

    def __setitem__(self, key: str, value: Any) -> None:
        self.calls.append(f"set {key}")
        super().__setitem__(key, value)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.calls.append(f"setdefault {key}")
        return super().setdefault(key, default)


def test_a_dict_subclass_message_is_edited_through_its_own_methods() -> None:
    recorded: dict[str, list[str]] = {}

    def app_for(label: str) -> Any:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            start = RecordingMessage(type="http.response.start", status=200)
            await send(start)
            recorded[label] = start.calls

        return app

    run(CORSMiddleware(app_for("ours"), allow_origins=[EVIL]), http_scope("GET", SIMPLE_EVIL))
    run(StarletteCORSMiddleware(app_for("theirs"), allow_origins=[EVIL]), http_scope("GET", SIMPLE_EVIL))
    assert recorded["ours"][0] == recorded["theirs"][0] == "setdefault headers"
    assert "set headers" in recorded["ours"]
    assert "set headers" in recorded["theirs"]


def test_the_refusals_name_no_hidden_attribute() -> None:
    """The names a refusal quotes are Starlette's public ones."""
    with pytest.raises(TypeError) as error:
        type("Custom", (CORSMiddleware,), {"send": lambda self: None})
    assert re.search(r"\b_\w+", str(error.value)) is None
