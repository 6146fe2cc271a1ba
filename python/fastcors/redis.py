"""Allowed origins kept in a Redis set and shared by every worker on every host, answered from memory.

::

    from fastcors import CORSMiddleware
    from fastcors.redis import RedisOrigins

    app = CORSMiddleware(app, allow_origin_func=RedisOrigins("redis://redis.internal:6379/0"))

    RedisOrigins("redis://redis.internal:6379/0").add("https://app.acme.example")  # everywhere, at once

The origins are the members of the Redis set ``key``. Each process keeps them in memory and answers
from there: no request waits for Redis. A daemon thread in each process (started by the
constructor, and again in a forked child) subscribes to ``channel`` and applies every change
published there (``add`` and ``remove`` change the set and publish in one transaction), reloads the
whole set on each (re)subscription, and again every ``resync_seconds``, so that a lost message
cannot keep an origin allowed.

While Redis cannot be reached, the last set loaded keeps being served for at most
``max_stale_seconds`` after the last successful contact; after that every origin it would allow is
refused, and the log says why, until Redis answers again. Before its first load it allows nothing.

Entries are read as browsers send origins (``scheme://host[:port]``, lowercase, no default port,
nothing after the host): spellings that differ only in case, a default port, a trailing ``/`` or
surrounding spaces are served as the origin they name (and logged once); anything else is logged
once and skipped, and never allows anything.

Needs redis-py: ``pip install 'fastcors[redis]'``.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import urllib.parse
import weakref
from collections.abc import Iterable
from time import monotonic
from typing import TYPE_CHECKING, Any

from fastcors._origin_set import SharedOrigins

try:
    import redis as redis_py
except ImportError as _missing:  # pragma: no cover - only without the extra
    raise ImportError(
        "fastcors.redis needs the redis package (redis-py), which is not installed: "
        "pip install 'fastcors[redis]'"
    ) from _missing

if TYPE_CHECKING:
    from redis.client import PubSub

__all__ = ["RedisOrigins"]

logger: logging.Logger = logging.getLogger("fastcors")

#: How often the listener wakes while waiting for a message, at most: how long ``close()`` waits.
_POLL_SECONDS = 0.1
#: How long ``close()`` waits for the listener, which may be inside a Redis call.
_CLOSE_WAIT_SECONDS = 5.0
#: The waits between attempts to reach Redis again, doubling from the first to the last.
_FIRST_RETRY_SECONDS = 0.05
_LAST_RETRY_SECONDS = 1.0
#: The ports browsers leave out of an Origin.
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_HOST = re.compile(r"[a-z0-9._~-]+|\[[0-9a-f:.]+\]")
#: Published on ``channel`` by ``add`` and ``remove``: ``+origin`` or ``-origin``. Any other
#: message (``PUBLISH fastcors:origins reload`` after an edit by hand) makes every process reload.
_ADDED, _REMOVED = "+", "-"
#: Malformed entries already logged, per instance: each is logged once, not at every resync.
_MOST_REPORTED = 1024


def normalized_origin(entry: str) -> str:
    """The origin ``entry`` names, as browsers send it; ``ValueError`` saying what to write instead
    when it names none (a path, a wildcard, no scheme, ``*``, ``null``, non-ASCII)."""
    text = entry.strip()
    if text in ("*", "null"):
        raise ValueError(
            f"{entry!r} is not an origin that can be listed here: a shared set lists the origins it "
            "trusts, one by one; write each as 'https://app.example.com'"
        )
    if not text.isascii() or not text.isprintable():
        raise ValueError(
            f"{entry!r} is not an origin as browsers send it: origins are ASCII, with an "
            "internationalised host in punycode; write 'https://xn--...' (idna.encode gives it)"
        )
    scheme, separator, rest = text.partition("://")
    authority, _, path = rest.partition("/")
    if "*" in text or not separator or path or "?" in rest or "#" in rest or "@" in authority:
        raise ValueError(_not_an_origin(entry))
    scheme, authority = scheme.lower(), authority.lower()
    if authority.startswith("["):
        end = authority.find("]") + 1
        host, colon, port = authority[:end], authority[end : end + 1], authority[end + 1 :]
        if end == 0 or colon not in ("", ":"):
            raise ValueError(_not_an_origin(entry))
    else:
        host, colon, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
    if not _SCHEME.fullmatch(scheme) or not _HOST.fullmatch(host) or (colon and not port.isdigit()):
        raise ValueError(_not_an_origin(entry))
    if port:
        if int(port) > 65535:
            raise ValueError(_not_an_origin(entry))
        port = str(int(port))  # as browsers write it: no leading zeros
    if port and _DEFAULT_PORTS.get(scheme) != port:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def _not_an_origin(entry: str) -> str:
    if "*" in entry:
        return (
            f"{entry!r} is not an origin: a shared set is compared exactly, so a wildcard never "
            "matches; list each origin, or write the pattern in allow_origin_patterns"
        )
    return (
        f"{entry!r} is not an origin: browsers send origins as scheme://host[:port], with nothing "
        "after the host; write one such as 'https://app.example.com'"
    )


class RedisOrigins(SharedOrigins):
    """The origins of the Redis set ``key``, kept in memory and answered from there; pass it as
    ``allow_origin_func``.

    ``url_or_client``: a ``redis://`` (``rediss://``, ``unix://``) URL, or a ``redis.Redis``
    client. ``key``: the Redis set of origins. ``channel``: where changes are announced.
    ``resync_seconds``: how often the whole set is reloaded, whatever was announced.
    ``max_stale_seconds``: how long the last set is served while Redis cannot be reached.
    """

    key: str
    channel: str
    resync_seconds: float
    max_stale_seconds: float

    def __init__(
        self,
        url_or_client: str | redis_py.Redis,
        key: str = "fastcors:origins",
        channel: str = "fastcors:origins",
        *,
        resync_seconds: float = 30.0,
        max_stale_seconds: float = 300.0,
    ) -> None:
        super().__init__()
        self._url, self._client = _connection(url_or_client)
        self.key = _name("key", key, "fastcors:origins")
        self.channel = _name("channel", channel, "fastcors:origins")
        self.max_stale_seconds = _seconds("max_stale_seconds", max_stale_seconds, 300)
        self.resync_seconds = _seconds("resync_seconds", resync_seconds, 30)
        if self.resync_seconds >= self.max_stale_seconds:
            raise ValueError(
                f"resync_seconds={resync_seconds!r} must be shorter than max_stale_seconds="
                f"{max_stale_seconds!r}, or a healthy Redis would let the set go stale between two "
                f"reloads: write resync_seconds={self.max_stale_seconds / 10:g}"
            )
        self._commands: redis_py.Redis | None = self._client
        self._reported: set[str] = set()
        #: When the set was last known to be current: a load, or a message on the subscription.
        self._last_contact = -math.inf
        self._outage_reported = False
        self._stale_reported = False
        self._start()
        _LISTENING.add(self)

    def __repr__(self) -> str:
        where = _without_password(self._url) if self._url is not None else repr(self._client)
        return f"RedisOrigins({where!r}, key={self.key!r}, channel={self.channel!r})"

    # --- Editing the set, from any process -----------------------------------------------------

    def add(self, origin: str) -> None:
        """Allows ``origin`` everywhere: adds it to the set and announces it, in one transaction.
        ``ValueError`` if it is not an origin as browsers send it."""
        normalized = _checked_origin("add", origin)
        with self._commands_client().pipeline(transaction=True) as pipe:
            pipe.sadd(self.key, normalized)
            pipe.publish(self.channel, _ADDED + normalized)
            pipe.execute()

    def remove(self, origin: str) -> None:
        """Stops allowing ``origin`` everywhere: removes it from the set, in every spelling that
        names it, and announces it, in one transaction."""
        normalized = _checked_origin("remove", origin)

        def remove_every_spelling(pipe: redis_py.client.Pipeline) -> None:
            # Watched: a member added meanwhile makes redis-py run this again.
            members: Any = pipe.smembers(self.key)
            spellings = {normalized, *(m for m in map(_text, members) if _names(m, normalized))}
            pipe.multi()
            pipe.srem(self.key, *sorted(spellings))
            pipe.publish(self.channel, _REMOVED + normalized)

        self._commands_client().transaction(remove_every_spelling, self.key)

    def close(self) -> None:
        """Stops listening, and refuses every origin from then on. Waits for the listener to stop."""
        self._stopping.set()
        _LISTENING.discard(self)
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=_CLOSE_WAIT_SECONDS)
        self._end()
        if self._client is None and self._commands is not None:
            self._commands.close()
            self._commands = None

    # --- The listener --------------------------------------------------------------------------

    def _start(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._listen, name=f"fastcors {self!r}", daemon=True)
        self._thread.start()

    def _after_fork_in_child(self) -> None:
        """A forked child has no listener (threads do not survive a fork): it starts its own, with
        fresh locks, which a thread of the parent may have held at the fork."""
        self._publishing = threading.Lock()
        self._commands = self._client
        self._start()

    def _listen(self) -> None:
        retry = _FIRST_RETRY_SECONDS
        while not self._stopping.is_set():
            try:
                self._follow()
            except Exception as error:  # every failure is an outage; none may end the listener
                if not self._outage_reported:
                    retry = _FIRST_RETRY_SECONDS  # a new outage: try again at once
                self._report_outage(error)
            self._expire_if_stale()
            if self._stopping.wait(retry):
                return
            retry = min(retry * 2, _LAST_RETRY_SECONDS)

    def _follow(self) -> None:
        """Subscribes, loads the set, then applies each announcement and reloads every
        ``resync_seconds``, until stopped or until Redis fails (which raises)."""
        client = self._client if self._client is not None else self._connect()
        pubsub: PubSub = client.pubsub()
        try:
            pubsub.subscribe(self.channel)
            # Only once the subscription is confirmed is the set read: a change made after the
            # read is then announced to this subscription, and applied on top of what was read.
            deadline = monotonic() + min(5.0, self.max_stale_seconds)
            while True:
                message = pubsub.get_message(timeout=_POLL_SECONDS)
                if message is not None and message["type"] == "subscribe":
                    break
                if monotonic() > deadline:
                    raise redis_py.TimeoutError(f"no confirmation of the subscription to {self.channel!r}")
                if self._stopping.is_set():
                    return
            self._reload(client)
            if self._outage_reported or self._stale_reported:
                logger.warning("%r: Redis answers again; the set is reloaded and served", self)
                self._outage_reported = self._stale_reported = False
            next_reload = monotonic() + self.resync_seconds
            while not self._stopping.is_set():
                wait = min(_POLL_SECONDS, max(0.0, next_reload - monotonic()))
                message = pubsub.get_message(timeout=wait)
                if message is not None and message["type"] == "message":
                    self._apply(client, _text(message["data"]))
                elif message is not None and message["type"] == "subscribe":
                    # redis-py subscribed again by itself after a dropped connection (a client
                    # made to retry on ConnectionError does): what was announced in between is
                    # lost, so the set is read again, as on every subscription.
                    self._reload(client)
                    next_reload = monotonic() + self.resync_seconds
                if monotonic() >= next_reload:
                    self._reload(client)
                    next_reload = monotonic() + self.resync_seconds
        finally:
            pubsub.close()
            if self._client is None:
                client.close()

    def _connect(self) -> redis_py.Redis:
        assert self._url is not None
        # Timeouts so that a Redis gone silent fails a reload instead of holding the listener.
        timeout = min(5.0, self.resync_seconds)
        return redis_py.Redis.from_url(self._url, socket_timeout=timeout, socket_connect_timeout=timeout)

    def _commands_client(self) -> redis_py.Redis:
        if self._commands is None:
            self._commands = self._connect()
        return self._commands

    def _reload(self, client: redis_py.Redis) -> None:
        members: Any = client.smembers(self.key)
        entries = map(self._read_entry, map(_text, members))
        self._serve({origin.encode("ascii") for origin in entries if origin is not None})

    def _apply(self, client: redis_py.Redis, message: str) -> None:
        """Applies one announcement: ``+origin`` or ``-origin``; anything else reloads the set."""
        if not message.startswith((_ADDED, _REMOVED)):
            self._reload(client)
            return
        origin = self._read_entry(message[1:])
        if origin is None:
            self._last_contact = monotonic()
            return
        raw = origin.encode("ascii")
        self._serve(self._origins | {raw} if message[0] == _ADDED else self._origins - {raw})

    def _serve(self, origins: Iterable[bytes]) -> None:
        self._last_contact = monotonic()
        self._publish(origins, self.max_stale_seconds)

    def _read_entry(self, entry: str) -> str | None:
        """The origin an entry of the set names, or ``None`` (logged once) when it names none."""
        try:
            origin = normalized_origin(entry)
        except ValueError as error:
            self._report_once(
                entry, "%r: the set %r holds %r, which is skipped: %s", self, self.key, entry, error
            )
            return None
        if origin != entry:
            self._report_once(
                entry,
                "%r: the set %r holds %r, served as %r: write %r",
                self,
                self.key,
                entry,
                origin,
                origin,
            )
        return origin

    def _report_once(self, entry: str, message: str, *arguments: object) -> None:
        if entry in self._reported or len(self._reported) >= _MOST_REPORTED:
            return
        self._reported.add(entry)
        logger.warning(message, *arguments)

    def _report_outage(self, error: Exception) -> None:
        if self._stopping.is_set():
            return
        if not self._outage_reported:
            self._outage_reported = True
            if self._last_contact == -math.inf:
                logger.error(
                    "%r: cannot load the set (%s); every origin it would allow is refused", self, error
                )
            else:
                logger.warning(
                    "%r: Redis cannot be reached (%s); the last set is served for at most "
                    "max_stale_seconds=%g, then refused",
                    self,
                    error,
                    self.max_stale_seconds,
                )

    def _expire_if_stale(self) -> None:
        if self._stale_reported or self._last_contact == -math.inf:
            return
        silent = monotonic() - self._last_contact
        if silent >= self.max_stale_seconds:
            self._stale_reported = True
            self._expire()
            logger.error(
                "%r: no answer from Redis for %.1f s, more than max_stale_seconds=%g: every origin "
                "of the set is refused until Redis answers again",
                self,
                silent,
                self.max_stale_seconds,
            )


def _connection(url_or_client: object) -> tuple[str | None, redis_py.Redis | None]:
    if isinstance(url_or_client, str):
        if not url_or_client.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"url_or_client={_without_password(url_or_client)!r} is not a Redis URL: write one such as "
                "'redis://127.0.0.1:6379/0' (or rediss://, unix://), or pass a redis.Redis client"
            )
        try:
            redis_py.Redis.from_url(url_or_client).close()  # parses it; connects to nothing
        except ValueError as error:
            raise ValueError(
                f"url_or_client={_without_password(url_or_client)!r} is not a Redis URL ({error}): write "
                "one such as 'redis://127.0.0.1:6379/0'"
            ) from None
        return url_or_client, None
    if isinstance(url_or_client, redis_py.Redis):
        return None, url_or_client
    raise TypeError(
        f"url_or_client must be a Redis URL or a redis.Redis client, not {url_or_client!r}: "
        "RedisOrigins runs its own thread, so pass the URL, such as 'redis://127.0.0.1:6379/0'"
        + (
            " (an asyncio client cannot serve a thread)"
            if "asyncio" in type(url_or_client).__module__
            else ""
        )
    )


def _without_password(url: str) -> str:
    """``url`` as logs may show it: a password in it is masked."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return "<a URL that cannot be parsed>"
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _name(option: str, value: object, example: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"{option} must be a non-empty str, the name of a Redis key, not {value!r}; "
            f"write {option}={example!r}"
        )
    return value


def _seconds(option: str, value: object, example: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(
            f"{option} must be a positive number of seconds, not {value!r}; write {option}={example}"
        )
    return float(value)


def _checked_origin(method: str, origin: object) -> str:
    if not isinstance(origin, str):
        raise TypeError(
            f"RedisOrigins.{method} takes an origin str, such as 'https://app.example.com', not {origin!r}"
        )
    try:
        return normalized_origin(origin)
    except ValueError as error:
        raise ValueError(f"RedisOrigins.{method}: {error}") from None


def _names(entry: str, origin: str) -> bool:
    try:
        return normalized_origin(entry) == origin
    except ValueError:
        return False


def _text(value: object) -> str:
    """A value read from Redis: ``bytes``, or ``str`` from a client that decodes responses."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


#: Every instance still listening, so that a forked child restarts their listeners.
_LISTENING: weakref.WeakSet[RedisOrigins] = weakref.WeakSet()


def _restart_listeners_after_fork() -> None:
    for origins in list(_LISTENING):
        origins._after_fork_in_child()


os.register_at_fork(after_in_child=_restart_listeners_after_fork)
