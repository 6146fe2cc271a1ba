"""Translating ``allow_origin_regex`` for Rust's ``regex`` crate, only where the meaning is kept.

Starlette allows an origin when ``re.compile(allow_origin_regex).fullmatch(origin)`` matches, with
the Origin header decoded as latin-1, so every character of the haystack is one of the 256 code
points U+0000..U+00FF. The Rust core matches the same origin as bytes (one byte per character) with
``regex::bytes``, which runs in linear time whatever the pattern, so a pattern such as ``(a+)+$``
cannot be turned into a denial of service. It may do so only when both engines accept exactly the
same origins; this module builds the Rust pattern from Python's own parse tree and gives up
(returns ``None``, leaving the pattern with Python's ``re``) on anything it cannot show to mean the
same thing.

Why the translation is sound:

* Every construct translated is regular: characters, concatenation, alternation, groups and
  counted repetition, plus position tests. For these, "``fullmatch`` finds a match" depends only
  on whether the whole origin is in the language of the pattern: backtracking explores every way
  through the pattern, so greedy, lazy and capturing variants accept the same strings. Rust's
  ``is_match`` on ``\\A(?:...)\\z`` decides the same membership.
* A construct that matches one character (a literal, ``.``, a class, ``\\d``, ``\\w``, ...) is
  translated by asking Python itself which of the 256 latin-1 characters it accepts, under the
  flags in force at that point, and writing that set as an explicit byte class. Case-insensitive
  matching, ``DOTALL``, ``ASCII`` and Unicode categories are therefore exact for this alphabet,
  whatever Python's Unicode tables say, and the Rust pattern needs no flag but ``(?-u)``.
* ``^``, ``\\A`` and ``\\Z`` test absolute positions in both engines. ``$`` also matches before a
  final newline in Python, so it is translated only when it ends the whole pattern, where a full
  match must end at the very end anyway. ``\\b`` is translated only under ``ASCII``, where Python's
  word characters are Rust's ASCII word characters.
* Everything else (look-around, back-references, conditionals, atomic groups, possessive
  repetition, ``MULTILINE`` anchors, ``\\B``, locale-dependent matching, an unknown opcode or flag)
  makes the whole pattern stay with Python. So does any error while translating.
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

# Private modules of the standard library, whose names moved in 3.11; typed loosely on purpose.
_NEW_NAMES = sys.version_info >= (3, 11)
_parser: Any = importlib.import_module("re._parser" if _NEW_NAMES else "sre_parse")
_compiler: Any = importlib.import_module("re._compiler" if _NEW_NAMES else "sre_compile")
_constants: Any = importlib.import_module("re._constants" if _NEW_NAMES else "sre_constants")

# Matchers that always consume exactly one character.
_ONE_CHARACTER = {_constants.LITERAL, _constants.NOT_LITERAL, _constants.ANY, _constants.IN}
_REPEATS = {_constants.MAX_REPEAT, _constants.MIN_REPEAT}
# Items translated as one atom (a byte, a class or a group), which a quantifier can follow.
_SELF_CONTAINED = _ONE_CHARACTER | {_constants.SUBPATTERN, _constants.BRANCH}
_UNBOUNDED: int = _constants.MAXREPEAT

# Flags whose effect the translation accounts for; any other flag (LOCALE, TEMPLATE, ...) or a
# future one keeps the pattern with Python.
_UNDERSTOOD_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.UNICODE | re.ASCII

_NEVER_MATCHES = r"[^\x00-\xFF]"  # an empty byte class, which regex::bytes accepts and never matches


class _Untranslatable(Exception):
    """The pattern uses something whose meaning in Rust is not provably the same."""


def translate_pattern(pattern: re.Pattern[Any]) -> str | None:
    """The pattern in the syntax of Rust's ``regex::bytes`` (compiled with unicode disabled).

    Anchored at both ends, it matches a latin-1 origin's bytes exactly when
    ``pattern.fullmatch(origin)`` matches; ``None`` when that cannot be proven.
    """
    if not isinstance(pattern.pattern, str):
        return None  # a bytes pattern never matches the str origins Starlette passes
    try:
        with warnings.catch_warnings():
            # The pattern was compiled once already; its warnings (nested sets, ...) were given.
            warnings.simplefilter("ignore")
            parsed = _parser.parse(pattern.pattern, pattern.flags & ~re.DEBUG)  # DEBUG prints the tree
        flags: int = parsed.state.flags
        if flags != pattern.flags & ~re.DEBUG or flags & ~_UNDERSTOOD_FLAGS:
            return None
        body = _Translator().sequence(parsed, flags, tail=True)
    except Exception:  # anything unexpected leaves the pattern with Python, which is always right
        return None
    return rf"(?-u)\A(?:{body})\z"


class _Translator:
    """Writes a parse tree in Rust syntax; one instance per pattern, caching character sets."""

    def __init__(self) -> None:
        self._classes: dict[tuple[str, int], str] = {}

    def sequence(self, items: Sequence[tuple[Any, Any]], flags: int, *, tail: bool) -> str:
        """Concatenation; only the last item can be in tail position (nothing matched after it)."""
        last = len(items) - 1
        return "".join(self.item(op, av, flags, tail=tail and i == last) for i, (op, av) in enumerate(items))

    def item(self, op: Any, av: Any, flags: int, *, tail: bool) -> str:
        if op in _ONE_CHARACTER:
            return self.character(op, av, flags)
        if op is _constants.SUBPATTERN:
            # Captures do not change which strings match; scoped flags such as (?i:...) do.
            _group, add_flags, del_flags, items = av
            scoped: int = _compiler._combine_flags(flags, add_flags, del_flags)
            if scoped & ~_UNDERSTOOD_FLAGS:
                raise _Untranslatable("scoped flag")
            return _atom(items, self.sequence(items, scoped, tail=tail))
        if op is _constants.BRANCH:
            _unused, branches = av
            return "(?:" + "|".join(self.sequence(b, flags, tail=tail) for b in branches) + ")"
        if op in _REPEATS:
            # Greedy or lazy, backtracking tries every count; only a single, final iteration ends
            # the whole match, so only then does the body stay in tail position.
            low, high, items = av
            return _atom(items, self.sequence(items, flags, tail=tail and high <= 1)) + _count(low, high)
        if op is _constants.AT:
            return _anchor(av, flags, tail=tail)
        raise _Untranslatable(str(op))

    def character(self, op: Any, av: Any, flags: int) -> str:
        """The latin-1 characters a one-character matcher accepts, as Python decides it."""
        key = (repr((op, av)), flags)
        if key not in self._classes:
            state = _parser.State()
            state.flags = flags
            matcher: re.Pattern[str] = _compiler.compile(_parser.SubPattern(state, [(op, av)]), flags)
            self._classes[key] = _byte_class([c for c in range(256) if matcher.fullmatch(chr(c))])
        return self._classes[key]


def _atom(items: Sequence[tuple[Any, Any]], body: str) -> str:
    """The translation `body` of `items` as one atom, grouped unless it already is one."""
    return body if len(items) == 1 and items[0][0] in _SELF_CONTAINED else f"(?:{body})"


def _anchor(code: Any, flags: int, *, tail: bool) -> str:
    if code is _constants.AT_BEGINNING_STRING:
        return r"\A"
    if code is _constants.AT_END_STRING:
        return r"\z"
    if code is _constants.AT_BEGINNING and not flags & re.MULTILINE:
        return r"\A"
    if code is _constants.AT_END and not flags & re.MULTILINE and tail:
        # `$` may also match before a final "\n", but a full match that ends here ends at the end.
        return r"\z"
    if code is _constants.AT_BOUNDARY and not flags & (re.UNICODE | re.LOCALE):
        # Python's rule for an ASCII \b (see the compiler); word characters are then [0-9A-Za-z_].
        return r"(?-u:\b)"
    # \B (Python's never matches an empty string, Rust's does), Unicode \b, MULTILINE anchors.
    raise _Untranslatable(str(code))


def _count(low: int, high: int) -> str:
    if high == _UNBOUNDED:
        return {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    if (low, high) == (0, 1):
        return "?"
    return f"{{{low}}}" if low == high else f"{{{low},{high}}}"


def _byte_class(members: Sequence[int]) -> str:
    """The bytes in `members` (sorted, distinct), written as the shortest clear Rust matcher."""
    if not members:
        return _NEVER_MATCHES
    if len(members) == 1:
        return _byte(members[0])
    included = _ranges(members)
    present = set(members)
    excluded = _ranges([c for c in range(256) if c not in present])
    if excluded and len(excluded) < len(included):
        return f"[^{excluded}]"
    return f"[{included}]"


def _ranges(codes: Iterable[int]) -> str:
    """Sorted byte values as a class body: runs of three or more become ranges."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    parts = []
    for first, last in runs:
        separator = "-" if last - first >= 2 else ""
        parts.append(_byte(first) if first == last else f"{_byte(first)}{separator}{_byte(last)}")
    return "".join(parts)


def _byte(code: int) -> str:
    """One byte: ASCII letters and digits as themselves (never special in Rust), others as \\xHH."""
    char = chr(code)
    return char if char.isascii() and char.isalnum() else f"\\x{code:02X}"
