"""``python -m fastcors check``: would a browser let a page read this server's response?

It sends what a browser sends (the preflight when a browser would send one, then the request) and
applies the Fetch standard's CORS checks to the answers, as a browser does. It works against any
server. Exit status: 0 a browser would allow it, 1 it would not, 2 usage or network error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from ._engines import ENGINES, describe_engines, engine_verdicts, engines_as_json

__all__ = ["Verdict", "check", "main", "unsafe_header_names"]

EXAMPLE = """\
example:
  python -m fastcors check https://api.example.com/items --origin https://app.example.com \\
      --method PUT --header "Content-Type: application/json" --header X-Token --credentials

exit status: 0 every chosen browser engine (--engine, default both) would let the page read the
             response, 1 one would not, 2 usage or network error
"""

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
_SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
_UNSAFE_BYTES = re.compile(r'[\x00-\x08\x0a-\x1f"():<>?@\[\\\]{}\x7f]')
_LANGUAGE = re.compile(r"[0-9A-Za-z *,\-.;=]*")
_SIMPLE_RANGE = re.compile(r"bytes=[0-9]+-[0-9]*")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


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

    @property
    def allowed(self) -> bool:
        return self.failure is None


class UsageError(Exception):
    """What the user asked cannot be sent by a browser, or cannot be sent at all."""


def unsafe_header_names(headers: Sequence[tuple[str, str]]) -> list[str]:
    """The names of the headers that are not CORS-safelisted, lowercase and sorted, as a browser
    lists them in ``Access-Control-Request-Headers``: any of them makes it send a preflight."""
    return sorted({name.lower() for name, value in headers if not _safelisted_header(name, value)})


def _safelisted_header(name: str, value: str) -> bool:
    """The Fetch standard's CORS-safelisted request-header."""
    lowered = name.lower()
    if len(value) > 128:
        return False
    if lowered == "accept":
        return not _UNSAFE_BYTES.search(value)
    if lowered in ("accept-language", "content-language"):
        return _LANGUAGE.fullmatch(value) is not None
    if lowered == "content-type":
        essence = value.split(";", 1)[0].strip().lower()
        return not _UNSAFE_BYTES.search(value) and essence in _SAFELISTED_CONTENT_TYPES
    if lowered == "range":
        return _SIMPLE_RANGE.fullmatch(value) is not None
    return False


def _header_list(value: str | None) -> list[str] | None:
    """The Fetch standard's "extract header list values" for a comma-separated list of tokens."""
    if value is None:
        return []
    items = [item.strip(" \t") for item in value.split(",")]
    items = [item for item in items if item]
    if any(_TOKEN.fullmatch(item) is None for item in items):
        return None
    return items


def _cors_check(exchange: Exchange, origin: str, credentials: bool, step: str) -> Failure | None:
    """The Fetch standard's CORS check of one response."""
    values = [value for name, value in exchange.response_headers if name == "access-control-allow-origin"]
    echo_fix = f"Access-Control-Allow-Origin: {origin}"
    if not values:
        return Failure(
            step,
            "Access-Control-Allow-Origin",
            "the response has no Access-Control-Allow-Origin header",
            echo_fix if credentials else f"{echo_fix} (or *)",
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
            f"the response allows {allowed!r}, which is not the page's origin {origin!r} "
            "(browsers compare them exactly)",
            echo_fix,
        )
    if credentials:
        granted = [
            value for name, value in exchange.response_headers if name == "access-control-allow-credentials"
        ]
        if granted != ["true"]:
            got = f"Access-Control-Allow-Credentials: {', '.join(granted)}" if granted else "none"
            return Failure(
                step,
                "Access-Control-Allow-Credentials",
                "the request carries credentials and the response does not "
                f"send Access-Control-Allow-Credentials: true (got {got})",
                "Access-Control-Allow-Credentials: true",
            )
    return None


def _preflight_checks(exchange: Exchange, verdict: Verdict, unsafe: list[str]) -> Failure | None:
    """What a browser checks in a preflight's answer before it sends the request."""
    failure = _cors_check(exchange, verdict.origin, verdict.credentials, "preflight")
    if failure is not None:
        return failure
    lists_failure = _list_checks(exchange, verdict, unsafe)
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


def _list_checks(exchange: Exchange, verdict: Verdict, unsafe: list[str]) -> Failure | None:
    """The method and header checks of a preflight's answer."""
    headers = dict(exchange.response_headers)
    methods = _header_list(headers.get("access-control-allow-methods"))
    names = _header_list(headers.get("access-control-allow-headers"))
    if methods is None or names is None:
        bad = "Methods" if methods is None else "Headers"
        return Failure(
            "preflight",
            f"Access-Control-Allow-{bad}",
            f"Access-Control-Allow-{bad} is not a comma-separated list of names, so browsers refuse it",
            f"Access-Control-Allow-{bad}: a list such as 'GET, POST'",
        )
    method = verdict.method
    wildcard_methods = "*" in methods and not verdict.credentials
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
    wildcard_headers = "*" in names and not verdict.credentials
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


def check(
    url: str,
    origin: str,
    method: str = "GET",
    headers: Sequence[tuple[str, str]] = (),
    credentials: bool = False,
    timeout: float = 10.0,
) -> Verdict:
    """Sends what a browser would and decides as a browser would. Raises ``UsageError`` for what no
    page can send, and ``httpx.HTTPError`` when the server cannot be reached."""
    import httpx

    if method.upper() in NORMALIZED_METHODS:
        method = method.upper()
    if method.upper() in FORBIDDEN_METHODS:
        raise UsageError(f"browsers never send the method {method}: the Fetch standard forbids it")
    for name, _ in headers:
        lowered = name.lower()
        if lowered in FORBIDDEN_HEADERS or lowered.startswith(("proxy-", "sec-")):
            raise UsageError(
                f"a page cannot set the header {name!r}: the browser sets it itself"
                + (" (use --credentials for cookies)" if lowered == "cookie" else "")
            )
    unsafe = unsafe_header_names(headers)
    preflight_needed = bool(unsafe) or method not in SAFELISTED_METHODS
    verdict = Verdict(url, origin, method, credentials, preflight_needed)
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        if preflight_needed:
            preflight_headers = [
                ("Accept", "*/*"),
                ("Origin", origin),
                ("Access-Control-Request-Method", method),
            ]
            if unsafe:
                preflight_headers.append(("Access-Control-Request-Headers", ",".join(unsafe)))
            verdict.preflight = _send(client, "OPTIONS", url, preflight_headers)
            verdict.failure = _preflight_checks(verdict.preflight, verdict, unsafe)
            if verdict.failure is not None:
                verdict.notes.append(
                    "a browser does not send the request after a failed preflight, so neither did this"
                )
                return verdict
        verdict.request = _send(client, method, url, [("Origin", origin), *headers])
    verdict.failure = _cors_check(verdict.request, origin, credentials, "request")
    if 300 <= verdict.request.status <= 399:
        location = dict(verdict.request.response_headers).get("location", "")
        verdict.notes.append(
            f"the response is a redirect ({verdict.request.status}) to {location!r}; a browser would follow "
            "it and check that response too: run this check on that URL"
        )
    return verdict


def _send(client: Any, method: str, url: str, headers: list[tuple[str, str]]) -> Exchange:
    response = client.request(method, url, headers=headers)
    return Exchange(
        method,
        url,
        headers,
        response.status_code,
        [(name.lower(), value) for name, value in response.headers.multi_items()],
    )


def _describe(verdict: Verdict) -> str:
    what = f"{verdict.method} {verdict.url}"
    if verdict.credentials:
        what += " with credentials"
    lines = []
    if verdict.preflight is not None:
        lines.append(f"preflight: OPTIONS {verdict.url} -> {verdict.preflight.status}")
        lines.extend(_cors_lines(verdict.preflight))
    elif not verdict.preflight_needed:
        lines.append(
            f"preflight: none (a browser sends {verdict.method} with these headers without asking first)"
        )
    if verdict.request is not None:
        lines.append(f"request: {verdict.method} {verdict.url} -> {verdict.request.status}")
        lines.extend(_cors_lines(verdict.request))
    if verdict.failure is None:
        lines.append(f"ALLOWED: a page at {verdict.origin} can read the response to {what}.")
    else:
        failure = verdict.failure
        lines.append(f"BLOCKED: a page at {verdict.origin} cannot read the response to {what}.")
        lines.append(f"  failed check ({failure.step}): {failure.message}.")
        lines.append(f"  the server must send: {failure.fix}")
    lines.extend(f"note: {note}" for note in verdict.notes)
    return "\n".join(lines)


def _cors_lines(exchange: Exchange) -> list[str]:
    cors = [(n, v) for n, v in exchange.response_headers if n.startswith("access-control-") or n == "vary"]
    if not cors:
        return ["  (no CORS headers)"]
    return [f"  {name}: {value}" for name, value in cors]


def _parse_header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not name or _TOKEN.fullmatch(name) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a header: write NAME or 'NAME: VALUE'")
    # A name alone gets a value that no safelist accepts, as a page's custom header would have.
    return name, value if colon else "fastcors-check"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fastcors",
        description="fastcors command-line tools.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check_parser = commands.add_parser(
        "check",
        help="would a browser let a page at ORIGIN read the response from URL?",
        description=(
            "Send what a browser sends (the preflight when a browser would send one, then the request) "
            "and apply the Fetch standard's CORS checks to the answers. Works against any server."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check_parser.add_argument("url", metavar="URL", help="the URL the page fetches")
    check_parser.add_argument(
        "--origin", required=True, help="the page's origin, such as https://app.example.com"
    )
    check_parser.add_argument("--method", default="GET", help="the request's method (default GET)")
    check_parser.add_argument(
        "--header",
        action="append",
        default=[],
        type=_parse_header,
        metavar="NAME[: VALUE]",
        help="a header the page sets; repeat for several (a name alone stands for a custom value)",
    )
    check_parser.add_argument(
        "--credentials", action="store_true", help="the page sends cookies (fetch's credentials: 'include')"
    )
    check_parser.add_argument(
        "--engine",
        choices=[*ENGINES, "both"],
        default="both",
        help="the browser engine whose verdict counts (default both: each must allow)",
    )
    check_parser.add_argument("--json", action="store_true", help="print the verdict as JSON, for scripts")
    check_parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    return parser


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Runs the command line; returns the exit status."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = _parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        import httpx
    except ImportError:
        print("python -m fastcors check needs httpx: pip install 'fastcors[cli]'", file=err)
        return 2
    try:
        verdict = check(
            arguments.url,
            arguments.origin,
            arguments.method,
            arguments.header,
            arguments.credentials,
            arguments.timeout,
        )
    except UsageError as error:
        print(f"error: {error}", file=err)
        return 2
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        print(f"error: could not reach {arguments.url}: {error or type(error).__name__}", file=err)
        return 2
    engines = list(ENGINES.values()) if arguments.engine == "both" else [ENGINES[arguments.engine]]
    in_engines = engine_verdicts(verdict, engines)
    allowed = all(engine.allowed for engine in in_engines)
    if arguments.json:
        report = {"allowed": allowed, **asdict(verdict), "engines": engines_as_json(in_engines)}
        print(json.dumps(report, indent=2), file=out)
    else:
        print(_describe(verdict), file=out)
        print(describe_engines(in_engines), file=out)
    return 0 if allowed else 1
