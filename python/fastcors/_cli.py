"""``python -m fastcors check``: would a browser let a page read this server's response?

It sends what a browser sends (the preflight when a browser would send one, then the request, and
again at each redirect it follows) and applies the Fetch standard's CORS checks to the answers, as
a browser does. It works against any server. Exit status: 0 a browser would allow it, 1 it would
not, 2 usage or network error.

The Fetch standard's rules it applies are ``fastcors._fetch``'s, which ``CORSMiddleware.explain``
uses too; this module sends the requests and reports.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any, TextIO
from urllib.parse import urlsplit

from ._engines import ENGINES, describe_engines, engine_verdicts, engines_as_json
from ._fetch import (
    FORBIDDEN_HEADERS,
    FORBIDDEN_METHODS,
    NORMALIZED_METHODS,
    SAFELISTED_METHODS,
    TOKEN,
    Exchange,
    Failure,
    FetchRequest,
    Hop,
    Verdict,
    cors_check,
    isomorphic,
    preflight_checks,
    redirected_request,
    unsafe_header_names,
)

__all__ = ["check", "main"]

EXAMPLE = """\
example:
  python -m fastcors check https://api.example.com/items --origin https://app.example.com \\
      --method PUT --header "Content-Type: application/json" --header X-Token --credentials

exit status: 0 every chosen browser engine (--engine, default both) would let the page read the
             response, 1 one would not, 2 usage or network error
"""


class UsageError(Exception):
    """What the user asked cannot be sent by a browser, or cannot be sent at all."""


def check(
    url: str,
    origin: str,
    method: str = "GET",
    headers: Sequence[tuple[str, str]] = (),
    credentials: bool = False,
    timeout: float = 10.0,
) -> Verdict:
    """Sends what a browser would and decides as a browser would, following redirects. Raises
    ``UsageError`` for what no page can send, and ``httpx.HTTPError`` when the server cannot be
    reached."""
    import httpx

    if method.upper() in NORMALIZED_METHODS:
        method = method.upper()
    _refuse_what_no_page_sends(origin, method, headers)
    request = FetchRequest(url, method, tuple(headers), origin)
    verdict = Verdict(url, origin, method, credentials, _preflight_needed(request))
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        redirects = 0
        while True:
            if not request.same_origin_fetch():
                request = replace(request, cors=True)
            hop = Hop(request.url, request.method, _origin_header(request))
            failure = _fetch(client, request, hop, credentials)
            if redirects == 0:
                verdict.preflight, verdict.request = hop.preflight, hop.request
                if request.same_origin_fetch():
                    verdict.notes.append(
                        "the URL is on the page's own origin: a browser applies no CORS check to it "
                        "(only to a redirect away from it)"
                    )
            else:
                verdict.redirects.append(hop)
            if failure is not None:
                verdict.failure = replace(failure, redirects=redirects)
                if failure.step == "preflight":
                    verdict.notes.append(
                        "a browser does not send the request after a failed preflight, so neither did this"
                    )
                return verdict
            assert hop.request is not None
            following = redirected_request(request, hop.request, redirects)
            if following is None:
                return verdict
            if isinstance(following, Failure):
                verdict.failure = following
                return verdict
            request = following
            redirects += 1


def _preflight_needed(request: FetchRequest) -> bool:
    return request.method not in SAFELISTED_METHODS or bool(unsafe_header_names(request.headers))


def _origin_header(request: FetchRequest) -> str | None:
    """Fetch's "append a request Origin header": always for a CORS request, and for a same-origin
    one unless its method is GET or HEAD."""
    if request.same_origin_fetch() and request.method in ("GET", "HEAD"):
        return None
    return request.serialized_origin


def _fetch(client: Any, request: FetchRequest, hop: Hop, credentials: bool) -> Failure | None:
    """One hop: the preflight if the browser would send one, then the request, each checked."""
    origin = [("Origin", hop.origin)] if hop.origin is not None else []
    if request.same_origin_fetch():
        hop.request = _send(client, request.method, request.url, [*origin, *request.headers])
        return None
    unsafe = unsafe_header_names(request.headers)
    if _preflight_needed(request):
        preflight_headers = [
            ("Accept", "*/*"),
            *origin,
            ("Access-Control-Request-Method", request.method),
        ]
        if unsafe:
            preflight_headers.append(("Access-Control-Request-Headers", ",".join(unsafe)))
        hop.preflight = _send(client, "OPTIONS", request.url, preflight_headers)
        failure = preflight_checks(
            hop.preflight, request.serialized_origin, request.method, credentials, unsafe
        )
        if failure is not None:
            return failure
    hop.request = _send(client, request.method, request.url, [*origin, *request.headers])
    return cors_check(hop.request, request.serialized_origin, credentials, "request")


def _refuse_what_no_page_sends(origin: str, method: str, headers: Sequence[tuple[str, str]]) -> None:
    if not origin.isascii():
        raise UsageError(
            f"--origin {origin!r} is not ASCII: browsers send origins in ASCII, with international "
            f"domain names in their punycode form: {_ascii_origin(origin)}"
        )
    if method.upper() in FORBIDDEN_METHODS:
        raise UsageError(f"browsers never send the method {method}: the Fetch standard forbids it")
    for name, value in headers:
        lowered = name.lower()
        if lowered in FORBIDDEN_HEADERS or lowered.startswith(("proxy-", "sec-")):
            raise UsageError(
                f"a page cannot set the header {name!r}: the browser sets it itself"
                + (" (use --credentials for cookies)" if lowered == "cookie" else "")
            )
        try:
            isomorphic(value)
        except UnicodeEncodeError:
            raise UsageError(
                f"a page cannot send {name}: {value!r}: header values are bytes, one per character "
                "from U+0000 to U+00FF; encode the text first (percent-encoding, for one)"
            ) from None


def _ascii_origin(origin: str) -> str:
    """What to write instead of an origin with non-ASCII text."""
    try:
        parts = urlsplit(origin)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        host = ""
    if not host or not parts.scheme.isascii():
        return "write the host in its xn-- form"
    return f"write {parts.scheme.lower() + '://' + host + ('' if port is None else f':{port}')!r}"


def _send(client: Any, method: str, url: str, headers: list[tuple[str, str]]) -> Exchange:
    response = client.request(method, url, headers=[(name, isomorphic(value)) for name, value in headers])
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
    if verdict.preflight is None and not verdict.preflight_needed:
        lines.append(
            f"preflight: none (a browser sends {verdict.method} with these headers without asking first)"
        )
    lines += _exchange_lines(verdict.preflight, verdict.request)
    for number, hop in enumerate(verdict.redirects, start=1):
        origin = (
            "without Origin (the page's own origin)" if hop.origin is None else f"with Origin: {hop.origin}"
        )
        lines.append(f"redirect {number}: {hop.method} {hop.url} {origin}")
        lines += _exchange_lines(hop.preflight, hop.request)
    if verdict.failure is None:
        lines.append(f"ALLOWED: a page at {verdict.origin} can read the response to {what}.")
    else:
        failure = verdict.failure
        where = failure.step
        if failure.redirects:
            where += f", after {failure.redirects} redirect{'s' if failure.redirects > 1 else ''}"
        lines.append(f"BLOCKED: a page at {verdict.origin} cannot read the response to {what}.")
        lines.append(f"  failed check ({where}): {failure.message}.")
        lines.append(f"  the server must send: {failure.fix}")
    lines.extend(f"note: {note}" for note in verdict.notes)
    return "\n".join(lines)


def _exchange_lines(preflight: Exchange | None, request: Exchange | None) -> list[str]:
    lines = []
    if preflight is not None:
        lines.append(f"preflight: OPTIONS {preflight.url} -> {preflight.status}")
        lines.extend(_cors_lines(preflight))
    if request is not None:
        lines.append(f"request: {request.method} {request.url} -> {request.status}")
        lines.extend(_cors_lines(request))
    return lines


def _cors_lines(exchange: Exchange) -> list[str]:
    cors = [
        (n, v)
        for n, v in exchange.response_headers
        if n.startswith("access-control-") or n in ("vary", "location")
    ]
    if not cors:
        return ["  (no CORS headers)"]
    return [f"  {name}: {value}" for name, value in cors]


def _parse_header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not name or TOKEN.fullmatch(name) is None:
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
            "Send what a browser sends (the preflight when a browser would send one, then the request, "
            "following redirects as a browser does) and apply the Fetch standard's CORS checks to the "
            "answers. Works against any server."
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
