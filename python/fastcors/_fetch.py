"""The Fetch standard's CORS rules, as browsers apply them: which requests are preflighted, how a
response's CORS headers are read and checked, and how a redirect is followed.

The functions carry the names of the standard's algorithms (``unsafe_header_names``,
``cors_safelisted_request_header``, ``extract_header_list_values``, ``cors_check``,
``redirected_request``...) and know nothing of where the answers come from:
``CORSMiddleware.explain`` asks them whether a request is preflighted, and ``python -m fastcors
check`` applies them to a real server's answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})


#: Methods browsers uppercase whatever the page wrote (the Fetch standard's "normalize").
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})


FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})


#: Headers a page cannot set: the browser sets them itself.
FORBIDDEN_HEADERS = frozenset(
    {
        "accept-charset", "accept-encoding", "access-control-request-headers",
        "access-control-request-method", "connection", "content-length", "cookie", "cookie2", "date",
        "dnt", "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
        "transfer-encoding", "upgrade", "via",
    }
)  # fmt: skip


#: The Fetch standard's limits: a safelisted header's value, and all of them together.
LONGEST_SAFELISTED_VALUE = 128


LONGEST_SAFELISTED_VALUES = 1024


#: Browsers follow this many redirects of one request, and fail the next.
MOST_REDIRECTS = 20


REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


#: Headers about the request's body, dropped when a redirect turns the request into a GET.
REQUEST_BODY_HEADERS = frozenset({"content-encoding", "content-language", "content-location", "content-type"})


_SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)


_UNSAFE_BYTES = re.compile(r'[\x00-\x08\x0a-\x1f"():<>?@\[\\\]{}\x7f]')


_LANGUAGE = re.compile(r"[0-9A-Za-z *,\-.;=]*")


TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


_DIGITS = re.compile(r"[0-9]*")


_HTTP_WHITESPACE = "\t\n\r "


_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Exchange:
    """One request the tool sent and the answer it got."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    status: int
    response_headers: list[tuple[str, str]]


@dataclass(frozen=True)
class Failure:
    """The check a browser would fail, and what the server must send instead."""

    step: str  # "preflight" or "request"
    check: str
    message: str
    fix: str
    #: How many redirects the browser had followed when this check failed.
    redirects: int = 0


@dataclass
class Hop:
    """A redirect the browser follows: the request it sends next, and what it got."""

    url: str
    method: str
    #: The ``Origin`` header it carries: the page's, ``"null"`` once a redirect crossed origins,
    #: or ``None`` for a request to the page's own origin that needs none.
    origin: str | None
    preflight: Exchange | None = None
    request: Exchange | None = None


@dataclass
class Verdict:
    """What a browser would do with the answers."""

    url: str
    origin: str
    method: str
    credentials: bool
    preflight_needed: bool
    preflight: Exchange | None = None
    request: Exchange | None = None
    failure: Failure | None = None
    notes: list[str] = field(default_factory=list)
    #: The redirects followed after ``request``, in order.
    redirects: list[Hop] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.failure is None


def unsafe_header_names(headers: Sequence[tuple[str, str]]) -> list[str]:
    """Fetch's "CORS-unsafe request-header names": the names of the headers that make a browser send
    a preflight, lowercase, deduplicated and sorted, as it lists them in
    ``Access-Control-Request-Headers``. Each header is one entry of the request's header list (a
    repeated name is several entries)."""
    unsafe: list[str] = []
    potentially_unsafe: list[str] = []
    safelisted_size = 0
    for name, value in headers:
        if cors_safelisted_request_header(name, value):
            potentially_unsafe.append(name)
            safelisted_size += len(isomorphic(value))
        else:
            unsafe.append(name)
    if safelisted_size > LONGEST_SAFELISTED_VALUES:
        unsafe += potentially_unsafe
    return sorted({name.lower() for name in unsafe})


def cors_safelisted_request_header(name: str, value: str) -> bool:
    """Fetch's "CORS-safelisted request-header": whether a browser sends this header without
    asking the server first (on its own; see ``unsafe_header_names`` for the total size)."""
    if len(isomorphic(value)) > LONGEST_SAFELISTED_VALUE:
        return False
    lowered = name.lower()
    if lowered == "accept":
        return not _UNSAFE_BYTES.search(value)
    if lowered in ("accept-language", "content-language"):
        return _LANGUAGE.fullmatch(value) is not None
    if lowered == "content-type":
        if _UNSAFE_BYTES.search(value):
            return False
        return mime_type_essence(value) in _SAFELISTED_CONTENT_TYPES
    if lowered == "range":
        parsed = parse_single_range_header_value(value, allow_whitespace=False)
        # A suffix range (`bytes=-5`) is not safelisted.
        return parsed is not None and parsed[0] is not None
    return False


def mime_type_essence(value: str) -> str | None:
    """The essence (``type/subtype``, lowercase) of Fetch's "parse a MIME type", or ``None`` where
    it fails. Parameters never make it fail, so they are not read."""
    text = value.strip(_HTTP_WHITESPACE)
    kind, slash, rest = text.partition("/")
    if not slash or TOKEN.fullmatch(kind) is None:
        return None
    subtype = rest.split(";", 1)[0].rstrip(_HTTP_WHITESPACE)
    if TOKEN.fullmatch(subtype) is None:
        return None
    return f"{kind}/{subtype}".lower()


def parse_single_range_header_value(
    value: str, allow_whitespace: bool
) -> tuple[int | None, int | None] | None:
    """Fetch's "parse a single range header value": ``(start, end)``, either ``None`` where it is
    left out, or ``None`` where the value is not one range of bytes."""
    if not value.startswith("bytes"):
        return None
    position = len("bytes")

    def skip_whitespace() -> None:
        nonlocal position
        while allow_whitespace and value[position : position + 1] in ("\t", " "):
            position += 1

    def digits() -> int | None:
        nonlocal position
        found = _DIGITS.match(value, position)
        assert found is not None  # `[0-9]*` always matches
        position = found.end()
        return int(found.group()) if found.group() else None

    skip_whitespace()
    if value[position : position + 1] != "=":
        return None
    position += 1
    skip_whitespace()
    start = digits()
    skip_whitespace()
    if value[position : position + 1] != "-":
        return None
    position += 1
    skip_whitespace()
    end = digits()
    if position != len(value):
        return None
    if start is None and end is None:
        return None
    if start is not None and end is not None and start > end:
        return None
    return start, end


def header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """Fetch's "get" of a header: every value of that name joined with ``", "``, or ``None``."""
    values = [value for header, value in headers if header == name]
    return ", ".join(values) if values else None


def extract_header_list_values(headers: Sequence[tuple[str, str]], name: str) -> list[str] | None:
    """Fetch's "extract header list values" for a header whose values are tokens (methods, header
    names): every value of that name, combined, split on commas. ``[]`` when there is none,
    ``None`` (a failure, which fails the request) when an item is not a token."""
    value = header_value(headers, name)
    if value is None:
        return []
    items = [item.strip(" \t") for item in value.split(",")]
    items = [item for item in items if item]
    if any(TOKEN.fullmatch(item) is None for item in items):
        return None
    return items


def cors_check(exchange: Exchange, origin: str, credentials: bool, step: str) -> Failure | None:
    """Fetch's "CORS check" of one response; ``origin`` is the request's, as serialised in its
    ``Origin`` header (``"null"`` once tainted by a redirect)."""
    values = [value for name, value in exchange.response_headers if name == "access-control-allow-origin"]
    echo_fix = f"Access-Control-Allow-Origin: {origin}"
    whose = "page's origin"
    if origin == "null":
        whose = "request's origin"
        # Echoing `null` would allow every sandboxed page and local file: never advise it.
        echo_fix = (
            "Access-Control-Allow-Origin: * for a request without credentials; after a redirect to "
            "another origin, browsers send Origin: null, so have the page fetch the final URL instead"
        )
    if not values:
        return Failure(
            step,
            "Access-Control-Allow-Origin",
            "the response has no Access-Control-Allow-Origin header",
            echo_fix if credentials or origin == "null" else f"{echo_fix} (or *)",
        )
    if len(values) > 1:
        return Failure(
            step,
            "Access-Control-Allow-Origin",
            f"the response has {len(values)} Access-Control-Allow-Origin headers ({', '.join(values)}); "
            "browsers accept exactly one",
            f"one header: {echo_fix}",
        )
    allowed = values[0]
    if allowed == "*" and credentials:
        return Failure(
            step,
            "Access-Control-Allow-Origin",
            "the response allows '*', which browsers refuse for a request with credentials",
            f"{echo_fix} and Access-Control-Allow-Credentials: true",
        )
    if allowed != "*" and allowed != origin:
        return Failure(
            step,
            "Access-Control-Allow-Origin",
            f"the response allows {allowed!r}, which is not the {whose} {origin!r} "
            "(browsers compare them exactly)",
            echo_fix,
        )
    if credentials:
        granted = header_value(exchange.response_headers, "access-control-allow-credentials")
        if granted != "true":
            got = "none" if granted is None else f"Access-Control-Allow-Credentials: {granted}"
            return Failure(
                step,
                "Access-Control-Allow-Credentials",
                "the request carries credentials and the response does not "
                f"send Access-Control-Allow-Credentials: true (got {got})",
                "Access-Control-Allow-Credentials: true",
            )
    return None


def preflight_checks(
    exchange: Exchange, origin: str, method: str, credentials: bool, unsafe: list[str]
) -> Failure | None:
    """What a browser checks in a preflight's answer (Fetch's "CORS-preflight fetch") before it
    sends the request."""
    failure = cors_check(exchange, origin, credentials, "preflight")
    if failure is not None:
        return failure
    lists_failure = _list_checks(exchange, method, credentials, unsafe)
    if not 200 <= exchange.status <= 299:
        message = f"the preflight got status {exchange.status}; browsers need a 2xx status (200 or 204)"
        if lists_failure is not None:
            # Servers refuse a preflight for the same reasons browsers do: say which.
            return Failure(
                "preflight", "status", f"{message}, and {lists_failure.message}", lists_failure.fix
            )
        return Failure(
            "preflight", "status", message, "a 200 or 204 response to OPTIONS with the CORS headers"
        )
    return lists_failure


def _list_checks(exchange: Exchange, method: str, credentials: bool, unsafe: list[str]) -> Failure | None:
    """The method and header checks of a preflight's answer."""
    methods = extract_header_list_values(exchange.response_headers, "access-control-allow-methods")
    names = extract_header_list_values(exchange.response_headers, "access-control-allow-headers")
    if methods is None or names is None:
        bad = "Methods" if methods is None else "Headers"
        return Failure(
            "preflight",
            f"Access-Control-Allow-{bad}",
            f"Access-Control-Allow-{bad} is not a comma-separated list of names, so browsers refuse it",
            f"Access-Control-Allow-{bad}: a list such as 'GET, POST'",
        )
    wildcard_methods = "*" in methods and not credentials
    if method not in methods and method not in SAFELISTED_METHODS and not wildcard_methods:
        why = " ('*' does not count for a request with credentials)" if "*" in methods else ""
        return Failure(
            "preflight",
            "Access-Control-Allow-Methods",
            f"the method {method} is not in Access-Control-Allow-Methods "
            f"({', '.join(methods) or 'absent'}){why}; browsers compare methods exactly",
            f"Access-Control-Allow-Methods: {method if '*' in methods else ', '.join([*methods, method])}",
        )
    allowed_names = {name.lower() for name in names}
    wildcard_headers = "*" in names and not credentials
    for name in unsafe:
        # `*` never covers Authorization: it must be listed by name.
        if name in allowed_names or (wildcard_headers and name != "authorization"):
            continue
        if name == "authorization" and "*" in names:
            why = " ('*' never covers Authorization: list it by name)"
        elif "*" in names:
            why = " ('*' does not count for a request with credentials)"
        else:
            why = ""
        return Failure(
            "preflight",
            "Access-Control-Allow-Headers",
            f"the request header {name!r} is not in Access-Control-Allow-Headers "
            f"({', '.join(names) or 'absent'}){why}",
            f"Access-Control-Allow-Headers: {', '.join(unsafe)}",
        )
    return None


@dataclass(frozen=True)
class FetchRequest:
    """The request as it stands at one hop of a redirect chain."""

    url: str
    method: str
    headers: tuple[tuple[str, str], ...]
    #: The page's origin, or ``"null"`` for an opaque one.
    origin: str
    #: Fetch's "tainted origin flag": a redirect crossed origins, so ``Origin`` is ``"null"``.
    tainted: bool = False
    #: Fetch's response tainting is ``"cors"``: once the request left the page's origin, the CORS
    #: checks apply at every hop, back on the page's origin included.
    cors: bool = False

    @property
    def serialized_origin(self) -> str:
        """The ``Origin`` the request carries (Fetch's "serializing a request origin")."""
        return "null" if self.tainted else self.origin

    def same_origin_fetch(self) -> bool:
        """Whether the browser fetches this hop as a same-origin request, without CORS."""
        return not self.cors and same_origin(self.origin, self.url)


def same_origin(first: str, second: str) -> bool:
    """Whether two URLs (or origins) have the same origin; an opaque one (``null``) has no equal."""
    first_origin, second_origin = url_origin(first), url_origin(second)
    return first_origin is not None and first_origin == second_origin


def url_origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL or origin, ``None`` for anything opaque."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), _DEFAULT_PORTS[scheme] if port is None else port


def redirected_request(
    request: FetchRequest, response: Exchange, redirects: int
) -> FetchRequest | Failure | None:
    """Fetch's "HTTP-redirect fetch" for a request that follows redirects: the request the browser
    sends next, a ``Failure`` where it refuses to follow, or ``None`` when the response is no
    redirect (its status, or no ``Location``) and so is the answer itself."""
    if response.status not in REDIRECT_STATUSES:
        return None
    locations = [value for name, value in response.response_headers if name == "location"]
    if not locations:
        return None

    def refused(message: str, fix: str) -> Failure:
        return Failure("request", "redirect", message, fix, redirects)

    if len(locations) > 1:
        return refused(
            f"the redirect has {len(locations)} Location headers, which browsers cannot follow",
            "one Location header",
        )
    import httpx

    try:
        location = str(httpx.URL(request.url).join(locations[0]))
    except httpx.InvalidURL:
        return refused(f"the redirect's Location {locations[0]!r} is not a URL", "a Location with a URL")
    if urlsplit(location).scheme.lower() not in _DEFAULT_PORTS:
        return refused(
            f"the redirect goes to {location!r}, and browsers follow only http and https redirects",
            "a Location with an http or https URL",
        )
    if redirects == MOST_REDIRECTS:
        return refused(
            f"browsers follow at most {MOST_REDIRECTS} redirects", "fewer redirects to the final URL"
        )
    parts = urlsplit(location)
    if (parts.username is not None or parts.password is not None) and (
        request.cors or not same_origin(request.origin, location)
    ):
        return refused(
            f"the redirect goes to {location!r}, with a user name or password, which browsers refuse "
            "for a cross-origin request",
            "a Location without credentials",
        )
    method, headers = request.method, request.headers
    if (response.status in (301, 302) and method == "POST") or (
        response.status == 303 and method not in ("GET", "HEAD")
    ):
        method = "GET"
        headers = tuple((name, value) for name, value in headers if name.lower() not in REQUEST_BODY_HEADERS)
    tainted = request.tainted
    if not same_origin(request.url, location):
        # The request's own credentials stay behind when it changes origin.
        headers = tuple((name, value) for name, value in headers if name.lower() != "authorization")
        if not same_origin(request.origin, request.url):
            tainted = True
    return replace(request, url=location, method=method, headers=headers, tainted=tainted)


def isomorphic(value: str) -> bytes:
    """A header value as a page's ``Headers`` holds it: a byte per character (U+0000 - U+00FF)."""
    return value.encode("latin-1")
