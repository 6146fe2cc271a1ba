"""``fastcors.redis.RedisOrigins`` against a real ``redis-server``, in this process, on both cores.

The origins live in a Redis set; each change is announced on a channel, and the whole set is
reloaded on each subscription and every ``resync_seconds``. While Redis is away the last set is
served for at most ``max_stale_seconds``; before the first load, and after that, nothing is allowed.
Each step polls with a deadline rather than sleeping.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fastcors import CORSMiddleware
from tests.asgi import http_scope, ok_app, response_headers, run
from tests.redis_server import RedisServer

pytest.importorskip("redis")
import redis as redis_py
import redis.asyncio

import fastcors.redis
from fastcors.redis import RedisOrigins, normalized_origin

KEY = "fastcors:origins"
ORIGIN = "https://app.acme.example"
OTHER = "https://other.acme.example"


def eventually(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.005)


def simple_allowed(app: CORSMiddleware, origin: str) -> bool:
    headers = dict(response_headers(run(app, http_scope("GET", [(b"origin", origin.encode())]))))
    return headers.get(b"access-control-allow-origin") == origin.encode()


def preflight_allowed(app: CORSMiddleware, origin: str) -> bool:
    request = [(b"origin", origin.encode()), (b"access-control-request-method", b"GET")]
    messages = run(app, http_scope("OPTIONS", request))
    return bool(messages[0]["status"] == 200)


@pytest.fixture
def server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(server: RedisServer) -> Iterator[redis_py.Redis]:
    client = redis_py.Redis.from_url(server.url)
    yield client
    client.close()


@pytest.fixture
def make_origins(server: RedisServer) -> Iterator[Callable[..., RedisOrigins]]:
    made: list[RedisOrigins] = []

    def make(**options: float) -> RedisOrigins:
        origins = RedisOrigins(server.url, **options)  # type: ignore[arg-type]
        made.append(origins)
        return origins

    yield make
    for origins in made:
        origins.close()


def serving(origins: RedisOrigins) -> CORSMiddleware:
    return CORSMiddleware(ok_app(), allow_origin_func=origins, allow_methods=["GET"])


def test_an_origin_added_is_allowed_and_one_removed_is_refused(
    make_origins: Callable[..., RedisOrigins],
) -> None:
    origins = make_origins()
    app = serving(origins)
    assert not simple_allowed(app, ORIGIN)
    origins.add(ORIGIN)
    eventually(lambda: simple_allowed(app, ORIGIN), "the added origin allowed")
    assert preflight_allowed(app, ORIGIN)
    assert app.is_allowed_origin(ORIGIN)
    assert not simple_allowed(app, OTHER)
    origins.remove(ORIGIN)
    eventually(lambda: not simple_allowed(app, ORIGIN), "the removed origin refused")
    assert not preflight_allowed(app, ORIGIN)
    assert not app.is_allowed_origin(ORIGIN)


def test_the_origins_in_the_set_before_start_are_loaded(
    client: redis_py.Redis, make_origins: Callable[..., RedisOrigins]
) -> None:
    client.sadd(KEY, ORIGIN)
    app = serving(make_origins())
    eventually(lambda: simple_allowed(app, ORIGIN), "the origin in the set allowed")
    assert not simple_allowed(app, OTHER)


def test_before_its_first_load_every_origin_is_refused(
    server: RedisServer,
    make_origins: Callable[..., RedisOrigins],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.stop()
    with caplog.at_level(logging.ERROR, logger="fastcors"):
        origins = make_origins()
        app = serving(origins)
        eventually(lambda: "cannot load the set" in caplog.text, "the failed first load logged")
    assert not simple_allowed(app, ORIGIN)
    assert not preflight_allowed(app, ORIGIN)
    server.start()
    origins.add(ORIGIN)
    eventually(lambda: simple_allowed(app, ORIGIN), "the origin allowed once Redis answers")


def test_while_redis_is_down_the_last_set_is_served_then_refused_after_max_stale_seconds(
    server: RedisServer,
    make_origins: Callable[..., RedisOrigins],
    caplog: pytest.LogCaptureFixture,
) -> None:
    origins = make_origins(resync_seconds=0.2, max_stale_seconds=1.5)
    app = serving(origins)
    origins.add(ORIGIN)
    eventually(lambda: simple_allowed(app, ORIGIN), "the added origin allowed")
    with caplog.at_level(logging.WARNING, logger="fastcors"):
        server.stop()
        stopped = time.monotonic()
        assert simple_allowed(app, ORIGIN)  # the last set, served
        eventually(lambda: not simple_allowed(app, ORIGIN), "the origin refused after max_stale_seconds")
        refused_after = time.monotonic() - stopped
        assert not preflight_allowed(app, ORIGIN)
        eventually(lambda: "more than max_stale_seconds=1.5" in caplog.text, "the refusal logged")
    assert "Redis cannot be reached" in caplog.text
    # Never refused before the last contact plus max_stale_seconds: contact was at most one
    # resync before the stop.
    assert refused_after >= 1.5 - 0.2 - 0.05


def test_redis_restarted_is_subscribed_again_and_reloaded(
    server: RedisServer, make_origins: Callable[..., RedisOrigins]
) -> None:
    origins = make_origins(resync_seconds=30, max_stale_seconds=60)
    app = serving(origins)
    origins.add(ORIGIN)
    eventually(lambda: simple_allowed(app, ORIGIN), "the added origin allowed")
    server.stop()
    server.start()  # empty: no persistence
    eventually(lambda: not simple_allowed(app, ORIGIN), "the empty set reloaded after the restart")
    origins.add(OTHER)  # announced on the new subscription, not found by a resync (30 s away)
    eventually(lambda: simple_allowed(app, OTHER), "an origin added after the restart allowed")


def test_a_lost_announcement_is_repaired_by_the_resync(
    client: redis_py.Redis, make_origins: Callable[..., RedisOrigins]
) -> None:
    origins = make_origins(resync_seconds=0.3, max_stale_seconds=5)
    app = serving(origins)
    origins.add(ORIGIN)
    eventually(lambda: simple_allowed(app, ORIGIN), "the added origin allowed")
    client.srem(KEY, ORIGIN)  # removed without an announcement
    client.sadd(KEY, OTHER)
    eventually(lambda: not simple_allowed(app, ORIGIN), "the removal found by the resync")
    eventually(lambda: simple_allowed(app, OTHER), "the addition found by the resync")


def test_any_other_announcement_reloads_the_set(
    client: redis_py.Redis, make_origins: Callable[..., RedisOrigins]
) -> None:
    app = serving(make_origins(resync_seconds=30, max_stale_seconds=60))
    eventually(lambda: not simple_allowed(app, ORIGIN), "the empty set loaded")
    time.sleep(0.05)  # let the listener subscribe; the publish below must not be lost
    client.sadd(KEY, ORIGIN)
    eventually(
        lambda: client.publish(KEY, "reload") > 0 and simple_allowed(app, ORIGIN),
        "the edit by hand applied after a publish",
    )


def test_entries_are_read_as_browsers_send_origins_and_malformed_ones_are_skipped(
    client: redis_py.Redis, make_origins: Callable[..., RedisOrigins], caplog: pytest.LogCaptureFixture
) -> None:
    client.sadd(
        KEY, "https://App.Acme.Example:443/", "https://*.acme.example", "*", "null", "https://b.example/x"
    )
    client.sadd(KEY, OTHER)
    with caplog.at_level(logging.WARNING, logger="fastcors"):
        app = serving(make_origins())
        eventually(lambda: simple_allowed(app, OTHER), "the set loaded")
    assert simple_allowed(app, ORIGIN)  # a spelling of it, normalised
    for refused in ("null", "*", "https://x.acme.example", "https://b.example", "https://b.example/x"):
        assert not simple_allowed(app, refused)
    assert "served as 'https://app.acme.example'" in caplog.text
    for skipped in ("'https://*.acme.example'", "'*'", "'null'", "'https://b.example/x'"):
        assert f"holds {skipped}, which is skipped" in caplog.text


def test_remove_removes_every_spelling_of_the_origin(
    client: redis_py.Redis, make_origins: Callable[..., RedisOrigins]
) -> None:
    client.sadd(KEY, "https://APP.acme.example", ORIGIN + ":443")
    origins = make_origins(resync_seconds=0.3, max_stale_seconds=5)
    app = serving(origins)
    eventually(lambda: simple_allowed(app, ORIGIN), "the set loaded")
    origins.remove(ORIGIN + "/")
    assert client.smembers(KEY) == set()
    eventually(lambda: not simple_allowed(app, ORIGIN), "the origin refused")


def test_add_refuses_what_is_not_an_origin(make_origins: Callable[..., RedisOrigins]) -> None:
    origins = make_origins()
    with pytest.raises(ValueError, match=r"RedisOrigins.add: 'https://\*.acme.example' is not an origin"):
        origins.add("https://*.acme.example")
    with pytest.raises(ValueError, match="nothing after the host"):
        origins.add("https://acme.example/path")
    with pytest.raises(TypeError, match="takes an origin str"):
        origins.add(b"https://acme.example")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("entry", "origin"),
    [
        ("https://app.example.com", "https://app.example.com"),
        (" HTTPS://App.Example.COM/ ", "https://app.example.com"),
        ("http://app.example.com:80", "http://app.example.com"),
        ("https://app.example.com:8443", "https://app.example.com:8443"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://localhost:03000", "http://localhost:3000"),
        ("http://localhost:0080", "http://localhost"),
    ],
)
def test_an_entry_is_normalised_to_the_origin_browsers_send(entry: str, origin: str) -> None:
    assert normalized_origin(entry) == origin


@pytest.mark.parametrize(
    "entry",
    ["*", "null", "app.example.com", "https://app.example.com/x", "https://a.example?q", "https://u@a.example",
     "https://bücher.example", "https://a.example:port",
     "https://a.example:65536", "https://a.example:", "https://", "ht tp://a.example"],
)  # fmt: skip
def test_an_entry_that_names_no_origin_is_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        normalized_origin(entry)


def test_close_stops_listening_and_refuses_every_origin(make_origins: Callable[..., RedisOrigins]) -> None:
    origins = make_origins()
    app = serving(origins)
    origins.add(ORIGIN)
    eventually(lambda: simple_allowed(app, ORIGIN), "the added origin allowed")
    origins.close()
    assert not origins._thread.is_alive()
    assert not simple_allowed(app, ORIGIN)
    assert not origins(ORIGIN)


def test_after_close_no_origin_is_allowed_even_by_a_reload_that_outlived_its_wait(
    server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading, release = threading.Event(), threading.Event()

    class HeldReads(redis_py.Redis):
        """A Redis whose reads of the set, once held, wait for ``release``: a slow Redis."""

        held = False

        def smembers(self, name: Any) -> Any:
            if HeldReads.held:
                reading.set()
                release.wait(10)
            return super().smembers(name)

    monkeypatch.setattr(fastcors.redis, "_CLOSE_WAIT_SECONDS", 0.05)
    client = HeldReads.from_url(server.url)
    origins = RedisOrigins(client, resync_seconds=0.1, max_stale_seconds=60)
    try:
        app = serving(origins)
        origins.add(ORIGIN)
        eventually(lambda: simple_allowed(app, ORIGIN), "the added origin allowed")
        HeldReads.held = True
        assert reading.wait(10), "the resync never started"
        origins.close()  # gives up waiting: the listener is inside SMEMBERS
        release.set()
        origins._thread.join(10)
        assert not origins._thread.is_alive()
        assert not simple_allowed(app, ORIGIN)
        assert not preflight_allowed(app, ORIGIN)
        assert not origins(ORIGIN)
    finally:
        release.set()
        origins.close()
        client.close()


def test_a_subscription_renewed_by_the_client_reloads_the_set(
    server: RedisServer, client: redis_py.Redis
) -> None:
    # A client made to retry on ConnectionError subscribes again by itself when its connection
    # drops: the set must be read again then, as on every subscription, since what was announced
    # in between is lost.
    retrying = redis_py.Redis.from_url(server.url, retry_on_error=[redis_py.ConnectionError])
    origins = RedisOrigins(retrying, resync_seconds=30, max_stale_seconds=60)
    try:
        app = serving(origins)
        origins.add(ORIGIN)
        eventually(lambda: simple_allowed(app, ORIGIN), "the added origin allowed")
        client.srem(KEY, ORIGIN)  # a removal whose announcement is lost
        assert client.client_kill_filter(_type="pubsub") == 1
        eventually(lambda: not simple_allowed(app, ORIGIN), "the set reloaded on the new subscription")
    finally:
        origins.close()
        retrying.close()


def test_a_forked_child_starts_its_own_listener(
    client: redis_py.Redis, make_origins: Callable[..., RedisOrigins]
) -> None:
    origins = make_origins()
    app = serving(origins)
    eventually(lambda: not simple_allowed(app, ORIGIN), "the empty set loaded")
    with warnings.catch_warnings():
        # 3.12 and later warn that a process with threads forks: this test is about that.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:  # the child: the parent's thread is gone; its own learns the addition
        code = 1
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if simple_allowed(app, ORIGIN) and origins._thread.is_alive():
                    code = 0
                    break
                time.sleep(0.005)
        finally:
            os._exit(code)
    time.sleep(0.2)  # the child subscribes
    client.sadd(KEY, ORIGIN)
    client.publish(KEY, "reload")
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize("option", ["allow_origin_func_cache_size", "allow_origin_func_cache_ttl"])
def test_its_answers_are_never_cached(make_origins: Callable[..., RedisOrigins], option: str) -> None:
    options: dict[str, Any] = {option: 100}
    with pytest.raises(
        ValueError, match=f"{option}=100 would keep the answers of RedisOrigins, .* drop {option}"
    ):
        CORSMiddleware(ok_app(), allow_origin_func=make_origins(), **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"url_or_client": "http://127.0.0.1"}, "url_or_client='http://127.0.0.1' is not a Redis URL"),
        ({"url_or_client": 6379}, "url_or_client must be a Redis URL or a redis.Redis client, not 6379"),
        ({"key": ""}, "key must be a non-empty str"),
        ({"channel": b"x"}, "channel must be a non-empty str"),
        ({"max_stale_seconds": 0}, "max_stale_seconds must be a positive number of seconds, not 0"),
        ({"resync_seconds": float("inf")}, "resync_seconds must be a positive number of seconds, not inf"),
        ({"resync_seconds": 400}, r"resync_seconds=400 must be shorter than max_stale_seconds=300\.0.*=30"),
    ],
)  # fmt: skip
def test_options_are_checked_at_construction(options: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"url_or_client": "redis://127.0.0.1:1/0", **options}
    with pytest.raises((ValueError, TypeError), match=message):
        RedisOrigins(**arguments)  # type: ignore[arg-type]


def test_an_asyncio_client_is_refused_with_the_reason() -> None:
    client: Any = redis.asyncio.Redis()
    with pytest.raises(TypeError, match="an asyncio client cannot serve a thread"):
        RedisOrigins(client)


def test_the_example_allows_what_its_command_adds_and_refuses_what_it_removes(
    server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", server.url)
    monkeypatch.delitem(sys.modules, "examples.redis_shared_origins", raising=False)
    example = importlib.import_module("examples.redis_shared_origins")
    try:
        assert simple_allowed(example.app, "https://admin.example.com")
        example.main(["add", ORIGIN])
        eventually(lambda: simple_allowed(example.app, ORIGIN), "the added origin allowed")
        example.main(["remove", ORIGIN])
        eventually(lambda: not simple_allowed(example.app, ORIGIN), "the removed origin refused")
    finally:
        example.origins.close()


def test_a_password_in_the_url_is_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="fastcors"):
        origins = RedisOrigins("redis://user:s3cret@127.0.0.1:1/0")
        try:
            eventually(lambda: "cannot load the set" in caplog.text, "the failed first load logged")
            assert "redis://user:***@127.0.0.1:1/0" in repr(origins)
            assert "s3cret" not in repr(origins) + caplog.text + origins._thread.name
        finally:
            origins.close()
