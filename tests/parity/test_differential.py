"""Differential tests: ``fastcors.CORSMiddleware`` against Starlette 1.10.0's own class.

Hypothesis draws a configuration (explicit origins, a 1,000-origin list, ``*``, bare strings where
lists are expected, safe origin regexes, every kind of method and header option, credentials,
exposed headers, ``max_age``, private network access), a request (any number of ``Origin``
headers, non-UTF-8 bytes, ``null``, preflights with every kind of ``Access-Control-Request-*``
value, odd methods, header names in odd case that must not be seen) and an inner app (existing
``Vary`` and ``Access-Control-*`` headers, a start message without ``headers`` or with a tuple,
streamed bodies, trailers, exceptions before or after the start, nothing sent at all). Both
middlewares are called directly with raw ASGI scopes, each with its own deep copy, and everything
observable is recorded and compared: the messages sent downstream (copied when sent), whether the
app ran, the scope it received, what the caller's scope looks like afterwards, what the app's own
messages look like after they were sent, and the exception that propagated.

Requests are drawn with the configuration in view, so that many of them are allowed, or nearly.
Starlette also keeps the very collections it was given and asks ``in`` of them on every request;
a few fixed cases check that options changed after start-up, or with their own ``__contains__``,
are honoured alike.

The expected values all come from Starlette: nothing here is hard-coded. The number of examples of
the main test is ``FASTCORS_DIFFERENTIAL_EXAMPLES`` (default 1500, per core); the other property
tests run a third of it. ``--hypothesis-show-statistics`` shows which paths the examples reached.
"""

from __future__ import annotations

import copy
import os
import re
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

import fastcors
from tests.asgi import ok_app, run_to_completion

#: Starlette accepts these configurations, good or bad, and so must fastcors: the checks' warnings
#: are beside the point here (tests/spec/test_config_checks.py covers them).
pytestmark = pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning")

Message = dict[str, Any]
Scope = dict[str, Any]
Header = tuple[bytes, bytes]
MiddlewareClass = Callable[..., Any]

EXAMPLES = int(os.environ.get("FASTCORS_DIFFERENTIAL_EXAMPLES", "1500"))

settings.register_profile(
    "fastcors-differential",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    # The `implementation` fixture switches the core once per test, not per example, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DIFFERENTIAL = settings.get_profile("fastcors-differential")
SECONDARY = settings(DIFFERENTIAL, max_examples=max(1, EXAMPLES // 3))


# --- Configurations -------------------------------------------------------------------------------

THOUSAND_ORIGINS = [f"https://app{i}.example.net" for i in range(1000)]

ORIGIN_OPTIONS = [
    "https://example.org",
    "https://example.com",
    "http://example.org",
    "https://sub.example.org",
    "http://localhost:8000",
    "https://api.trusted.com",
    "https://bücher.de",  # latin-1: matches the request bytes b"https://b\xfccher.de"
    "https://例え.jp",  # not latin-1: no request can carry it
    "HTTPS://EXAMPLE.ORG",
    "https://example.org/",
    "null",
    "",
    "*",
]

METHOD_OPTIONS = [
    "GET",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    "QUERY",
    "PURGE",
    "MKCOL",
    "get",
    "post",
    "*",
    "",
    " GET",
    "GÉT",
]

HEADER_OPTIONS = [
    "X-Example",
    "x-example",
    "Content-Type",
    "content-type",
    "Accept",
    "Authorization",
    "X-Requested-With",
    "X-Custom-Header",
    "x_underscore",
    "X-Été",
    " x-pad ",
    "",
    "*",
]

EXPOSE_OPTIONS = ["X-Status", "X-Other", "Content-Length", "X-Été", ""]

#: Simple, linear patterns only; several exercise what Python's ``re`` means by ``\w``, ``\s``,
#: ``\b``, ``(?i)``, ``$`` and non-ASCII classes on latin-1 text, and a few need Python's engine.
SAFE_REGEXES = [
    r"https://.*",
    r".*",
    r"",
    r"https://.*\.example\.org",
    r"https://.*\.example.org",
    r"null|https://.*",
    r"https://[a-z0-9-]+\.example\.(org|com)",
    r"https://(?:sub|api)\.example\.org",
    r"https://[^.]+\.example\.org",
    r"https://example\.org|https://example\.com",
    r"https://example\.org/?",
    r"^https://(www\.)?example\.org$",
    r"https://example\.org$",
    r"\Ahttps://example\.org\Z",
    r"http://localhost:\d+",
    r"http://localhost:[0-9]{2,5}",
    r"https://app\d+\.example\.net",
    r"https://\w+\.example\.org",
    r"https://\S+",
    r"https://.+",
    r"https://\Dxample\.org",
    r"\s*https://example\.org\s*",
    r"(?i)https://example\.org",
    r"(?i)https://café\.fr",
    r"(?s)https://.*",
    r"https://b[üu]cher\.de",
    r"https://[\x80-\xff]+\.de",
    r"https://[^\x00-\x7f]+\.de",
    r"https://caf\b.*",
    r"https://a{,3}\.org",
    r"https://.*\.trusted\.com",
    r"[\x00-\xff]*",
    r"https://(\w+)\.\1\.org",
    r"https://(?!evil).*",
    r"https://例え\.jp|https://example\.org",
    r"https://[a-z\xe9例]+\.org",
    r"(?a)https://\w+\.org",
    r"(?x) https:// example \. org  # a comment",
    r"https://(?P<sub>\w+)\.example\.org",
    r"https://caf\u00e9\.fr",
    r"https://caf\351\.fr",
    r"https://caf\B.*",
    r"(?m)https://example\.org$",
    r"https://\w+\.org",
    r"https://\d+\.org",
    r"https://[^\W\d_]+\.org",
    r"https://\W+\.org",
]
if sys.version_info >= (3, 11):  # possessive quantifiers and atomic groups are new in 3.11's re
    SAFE_REGEXES += [r"https://\w*+\.org", r"https://(?>\w+)\.org"]
#: Compiled patterns: Starlette's ``re.compile`` returns them as they are, flags included.
COMPILED_REGEXES = [
    re.compile(r"https://example\.org", re.IGNORECASE),
    re.compile(r"https://\w+\.org", re.ASCII),
    re.compile(r"https://caf\xe9\.fr", re.IGNORECASE),
    re.compile(r"(?s)https://.*"),
]


class OwnMembership(list[str]):
    """A collection with its own ``in``, as people write to allow every subdomain with Starlette.

    Starlette asks it on every request; it records each question, so that the two middlewares
    can be seen to ask the same questions in the same order.
    """

    def __init__(self, items: Iterable[str] = ()) -> None:
        super().__init__(items)
        self.asked: list[object] = []

    def __contains__(self, item: object) -> bool:
        self.asked.append(item)
        if list.__contains__(self, item):
            return True
        return isinstance(item, str) and item.startswith("https://") and item.endswith(".example.org")


class IteratesOtherwise(list[str]):
    """A list whose ``in`` is the built-in one but whose iteration yields something else: only
    its ``in`` may decide."""

    def __iter__(self) -> Iterator[str]:
        return iter(["https://evil.com", "PURGE", "x-nope"])


class CaseInsensitive(str):
    """An item that compares equal to any spelling of itself."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.lower() == other.lower()

    def __hash__(self) -> int:
        return hash(self.lower())


def option_list(options: list[str], max_size: int = 5) -> st.SearchStrategy[Any]:
    """What Starlette's ``Collection[str]`` takes: built-in containers, a dict or its keys, a deque,
    containers with their own ``in`` or their own iteration, items that are ``str`` subclasses."""
    items = st.lists(st.sampled_from(options), max_size=max_size)
    return st.one_of(
        items,
        items.map(tuple),
        items.map(frozenset),
        items.map(set),
        items.map(deque),
        items.map(OwnMembership),
        items.map(IteratesOtherwise),
        items.map(dict.fromkeys),
        items.map(lambda values: dict.fromkeys(values).keys()),
        items.map(lambda values: [CaseInsensitive(value) for value in values]),
    )


allow_origins_strategy = st.one_of(
    option_list(ORIGIN_OPTIONS),
    st.just(THOUSAND_ORIGINS),
    st.lists(st.sampled_from(ORIGIN_OPTIONS), max_size=3).map(lambda extra: THOUSAND_ORIGINS + extra),
    # A bare string where a list was expected: membership becomes a substring test.
    st.sampled_from(["*", "https://example.org", "https://example.org https://example.com", ""]),
)
allow_methods_strategy = st.one_of(
    option_list(METHOD_OPTIONS), st.sampled_from(["GET", "GET, POST", "*", "", "PURGE"])
)
allow_headers_strategy = st.one_of(
    option_list(HEADER_OPTIONS), st.sampled_from(["X-Example", "*", "x-example, content-type", ""])
)
expose_headers_strategy = st.one_of(option_list(EXPOSE_OPTIONS, 3), st.sampled_from(["X-Status", ""]))
max_age_strategy = st.one_of(st.sampled_from([600, 0, -1, 7200, 10**20]), st.integers(-(10**6), 10**6))

OMIT = object()


def maybe(strategy: st.SearchStrategy[Any], weight: int = 1) -> st.SearchStrategy[Any]:
    """The option's value, ``weight`` times as often as leaving it out (for the default)."""
    return st.one_of(st.just(OMIT), *([strategy] * weight))


#: Every option may be left out, to use the default; origins are rarely left out, since the
#: default allows none.
config_strategy = st.fixed_dictionaries(
    {
        "allow_origins": maybe(allow_origins_strategy, 3),
        "allow_methods": maybe(allow_methods_strategy),
        "allow_headers": maybe(allow_headers_strategy, 2),
        "allow_credentials": maybe(st.booleans()),
        "allow_origin_regex": maybe(st.sampled_from([*SAFE_REGEXES, *COMPILED_REGEXES])),
        "allow_private_network": maybe(st.booleans()),
        "expose_headers": maybe(expose_headers_strategy),
        "max_age": maybe(max_age_strategy),
    }
).map(lambda options: {name: value for name, value in options.items() if value is not OMIT})


# --- ASGI names: the strings Starlette compares ---------------------------------------------------
# Starlette asks `scope["type"] != "http"`, `method == "OPTIONS"` and
# `message["type"] != "http.response.start"`. A `str` subclass may answer `==` and `!=` apart.


class SubclassName(str):
    """A ``str`` subclass compared by its text."""

    __slots__ = ()


class EagerName(str):
    """Equal to anything by ``==``; ``!=`` is still ``str``'s, by the text."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


class ContraryName(str):
    """Different from nothing by ``!=``; ``==`` is still ``str``'s, by the text."""

    __slots__ = ()

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


def built(name: str) -> str:
    """The same text in a new string, as a server that decodes it makes (not the interned one)."""
    return "".join(list(name))


#: How a name is spelled: mostly as the literal.
NAME_SPELLINGS: list[Callable[[str], str]] = [str, str, str, built, SubclassName, EagerName, ContraryName]


def spelled(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(NAME_SPELLINGS).map(lambda spell: spell(name))


#: A scope ``type`` Starlette serves as HTTP, spelled in every way; ``ContraryName("websocket")``
#: is not different from ``"http"``, for `!=`.
HTTP_TYPE = st.one_of(spelled("http"), st.just(ContraryName("websocket")))


def starts_response(message: Message) -> bool:
    """Starlette's own test of a response start."""
    return not message["type"] != "http.response.start"  # noqa: SIM202


# --- Requests -------------------------------------------------------------------------------------

ORIGIN_VALUES = [
    b"https://example.org",
    b"https://example.com",
    b"http://example.org",
    b"https://sub.example.org",
    b"https://api.example.org",
    b"https://subdomain.example.org.hacker.com",
    b"https://x.org.evil.com",
    b"https://evil.com",
    b"https://api.trusted.com",
    b"null",
    b"",
    b"*",
    b"https://EXAMPLE.org",
    b"HTTPS://EXAMPLE.ORG",
    b"https://example.org/",
    b"https://example.org:443",
    b"http://localhost:8000",
    b"http://localhost:",
    b"https://b\xfccher.de",
    b"https://b\xc3\xbccher.de",
    b"https://caf\xe9.fr",
    b"https://CAF\xc9.fr",
    b"https://caf\xc3\xa9.fr",
    b"https://\xff\xfe.org",
    b"https://\xe9\xe9.example.org",
    b"https://x\xb2.example.org",
    b"https://\xe9\xfc.de",
    b"https://caf.fr",
    b"https://caf\xe9",
    b"https://caf\xb2",
    b"https://caf\xe9.org",
    b"https://cafe.org",
    b"https://\xaa\xba\xb5.org",
    b"https://\xb2.org",
    b"https://\xd7\xf7.org",
    b"https://42.org",
    b"\xc0\xc9",
    b"https://" + b"a" * 5000 + b".example.org",
    b"https://a_b.example.org",
    b"https://aaa.org",
    b"https://www.www.org",
    b" https://example.org",
    b"https://example.org ",
    b"\x1chttps://example.org\xa0",
    b"https://example.org\n",
    b"https://example.org\nevil",
    b"https://app7.example.net",
    b"https://app999.example.net",
    b"https://app1000.example.net",
    b"https",
    b"example",
    b"https://example.org https://example.com",
]

origin_value = st.one_of(
    st.sampled_from(ORIGIN_VALUES),
    st.binary(max_size=24),
    st.text(alphabet="htps:/.exampleorgcmn-0123456789", max_size=30).map(str.encode),
)

REQUESTED_METHODS = [
    b"GET",
    b"POST",
    b"PUT",
    b"DELETE",
    b"PATCH",
    b"HEAD",
    b"OPTIONS",
    b"QUERY",
    b"PURGE",
    b"MKCOL",
    b"get",
    b"",
    b" GET",
    b"GET ",
    b"G",
    b"ET",
    b"GET, POST",
    b"*",
    b"\xff",
    b"G\xc9T",
]
requested_method_value = st.one_of(st.sampled_from(REQUESTED_METHODS), st.binary(max_size=8))

HEADER_NAME_TOKENS = [
    b"x-example",
    b"X-Example",
    b"X-EXAMPLE",
    b"content-type",
    b"Content-Type",
    b"accept",
    b"Accept-Language",
    b"x-nope",
    b"authorization",
    b"x-custom-header",
    b"x-requested-with",
    b"x_underscore",
    b"x-pad",
    b"X-\xc9t\xe9",
    b"x-\xe9t\xe9",
    b"*",
    b"",
]
PADDING = [b"", b"", b" ", b"  ", b"\t", b"\xa0", b"\x85", b"\x0b", b"\x1c", b"\r"]
MANY_HEADER_NAMES = [
    b",".join(b"x-h%d" % i for i in range(200)),
    b", ".join([b"x-example"] * 200),
    b",".join([b"X-Example", b"content-type"] * 100),
]


@st.composite
def requested_headers_value(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["list", "list", "list", "many", "raw"]))
    if kind == "many":
        return draw(st.sampled_from(MANY_HEADER_NAMES))
    if kind == "raw":
        return draw(st.binary(max_size=30))
    items = []
    for name in draw(st.lists(st.sampled_from(HEADER_NAME_TOKENS), min_size=1, max_size=5)):
        items.append(draw(st.sampled_from(PADDING)) + name + draw(st.sampled_from(PADDING)))
    value = b",".join(items)
    if draw(st.booleans()):
        value += b","
    return value


@dataclass(frozen=True)
class Request:
    method: str
    headers: tuple[Header, ...]
    headers_as_tuple: bool
    #: ASGI allows any two-item iterable as a header pair.
    pairs_as_lists: bool = False
    type_name: str = "http"
    path: str = "/some/path"

    def scope(self) -> Scope:
        headers: list[Any] = [
            [name, value] if self.pairs_as_lists else (name, value) for name, value in self.headers
        ]
        return {
            "type": self.type_name,
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "https",
            "path": self.path,
            "raw_path": self.path.encode("utf-8", "surrogatepass"),
            "query_string": b"a=1",
            "root_path": "",
            "headers": tuple(headers) if self.headers_as_tuple else headers,
            "client": ("127.0.0.1", 51000),
            "server": ("testserver", 443),
            "extensions": {},
            "state": {},
        }


ODD_CASE_NAMES = [
    b"Origin",
    b"ORIGIN",
    b"Access-Control-Request-Method",
    b"access-control-request-METHOD",
    b"Access-Control-Request-Headers",
    b"Access-Control-Request-Private-Network",
]
OTHER_HEADERS = [
    (b"host", b"testserver"),
    (b"user-agent", b"hypothesis"),
    (b"accept", b"*/*"),
    (b"cookie", b"session=abc"),
    (b"authorization", b"Bearer token"),
    (b"content-type", b"application/json"),
    (b"vary", b"Accept"),
    (b"access-control-allow-origin", b"https://example.org"),
]


SAFELISTED = ["Accept", "Accept-Language", "Content-Language", "Content-Type"]
STARLETTE_ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"]


def latin1_members(option: Any) -> list[bytes]:
    """The configured values a request can carry, and for a bare string some of its substrings."""
    if isinstance(option, str):
        text = option
        pieces = [text, text[: len(text) // 2], text[len(text) // 2 :], text[1:3]]
    else:
        pieces = list(option)
    return [piece.encode("latin-1") for piece in pieces if all(ord(c) < 256 for c in piece)]


def near_misses(value: bytes) -> list[bytes]:
    """Values that differ from ``value`` in the ways a careless matcher might overlook."""
    return [
        value.upper(),
        value.lower(),
        value.swapcase(),
        value + b"/",
        value + b" ",
        b" " + value,
        value[:-1],
        value[1:],
        value + b"x",
        b"x" + value,
        value + value,
        value.replace(b"https://", b"http://"),
        value + b":443",
        value + b"\n",
    ]


def listed_or_near(listed: list[bytes]) -> st.SearchStrategy[bytes]:
    exact = st.sampled_from(listed)
    return st.one_of(exact, exact, exact.flatmap(lambda value: st.sampled_from(near_misses(value))))


def configured_origin(options: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """An origin the configuration lists (or nearly), more often than not, or any origin at all."""
    listed = latin1_members(options.get("allow_origins", ()))
    if not listed:
        return origin_value
    return st.one_of(listed_or_near(listed), listed_or_near(listed), origin_value)


def configured_method(options: dict[str, Any]) -> st.SearchStrategy[bytes]:
    methods = options.get("allow_methods", ("GET",))
    listed = latin1_members(STARLETTE_ALL_METHODS if "*" in methods else methods)
    if not listed:
        return requested_method_value
    return st.one_of(listed_or_near(listed), listed_or_near(listed), requested_method_value)


@st.composite
def configured_headers(draw: st.DrawFn, options: dict[str, Any]) -> bytes:
    """A list of header names the configuration allows, in any case, spacing and order."""
    allowed = options.get("allow_headers", ())
    names = [*SAFELISTED, *(allowed if not isinstance(allowed, str) else [allowed, *allowed])]
    names = [name for name in names if all(ord(c) < 256 for c in name)]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
    items = []
    for name in chosen:
        spelled = draw(st.sampled_from([name, name, name.lower(), name.upper()]))
        padded = draw(st.sampled_from(["", "", "", " "])) + spelled + draw(st.sampled_from(["", "", " "]))
        items.append(padded.encode("latin-1"))
    separator = draw(st.sampled_from([b",", b", ", b", "]))
    return separator.join(items)


def any_requested_headers(options: dict[str, Any]) -> st.SearchStrategy[bytes]:
    return st.one_of(configured_headers(options), configured_headers(options), requested_headers_value())


@st.composite
def request_strategy(draw: st.DrawFn, options: dict[str, Any]) -> Request:
    method = draw(
        st.one_of(
            st.just("OPTIONS"),
            st.sampled_from(
                ["GET", "POST", "PUT", "HEAD", "DELETE", "QUERY", "PURGE", "options", "Options", ""]
            ),
        ).flatmap(spelled)
    )
    headers: list[Header] = []
    origin_count = draw(st.sampled_from([0, 1, 1, 1, 1, 2]))
    headers += [(b"origin", draw(configured_origin(options))) for _ in range(origin_count)]
    method_count = draw(st.sampled_from([0, 1, 1, 1, 2]))
    headers += [
        (b"access-control-request-method", draw(configured_method(options))) for _ in range(method_count)
    ]
    headers_count = draw(st.sampled_from([0, 0, 1, 1, 2]))
    headers += [
        (b"access-control-request-headers", draw(any_requested_headers(options)))
        for _ in range(headers_count)
    ]
    if draw(st.integers(0, 3)) == 0:
        private_network = st.sampled_from([b"true", b"", b"false"])
        headers.append((b"access-control-request-private-network", draw(private_network)))
    odd = st.tuples(
        st.sampled_from(ODD_CASE_NAMES), st.sampled_from([b"https://example.org", b"GET", b"true"])
    )
    headers += draw(st.lists(odd, max_size=2))
    headers += draw(st.lists(st.sampled_from(OTHER_HEADERS), max_size=3))
    ordered = draw(st.permutations(headers))
    return Request(
        method=method,
        headers=tuple(ordered),
        headers_as_tuple=draw(st.integers(0, 4)) == 0,
        pairs_as_lists=draw(st.integers(0, 6)) == 0,
        type_name=draw(HTTP_TYPE),
    )


@st.composite
def case_strategy(draw: st.DrawFn) -> tuple[dict[str, Any], Request]:
    """A configuration, and a request that is often, but not always, one it allows."""
    options = draw(config_strategy)
    return options, draw(request_strategy(options))


# --- Inner apps -----------------------------------------------------------------------------------


class AppFailed(Exception):
    """Raised by the inner app."""


class DownstreamFailed(Exception):
    """Raised by the server's ``send``, as when a client has gone away."""


RESPONSE_HEADER_NAMES = [
    b"vary",
    b"vary",
    b"Vary",
    b"VARY",
    b"access-control-allow-origin",
    b"Access-Control-Allow-Origin",
    b"access-control-allow-credentials",
    b"access-control-expose-headers",
    b"access-control-allow-methods",
    b"content-type",
    b"content-length",
    b"set-cookie",
    b"x-custom",
]
RESPONSE_HEADER_VALUES = [
    b"Accept-Encoding",
    b"Origin",
    b"Cookie, Accept",
    b"*",
    b"",
    b"true",
    b"https://elsewhere.example",
    b"\xff\xfe latin-1 \xe9",
    b"text/plain",
]


@dataclass(frozen=True)
class AppPlan:
    """What the inner app sends, and where it raises (after ``raise_after`` messages, if set)."""

    messages: tuple[Message, ...]
    raise_after: int | None
    #: Whether each header pair of the start message is a list rather than a tuple.
    list_pairs: bool = False
    receive_first: bool = False
    fail_downstream_at: int | None = None


@st.composite
def start_message(draw: st.DrawFn) -> Message:
    # Every spelling is a start to Starlette, and so is a name not different from it.
    kind = draw(st.one_of(spelled("http.response.start"), st.just(ContraryName("http.response.body"))))
    message: Message = {
        "type": kind,
        "status": draw(st.sampled_from([200, 201, 204, 301, 304, 400, 404, 500])),
    }
    container = draw(st.sampled_from(["list", "list", "list", "tuple", "missing"]))
    if container != "missing":
        pairs = draw(
            st.lists(
                st.tuples(st.sampled_from(RESPONSE_HEADER_NAMES), st.sampled_from(RESPONSE_HEADER_VALUES)),
                max_size=6,
            )
        )
        message["headers"] = tuple(pairs) if container == "tuple" else pairs
    if draw(st.integers(0, 5)) == 0:
        message["trailers"] = True
    return message


@st.composite
def app_plan_strategy(draw: st.DrawFn) -> AppPlan:
    messages: list[Message] = []
    if draw(st.integers(0, 7)) != 0:
        messages.append(draw(start_message()))
        chunks = draw(st.lists(st.binary(max_size=8), min_size=0, max_size=3))
        for index, chunk in enumerate(chunks):
            body: Message = {"type": "http.response.body", "body": chunk}
            last = index == len(chunks) - 1
            if not last or draw(st.booleans()):
                body["more_body"] = not last
            messages.append(body)
        if draw(st.integers(0, 6)) == 0:
            trailers = [(b"vary", b"Trailer"), (b"x-checksum", b"abc")]
            messages.append({"type": "http.response.trailers", "headers": trailers, "more_trailers": False})
    raise_after = draw(st.one_of(st.none(), st.none(), st.integers(0, len(messages))))
    fail_downstream_at = draw(st.one_of(st.none(), st.none(), st.none(), st.integers(0, 2)))
    return AppPlan(
        messages=tuple(messages),
        raise_after=raise_after,
        list_pairs=draw(st.integers(0, 5)) == 0,
        receive_first=draw(st.booleans()),
        fail_downstream_at=fail_downstream_at,
    )


# --- Running a middleware and recording everything observable ----------------------------------


@dataclass
class Outcome:
    constructed: bool = True
    construction_error: type[BaseException] | None = None
    messages: list[Message] = field(default_factory=list)
    app_ran: bool = False
    app_scope: Scope | None = None
    app_got_callers_scope: bool | None = None
    app_got_callers_receive: bool | None = None
    app_messages_after_send: list[Message] = field(default_factory=list)
    scope_after: Scope | None = None
    error: tuple[type[BaseException], tuple[Any, ...], str] | None = None
    #: What each ``OwnMembership`` option was asked, in order.
    asked: dict[str, list[object]] = field(default_factory=dict)


#: The ways users shape the middleware besides its options: a deny-list added by subclassing, by a
#: mixin, by patching the class (before or after construction) or the instance.
SHAPES = ["plain", "subclass", "mixin", "class-patched-before", "class-patched-after", "instance-patched"]
DENIED_ORIGIN = "https://example.org"


def deny_listing(original: Callable[..., Any]) -> Callable[..., Any]:
    def is_allowed_origin(self: Any, origin: str) -> Any:
        return origin != DENIED_ORIGIN and original(self, origin)

    return is_allowed_origin


class DenyListMixin:
    def is_allowed_origin(self, origin: str) -> Any:
        return origin != DENIED_ORIGIN and super().is_allowed_origin(origin)  # type: ignore[misc]


def build(middleware_class: Any, shape: str, app: Any, options: dict[str, Any]) -> Any:
    """``middleware_class(app, **options)``, shaped as ``shape`` says."""
    if shape == "plain":
        return middleware_class(app, **options)
    if shape == "mixin":
        return type("Custom", (DenyListMixin, middleware_class), {})(app, **options)
    original = middleware_class.is_allowed_origin
    namespace = {"is_allowed_origin": deny_listing(original)} if shape == "subclass" else {}
    cls: Any = type("Custom", (middleware_class,), namespace)
    if shape == "class-patched-before":
        cls.is_allowed_origin = deny_listing(original)
    middleware = cls(app, **options)
    if shape == "class-patched-after":
        cls.is_allowed_origin = deny_listing(original)
    elif shape == "instance-patched":
        bound = middleware.is_allowed_origin
        middleware.is_allowed_origin = lambda origin: origin != DENIED_ORIGIN and bound(origin)
    return middleware


def run(
    middleware_class: MiddlewareClass,
    options: dict[str, Any],
    request: Request,
    plan: AppPlan,
    shape: str = "plain",
) -> Outcome:
    outcome = Outcome()
    scope = request.scope()
    app_error = AppFailed("the app failed", 42)
    downstream_error = DownstreamFailed("the client went away")
    downstream_calls = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def downstream(message: Message) -> None:
        nonlocal downstream_calls
        outcome.messages.append(copy.deepcopy(message))
        downstream_calls += 1
        if plan.fail_downstream_at is not None and downstream_calls > plan.fail_downstream_at:
            raise downstream_error

    async def app(app_scope: Scope, app_receive: Callable[[], Awaitable[Message]], send: Any) -> None:
        outcome.app_ran = True
        outcome.app_scope = copy.deepcopy(app_scope)
        outcome.app_got_callers_scope = app_scope is scope
        outcome.app_got_callers_receive = app_receive is receive
        if plan.receive_first:
            await app_receive()
        for index, planned in enumerate(plan.messages):
            if plan.raise_after == index:
                raise app_error
            message = copy.deepcopy(planned)
            if plan.list_pairs and starts_response(message) and "headers" in message:
                message["headers"] = [list(pair) for pair in message["headers"]]
            await send(message)
            outcome.app_messages_after_send.append(copy.deepcopy(message))
        if plan.raise_after == len(plan.messages):
            raise app_error

    try:
        middleware = build(middleware_class, shape, app, options)
    except Exception as error:
        return Outcome(constructed=False, construction_error=type(error))
    try:
        run_to_completion(middleware(scope, receive, downstream))
    except Exception as error:
        source = "app" if error is app_error else "downstream" if error is downstream_error else "other"
        outcome.error = (type(error), error.args, source)
    outcome.scope_after = copy.deepcopy(scope)
    return outcome


def run_with_own_options(
    middleware_class: MiddlewareClass, options: dict[str, Any], request: Request, plan: AppPlan, shape: str
) -> Outcome:
    """``run``, with fresh copies of the options that record what they are asked."""
    own = {
        name: copy.deepcopy(value) if isinstance(value, OwnMembership) else value
        for name, value in options.items()
    }
    outcome = run(middleware_class, own, request, plan, shape)
    outcome.asked = {name: value.asked for name, value in own.items() if isinstance(value, OwnMembership)}
    return outcome


def assert_same_as_starlette(
    options: dict[str, Any], request: Request, plan: AppPlan, shape: str = "plain"
) -> None:
    expected = run_with_own_options(StarletteCORSMiddleware, options, request, plan, shape)
    actual = run_with_own_options(fastcors.CORSMiddleware, options, request, plan, shape)
    assert actual == expected
    event(f"shaped: {shape}")
    for label in describe(expected):
        event(label)
    if any(expected.asked.values()):
        event("an option with its own membership was asked")


def describe(outcome: Outcome) -> list[str]:
    """Labels for ``--hypothesis-show-statistics``, to see which paths the examples reach."""
    labels = ["app ran" if outcome.app_ran else "answered by the middleware"]
    if outcome.error is not None:
        labels.append(f"{outcome.error[2]} raised")
    for message in outcome.messages:
        if starts_response(message):
            if not outcome.app_ran:
                labels.append(f"preflight {message['status']}")
            names = [name for name, _ in message.get("headers", [])]
            if b"access-control-allow-origin" in names:
                labels.append("sent access-control-allow-origin")
            break
    return labels


# --- The tests ------------------------------------------------------------------------------------


@DIFFERENTIAL
@given(case=case_strategy(), plan=app_plan_strategy(), shape=st.sampled_from(SHAPES))
def test_same_messages_scope_and_errors_as_starlette(
    case: tuple[dict[str, Any], Request], plan: AppPlan, shape: str
) -> None:
    options, request = case
    assert_same_as_starlette(options, request, plan, shape)


@st.composite
def preflight_strategy(draw: st.DrawFn) -> tuple[dict[str, Any], Request]:
    options = draw(config_strategy)
    headers = [(b"origin", draw(configured_origin(options))) for _ in range(draw(st.sampled_from([1, 1, 2])))]
    headers.append((b"access-control-request-method", draw(configured_method(options))))
    if draw(st.booleans()):
        headers.append((b"access-control-request-headers", draw(any_requested_headers(options))))
    private_network = draw(st.sampled_from([None, None, b"true", b""]))
    if private_network is not None:
        headers.append((b"access-control-request-private-network", private_network))
    return options, Request(
        method="OPTIONS", headers=tuple(draw(st.permutations(headers))), headers_as_tuple=False
    )


@SECONDARY
@given(case=preflight_strategy(), shape=st.sampled_from(SHAPES))
def test_same_preflight_answers_as_starlette(case: tuple[dict[str, Any], Request], shape: str) -> None:
    """Preflights only: every request here is answered by the middleware itself."""
    options, request = case
    assert_same_as_starlette(options, request, AppPlan(messages=(), raise_after=None), shape)


@SECONDARY
@given(options=config_strategy, origin=origin_value, start=start_message(), list_pairs=st.booleans())
def test_same_response_headers_as_starlette(
    options: dict[str, Any], origin: bytes, start: Message, list_pairs: bool
) -> None:
    """Simple requests only, with one origin: how the app's start message is edited."""
    request = Request(method="GET", headers=((b"origin", origin),), headers_as_tuple=False)
    body: Message = {"type": "http.response.body", "body": b"x"}
    plan = AppPlan(messages=(start, body), raise_after=None, list_pairs=list_pairs)
    assert_same_as_starlette(options, request, plan)


@SECONDARY
@given(options=config_strategy, origin=origin_value)
def test_same_origin_decisions_and_attributes_as_starlette(options: dict[str, Any], origin: bytes) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("never called")  # pragma: no cover

    expected = StarletteCORSMiddleware(app, **options)
    actual = fastcors.CORSMiddleware(app, **options)
    text = origin.decode("latin-1")
    assert actual.is_allowed_origin(text) == expected.is_allowed_origin(text)
    for name, value in vars(expected).items():
        if name == "app":
            assert actual.app is app
        elif isinstance(value, re.Pattern):
            actual_pattern = getattr(actual, name)
            assert (actual_pattern.pattern, actual_pattern.flags) == (value.pattern, value.flags)
        else:
            assert getattr(actual, name) == value, name


#: Subclasses that make an option attribute live, or override a method Starlette calls on itself:
#: Starlette obeys them on every request, fastcors refuses them when the class is created.
REFUSED_OVERRIDES = [
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
    "preflight_response",
    "simple_response",
    "send",
    "allow_explicit_origin",
]


@SECONDARY
@given(
    name=st.sampled_from(REFUSED_OVERRIDES),
    through_mixin=st.booleans(),
    value=st.sampled_from([property(lambda self: ()), lambda self, *args: None, ()]),
)
def test_overrides_fastcors_cannot_obey_are_refused_at_class_creation_and_construction(
    name: str, through_mixin: bool, value: Any
) -> None:
    namespace = {name: value}
    bases: tuple[type, ...] = (fastcors.CORSMiddleware,)
    if through_mixin:
        bases = (type("Mixin", (), namespace), *bases)
        namespace = {}
    with pytest.raises(TypeError, match=rf"overrides {name}, which Starlette's CORSMiddleware"):
        type("Custom", bases, namespace)
    cls = fastcors.CORSMiddleware
    saved = vars(cls).get(name, saved_nothing := object())
    setattr(cls, name, value)
    try:
        with pytest.raises(TypeError, match=rf"overrides {name}, which Starlette's CORSMiddleware"):
            cls(ok_app())
    finally:
        if saved is saved_nothing:
            delattr(cls, name)
        else:
            setattr(cls, name, saved)


@dataclass
class PassThrough:
    scope_is_callers: bool = False
    receive_is_callers: bool = False
    send_is_callers: bool = False
    messages: list[Message] = field(default_factory=list)
    scope_after: Scope | None = None


NON_HTTP_SCOPES: list[Scope] = [
    {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
    {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "path": "/ws",
        "headers": [(b"origin", b"https://evil.example"), (b"access-control-request-method", b"GET")],
        "subprotocols": [],
    },
    {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "path": "/ws",
        "headers": ((b"origin", b"https://example.org"),),
        "subprotocols": ["chat"],
    },
    {"type": "webtransport", "headers": [(b"origin", b"https://example.org")], "method": "OPTIONS"},
]
NON_HTTP_MESSAGES: dict[str, list[Message]] = {
    "lifespan": [{"type": "lifespan.startup.complete"}],
    "websocket": [
        {"type": "websocket.accept", "subprotocol": None, "headers": [(b"vary", b"Accept")]},
        {"type": "websocket.send", "text": "hello"},
        {"type": "websocket.close", "code": 1000},
    ],
    "webtransport": [{"type": "http.response.start", "status": 200, "headers": [(b"vary", b"Accept")]}],
}


def run_pass_through(middleware_class: MiddlewareClass, options: dict[str, Any], scope: Scope) -> PassThrough:
    record = PassThrough()
    own_scope = copy.deepcopy(scope)

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        record.messages.append(copy.deepcopy(message))

    async def app(app_scope: Scope, app_receive: Any, app_send: Any) -> None:
        record.scope_is_callers = app_scope is own_scope
        record.receive_is_callers = app_receive is receive
        record.send_is_callers = app_send is send
        for message in NON_HTTP_MESSAGES[app_scope["type"]]:
            await app_send(copy.deepcopy(message))

    run_to_completion(middleware_class(app, **options)(own_scope, receive, send))
    record.scope_after = own_scope
    return record


@SECONDARY
@given(options=config_strategy, scope=st.sampled_from(NON_HTTP_SCOPES))
def test_non_http_scopes_pass_through_untouched(options: dict[str, Any], scope: Scope) -> None:
    expected = run_pass_through(StarletteCORSMiddleware, options, scope)
    actual = run_pass_through(fastcors.CORSMiddleware, options, scope)
    assert actual == expected
    assert actual.scope_is_callers
    assert actual.receive_is_callers
    assert actual.send_is_callers
    assert actual.scope_after == scope
    assert actual.messages == NON_HTTP_MESSAGES[scope["type"]]


class SubdomainOrigins(list[str]):
    """The usual way to allow every subdomain with Starlette: ``in`` is asked at request time."""

    def __contains__(self, origin: object) -> bool:
        return isinstance(origin, str) and origin.startswith("https://") and origin.endswith(".example.org")


LATER_CHANGES = [
    pytest.param(
        lambda: {"allow_origins": ["https://a.org"]},
        lambda options: options["allow_origins"].append("https://b.example.org"),
        id="origin-appended-after-start-up",
    ),
    pytest.param(
        lambda: {"allow_origins": ["https://b.example.org"]},
        lambda options: options["allow_origins"].clear(),
        id="origins-cleared-after-start-up",
    ),
    pytest.param(
        lambda: {"allow_origins": ["*"], "allow_methods": ["GET"]},
        lambda options: options["allow_methods"].append("PUT"),
        id="method-appended-after-start-up",
    ),
]
LIVE_OPTION_REQUESTS = [
    Request(method="GET", headers=((b"origin", b"https://b.example.org"),), headers_as_tuple=False),
    Request(
        method="OPTIONS",
        headers=((b"origin", b"https://b.example.org"), (b"access-control-request-method", b"PUT")),
        headers_as_tuple=False,
    ),
]
LIVE_OPTION_PLAN = AppPlan(
    messages=(
        {"type": "http.response.start", "status": 200, "headers": []},
        {"type": "http.response.body", "body": b""},
    ),
    raise_after=None,
)


@pytest.mark.parametrize("request_", LIVE_OPTION_REQUESTS, ids=["simple", "preflight"])
def test_a_collection_with_its_own_membership_test_is_asked_per_request_as_in_starlette(
    request_: Request,
) -> None:
    """Starlette asks ``in`` of the very collection it was given, on every request."""

    def outcome(middleware_class: MiddlewareClass) -> Outcome:
        return run(middleware_class, {"allow_origins": SubdomainOrigins()}, request_, LIVE_OPTION_PLAN)

    assert outcome(fastcors.CORSMiddleware) == outcome(StarletteCORSMiddleware)


@pytest.mark.parametrize("request_", LIVE_OPTION_REQUESTS, ids=["simple", "preflight"])
@pytest.mark.parametrize(("make_options", "change"), LATER_CHANGES)
def test_built_in_containers_are_read_once_at_construction(
    make_options: Callable[[], dict[str, Any]], change: Callable[[dict[str, Any]], None], request_: Request
) -> None:
    """A documented difference: a list changed after start-up is not seen (Starlette sees part of
    such a change), so fastcors answers as Starlette built with the options as they were."""

    def built_then_changed(app: Any, **kwargs: Any) -> Any:
        middleware = fastcors.CORSMiddleware(app, **kwargs)
        change(kwargs)
        return middleware

    as_built = run(StarletteCORSMiddleware, make_options(), request_, LIVE_OPTION_PLAN)
    assert run(built_then_changed, make_options(), request_, LIVE_OPTION_PLAN) == as_built


def test_the_harness_sees_a_difference() -> None:
    """The comparison can fail: a middleware that forgets ``Vary`` is told apart from Starlette."""

    class ForgetsVary(StarletteCORSMiddleware):
        @staticmethod
        def allow_explicit_origin(headers: Any, origin: str) -> None:
            headers["Access-Control-Allow-Origin"] = origin

    request = Request(method="GET", headers=((b"origin", b"https://example.org"),), headers_as_tuple=False)
    start: Message = {"type": "http.response.start", "status": 200, "headers": []}
    plan = AppPlan(messages=(start,), raise_after=None)
    options = {"allow_origins": ["https://example.org"]}
    assert run(ForgetsVary, options, request, plan) != run(StarletteCORSMiddleware, options, request, plan)
    assert run(StarletteCORSMiddleware, options, request, plan) == run(
        StarletteCORSMiddleware, options, request, plan
    )
