"""``allow_origin_patterns``: origins given as ``https://*.example.com`` or ``http://localhost:*``.

A pattern is ``scheme://host[:port]``. ``*.`` as the leftmost label of the host stands for one or
more whole DNS labels; ``:*`` stands for any explicit port. The scheme is always exact, and without
a port only the scheme's default port (an Origin without one) matches.

Origins are matched as browsers serialise them (lowercase scheme and host, no path, no trailing
dot, no default port); anything else matches no pattern. This module checks the patterns people
write, once, at construction; the cores match them (``rust/origin_patterns.rs`` and its twin
``fastcors._pure.origin_patterns``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

OPTION = "allow_origin_patterns"

#: The ports browsers leave out of an Origin.
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_LABEL = re.compile(r"[a-z0-9_-]+")
_IPV6 = re.compile(r"\[[0-9a-f:.]+\]")

#: Common public suffixes under which anyone can have a site (hosting platforms, and the
#: second-level domains of country registries open to all): ``*.`` directly over one allows every
#: one of those sites. Not the whole Public Suffix List: the ones people are likely to write.
MULTI_TENANT_SUFFIXES = frozenset(
    {
        # Hosting platforms: every customer gets a subdomain.
        "appspot.com", "azureedge.net", "azurestaticapps.net", "azurewebsites.net", "blogspot.com",
        "cloudapp.net", "cloudfront.net", "deno.dev", "elasticbeanstalk.com", "firebaseapp.com",
        "fly.dev", "github.io", "gitlab.io", "glitch.me", "herokuapp.com", "netlify.app", "ngrok-free.app",
        "ngrok.io", "now.sh", "onrender.com", "pages.dev", "r2.dev", "railway.app", "readthedocs.io",
        "repl.co", "replit.app", "s3.amazonaws.com", "surge.sh", "trycloudflare.com", "vercel.app",
        "web.app", "workers.dev",
        # Country registries' second-level domains, open to anyone.
        "co.il", "co.in", "co.jp", "co.kr", "co.nz", "co.uk", "co.za", "com.ar", "com.au", "com.br",
        "com.cn", "com.hk", "com.mx", "com.sg", "com.tr", "com.tw", "me.uk", "ne.jp", "net.au", "or.jp",
        "org.au", "org.uk",
    }
)  # fmt: skip

_RADIX_DIGITS = {8: "01234567", 10: "0123456789", 16: "0123456789abcdef"}

#: In a parsed pattern, the port: ``None`` for the default one, ``ANY_PORT`` for ``:*``.
ANY_PORT = -1
Port = int | None


def validate_patterns(patterns: object) -> tuple[bytes, ...]:
    """The patterns as the cores take them, after checking every one.

    Every problem is reported, one line each, in a single ``ValueError`` naming the option.
    """
    if isinstance(patterns, (str, bytes)) or not isinstance(patterns, Iterable):
        raise TypeError(
            f"{OPTION} must be a list of patterns, not {type(patterns).__name__}: {patterns!r}; "
            "write ['https://*.example.com']"
        )
    items = list(patterns)
    problems: list[str] = []
    for pattern in items:
        if not isinstance(pattern, str):
            problems.append(
                f"{OPTION} contains {pattern!r}, which is not a str; write 'https://*.example.com'"
            )
            continue
        problem = pattern_problem(pattern)
        if problem is not None:
            problems.append(f"{OPTION} contains {pattern!r}: {problem}")
    if len(problems) == 1:
        raise ValueError(problems[0])
    if problems:
        raise ValueError(f"{len(problems)} problems in {OPTION}:\n" + "\n".join(f"- {p}" for p in problems))
    return tuple(pattern.encode("ascii") for pattern in items)


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with one pattern, and what to write instead; ``None`` if nothing is."""
    if pattern.strip() in ("*", "*://*"):
        return "it would match every origin; to allow every origin write allow_origins=['*']"
    if pattern.strip() != pattern:
        return f"browsers send origins without spaces; write {pattern.strip()!r}"
    scheme, separator, authority = pattern.partition("://")
    if not separator:
        if pattern == "null":
            return "the opaque origin 'null' is no pattern; list it in allow_origins if you mean it"
        return f"it has no scheme; write {'https://' + pattern!r}"
    if scheme.lower() != scheme and _SCHEME.fullmatch(scheme.lower()):
        return f"browsers send the scheme in lowercase; write {scheme.lower() + '://' + authority!r}"
    if not _SCHEME.fullmatch(scheme):
        return "the scheme must be letters, digits, '+', '-' or '.', starting with a letter, as in 'https'"
    for cut in "/?#":
        if cut in authority:
            head = authority.split(cut, 1)[0]
            return f"browsers send origins without a path, query or fragment; write {scheme + '://' + head!r}"
    if "@" in authority:
        return f"origins carry no user name; write {scheme + '://' + authority.rsplit('@', 1)[1]!r}"
    host, port_text = split_port(authority)
    port_problem = _port_problem(scheme, host, port_text)
    if port_problem is not None:
        return port_problem
    return _host_problem(scheme, host, port_text)


def split_port(authority: str) -> tuple[str, str | None]:
    if authority.startswith(("[", "*.[")):
        end = authority.find("]")
        if end != -1 and authority[end + 1 : end + 2] == ":":
            return authority[: end + 1], authority[end + 2 :]
        return authority, None
    host, separator, port = authority.rpartition(":")
    return (host, port) if separator else (authority, None)


def _port_problem(scheme: str, host: str, port: str | None) -> str | None:
    if port is None or port == "*":
        return None
    without = f"{scheme}://{host}"
    if not port.isascii() or not port.isdigit():
        return (
            f"the port must be a number from 1 to 65535 or '*'; write {without + ':8080'!r} "
            f"or {without + ':*'!r}"
        )
    number = int(port)
    if not 1 <= number <= 65535:
        return f"port {port} is out of range (1-65535); write {without + ':*'!r} for any port"
    if port != str(number):
        return f"browsers send ports without leading zeros; write {without + ':' + str(number)!r}"
    if DEFAULT_PORTS.get(scheme) == number:
        return f"browsers leave out the default port {number} of {scheme}; write {without!r}"
    return None


def _host_problem(scheme: str, host: str, port: str | None) -> str | None:
    suffix_port = "" if port is None else ":" + port
    if host == "*":
        return (
            f"it would match every {scheme} origin; to allow every origin write allow_origins=['*'], "
            f"or name the domain: {scheme + '://*.example.com' + suffix_port!r}"
        )
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    if "*" in name:
        return (
            "'*' may only stand for the leftmost labels ('https://*.example.com') or the port "
            "('http://localhost:*')"
        )
    fixed = f"{scheme}://{'*.' if wildcard else ''}{{}}{suffix_port}"
    if not name.isascii():
        try:
            encoded = name.encode("idna").decode("ascii")
        except UnicodeError:
            return "browsers send international domain names in their ASCII (xn--) form; write that form"
        return (
            f"browsers send international domain names in their ASCII form; write {fixed.format(encoded)!r}"
        )
    if name.lower() != name:
        return f"browsers send hosts in lowercase; write {fixed.format(name.lower())!r}"
    if name.endswith(".") and name != ".":
        return f"browsers send hosts without a trailing dot; write {fixed.format(name.rstrip('.'))!r}"
    if name.startswith("["):
        return _ipv6_problem(name, wildcard, fixed)
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) and label[0] != "-" and label[-1] != "-" for label in labels):
        return (
            f"{name!r} is not a host name (labels of lowercase letters, digits, '-' and '_', "
            "separated by single dots, none starting or ending with '-'); write a host such as "
            "'app.example.com'"
        )
    if _ends_in_a_number(labels):
        # Browsers read such a host as an IPv4 address, and send it as four decimal numbers.
        if wildcard:
            return "'*.' stands for DNS labels and cannot prefix an IP address; list each address"
        address = _ipv4_serialized(labels)
        if address is None:
            return (
                f"{name!r} is not an IPv4 address, yet browsers read a host whose last label is a "
                "number as one, so no origin has it; write four decimal numbers, such as '127.0.0.1'"
            )
        if address != name:
            return f"browsers send IPv4 addresses as four decimal numbers; write {fixed.format(address)!r}"
        return None
    if wildcard and len(labels) < 2:
        return (
            f"it would match every site under '.{name}'; name the domain, such as "
            f"{fixed.format('example.' + name)!r}"
        )
    return None


def _ipv6_problem(name: str, wildcard: bool, fixed: str) -> str | None:
    if wildcard:
        return "'*.' stands for DNS labels and cannot prefix an IP address; list each address"
    address = _ipv6_serialized(name[1:-1]) if _IPV6.fullmatch(name) else None
    if address is None:
        return f"{name!r} is not an IPv6 address; write one such as '[::1]'"
    if address != name:
        return f"browsers send IPv6 addresses in their shortest form; write {fixed.format(address)!r}"
    return None


def _ipv6_serialized(text: str) -> str | None:
    """The URL Standard's serialisation of an IPv6 address (lowercase hex, the first longest run of
    two or more zero pieces compressed), in brackets, or ``None`` for no address."""
    try:
        packed = ipaddress.IPv6Address(text).packed
    except ValueError:
        return None
    pieces = [packed[index] << 8 | packed[index + 1] for index in range(0, 16, 2)]
    best_start, best_length, index = -1, 1, 0
    while index < 8:
        if pieces[index]:
            index += 1
            continue
        end = index
        while end < 8 and pieces[end] == 0:
            end += 1
        if end - index > best_length:
            best_start, best_length = index, end - index
        index = end
    if best_start < 0:
        return "[" + ":".join(f"{piece:x}" for piece in pieces) + "]"
    left = ":".join(f"{piece:x}" for piece in pieces[:best_start])
    right = ":".join(f"{piece:x}" for piece in pieces[best_start + best_length :])
    return f"[{left}::{right}]"


def _ends_in_a_number(labels: list[str]) -> bool:
    """The URL Standard's "ends in a number" checker: such a host is parsed as an IPv4 address."""
    last = labels[-1]
    return (last.isascii() and last.isdigit()) or _ipv4_number(last) is not None


def _ipv4_number(part: str) -> int | None:
    """The URL Standard's "IPv4 number parser": decimal, ``0x`` hex or ``0`` octal."""
    if not part:
        return None
    radix = 10
    if part[:2] in ("0x", "0X"):
        part, radix = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        part, radix = part[1:], 8
    if not part:
        return 0
    if not part.isascii() or any(character not in _RADIX_DIGITS[radix] for character in part.lower()):
        return None
    return int(part, radix)


def _ipv4_serialized(labels: list[str]) -> str | None:
    """The URL Standard's "IPv4 parser", serialised as four decimal numbers, or ``None`` where it
    fails (no browser then has an origin with this host)."""
    if len(labels) > 4:
        return None
    numbers = [_ipv4_number(label) for label in labels]
    if any(number is None for number in numbers):
        return None
    checked = [number for number in numbers if number is not None]
    if any(number > 255 for number in checked[:-1]) or checked[-1] >= 256 ** (5 - len(checked)):
        return None
    address = checked[-1] + sum(number * 256 ** (3 - index) for index, number in enumerate(checked[:-1]))
    return ".".join(str(address >> shift & 255) for shift in (24, 16, 8, 0))


def public_suffix_problems(patterns: object) -> list[str]:
    """A problem for each valid pattern whose ``*.`` stands directly over a suffix of
    ``MULTI_TENANT_SUFFIXES``: it allows every site anyone has there."""
    if isinstance(patterns, (str, bytes)) or not isinstance(patterns, Iterable):
        return []  # refused at construction, with its own message
    problems = []
    for pattern in patterns:
        if not isinstance(pattern, str) or pattern_problem(pattern) is not None:
            continue
        scheme, _, authority = pattern.partition("://")
        host, port = split_port(authority)
        suffix = host.removeprefix("*.")
        if host.startswith("*.") and suffix in MULTI_TENANT_SUFFIXES:
            example = f"{scheme}://*.example.{suffix}" + ("" if port is None else f":{port}")
            problems.append(
                f"{OPTION} contains {pattern!r}: {suffix} is a public suffix, under which anyone can have "
                f"a site, so every one of them is allowed; name your own domain, such as {example!r}"
            )
    return problems
