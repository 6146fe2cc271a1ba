"""``allow_origin_regex``: the origins Starlette's ``re.fullmatch`` allows, and no others.

fastcors evaluates the pattern with Rust's linear-time ``regex`` engine when ``fastcors._regex`` can
translate it without changing its meaning, and with Python's ``re`` otherwise. Either way the
answer must be Starlette's. Every expectation below is computed by ``re.fullmatch`` or by
Starlette's own middleware; the table only chooses patterns and origins worth asking about, and
states which engine the Rust core should use for each pattern.

Each test runs once per core (the ``implementation`` fixture of ``conftest.py``); the pure Python
core always uses Python's ``re``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware
from starlette.types import Receive, Scope, Send

from fastcors import CORSMiddleware
from fastcors._regex import translate_pattern

#: Starlette accepts these patterns, good or bad, and so must fastcors: the checks' warnings are
#: beside the point here (tests/spec/test_config_checks.py covers them). Python warns about class
#: syntax it may give a new meaning one day ("[[", "&&", "--", "~~", "||").
pytestmark = [
    pytest.mark.filterwarnings("ignore::fastcors.CORSConfigWarning"),
    pytest.mark.filterwarnings("ignore:Possible .* at position:FutureWarning"),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Never called: these tests only ask the middleware about origins."""


@dataclass(frozen=True)
class Case:
    pattern: str
    #: The engine the Rust core uses for this pattern ("rust" or "python").
    engine: str
    #: Origins worth asking about for this pattern, besides ``PROBES``.
    origins: tuple[str, ...]
    #: The translation exists but is too large for the Rust engine's size limit.
    too_large_for_rust: bool = False

    @property
    def translated(self) -> bool:
        return self.engine == "rust" or self.too_large_for_rust


def case(pattern: str, engine: str, *origins: str, too_large_for_rust: bool = False) -> Case:
    return Case(pattern, engine, origins, too_large_for_rust)


#: Asked about every pattern: empty, opaque, typical, bypass attempts, case, a trailing newline,
#: latin-1 and non-latin-1 characters.
PROBES = (
    "",
    "null",
    "https://example.org",
    "https://api.example.org",
    "https://x.org.evil.com",
    "HTTPS://API.EXAMPLE.ORG",
    "https://example.org\n",
    "https://api.example.org\n",
    "https://caf\xe9.example.org",
    "https://\u4e2d.example.org",
)

CASES = [
    # Common origin patterns.
    case(
        r"https://.*\.example\.org",
        "rust",
        "https://.example.org",
        "https://a.b.example.org",
        "http://a.example.org",
        "https://a.example.org.evil.com",
        "https://evil.com/.example.org",
        "https://a\n.example.org",
    ),
    case(
        r"https://(api|www)\.example\.org",
        "rust",
        "https://www.example.org",
        "https://cdn.example.org",
        "https://apiwww.example.org",
    ),
    case(
        r"^https://[a-z0-9-]+\.example\.com$",
        "rust",
        "https://a-1.example.com",
        "https://a_1.example.com",
        "https://A.example.com",
        "https://a.example.com\n",
        "https://.example.com",
    ),
    case(
        r"https://example\.org(:\d+)?",
        "rust",
        "https://example.org:",
        "https://example.org:8080",
        "https://example.org:80a",
        "https://example.org:\xb2",
        "https://example.org:8080\n",
    ),
    case(
        r"https://[a-z]+\.example\.org|https://other\.net",
        "rust",
        "https://other.net",
        "https://api.example.orghttps://other.net",
    ),
    # An unescaped dot looks like an anchored host, yet allows look-alikes, not suffixes.
    case(r"https://x.org", "rust", "https://x.org", "https://xzorg", "https://x.org.evil.com"),
    case(
        r"https://.*\.x\.org", "rust", "https://a.x.org", "https://x.org.evil.com", "https://a.x.org.evil.com"
    ),
    # Case-insensitivity, global and scoped, including characters whose case folds out of latin-1.
    case(
        r"(?i)https://[a-z]+\.example\.org",
        "rust",
        "HTTPS://Api.Example.Org",
        "https://\xc9.example.org",
        "https://\xff.example.org",
    ),
    case(r"https://(?i:API)\.example\.org", "rust", "https://Api.example.org", "https://API.EXAMPLE.ORG"),
    case(
        r"(?i)https://(?-i:api)\.example\.org", "rust", "HTTPS://api.EXAMPLE.org", "https://API.example.org"
    ),
    case(
        r"(?i)https://caf\xe9\.org", "rust", "https://caf\xe9.org", "HTTPS://CAF\xc9.ORG", "https://cafe.org"
    ),
    case(r"(?i)https://\u212a\.org", "rust", "https://k.org", "https://K.org", "https://\xb5.org"),
    case(r"(?i)https://\u017f\.org", "rust", "https://s.org", "https://S.org"),
    case(r"(?i)https://\xb5\.org", "rust", "https://\xb5.org", "https://m.org"),
    case(r"(?i)[\xc0-\xde]+", "rust", "\xc0\xe0\xd7\xf7", "\xde\xfe\xdf", "\xf7"),
    case(r"(?i)https://[^a]\.org", "rust", "https://A.org", "https://b.org"),
    # ASCII-only classes and DOTALL.
    case(r"(?a)https://\w+\.org", "rust", "https://caf\xe9.org", "https://cafe_1.org", "https://\xb2.org"),
    case(r"https://\w+\.org", "rust", "https://caf\xe9.org", "https://\xaa\xb5\xba.org", "https://\xd7.org"),
    case(r"(?a)[\s\d]+", "rust", " \t\n\r\x0b\x0c", "\xa0", "\x1c", "123", "\xb2"),
    case(r"(?s)https://.+", "rust", "https://a\nb", "https://\n", "https://"),
    case(r"https://.+", "rust", "https://a\nb", "https://\n", "https://\xff"),
    # Unicode categories over latin-1: superscripts are word characters but not digits.
    case(r"\d+", "rust", "0123456789", "\xb2", "1\xb2", "\xb9\xb3", "\xbc"),
    case(r"\w+", "rust", "\xaa", "\xb5", "\xba", "\xb2\xbc", "\xd7", "\xf7", "_", "-", "\xc0\xff"),
    case(r"\s", "rust", " ", "\t", "\x0b", "\x1c", "\x1f", "\x85", "\xa0", "\xad"),
    case(r"\W+", "rust", "-", "\xa0", "\xe9", "\xd7\xf7", "._~"),
    case(r"[\S]+", "rust", "a\xa0", "\xad", "\x85"),
    # Classes, negation and ranges.
    case(r"[^a-z]+", "rust", "ABC", "\xe9", "\n", "a"),
    case(r"https://[\x00-\x7f]+", "rust", "https://\x00", "https://\x7f", "https://\x80"),
    case(r"https://[^\W\d_]+\.org", "rust", "https://\xe9t\xe9.org", "https://a1.org", "https://a_b.org"),
    case(r"https://[\u00e0-\u00ff]+\.org", "rust", "https://\xe0\xff.org", "https://\xdf.org"),
    case(r"https://[]a-]+\.org", "rust", "https://]-a.org", "https://b.org"),
    case(r"https://[\^\\\]]+\.org", "rust", "https://^\\].org", "https://^.org"),
    # Counted, lazy and nested repetition; alternation with empty branches.
    case(
        r"https://a{2,3}\.org",
        "rust",
        "https://a.org",
        "https://aa.org",
        "https://aaa.org",
        "https://aaaa.org",
    ),
    case(r"https://a{2}\.org", "rust", "https://aa.org", "https://aaa.org"),
    case(r"https://a{2,}\.org", "rust", "https://a.org", "https://aaaaaaaa.org"),
    case(r"https://a{,2}\.org", "rust", "https://.org", "https://aa.org", "https://aaa.org"),
    case(r"https://(ab){0}\.org", "rust", "https://.org", "https://ab.org"),
    case(r"https://.*?\.org", "rust", "https://a.org.org", "https://.org"),
    case(r"https://(a|b)+?\.org", "rust", "https://abba.org", "https://.org", "https://abc.org"),
    case(r"https://(|www\.)example\.org", "rust", "https://www.example.org", "https://wwwexample.org"),
    case(
        r"https://(www\.|)example\.org(|:443)",
        "rust",
        "https://example.org:443",
        "https://www.example.org:80",
    ),
    case(r"https://((a|b)(c|(d|e)))+\.org", "rust", "https://ac.org", "https://bdae.org", "https://a.org"),
    case(r"(https://)?(a|)*(b?)+\.org", "rust", "aab.org", ".org", "https://.org", "https://c.org"),
    case(r"(?x) https:// [a-z]+ \. example \. org  # free-spacing", "rust", "https://a.example.org"),
    # Anchors. Python's `$` also matches before a final newline: only tail `$` is translated.
    case(r"https://example\.org\Z", "rust", "https://example.org\n"),
    case(r"\Ahttps://example\.org$", "rust", "https://example.org\n"),
    case(r"(https://a\.org$|https://b\.org)", "rust", "https://a.org", "https://a.org\n", "https://b.org\n"),
    case(r"https://a\.org(?:$)?", "rust", "https://a.org", "https://a.org\n"),
    case(r"https://a\.org|^null$", "rust", "null", "null\n", "https://a.org"),
    case(r"https://a\.org$\n", "python", "https://a.org", "https://a.org\n", "https://a.org\n\n"),
    case(r"https://a\.org$\n?", "python", "https://a.org", "https://a.org\n"),
    case(r"https://(?:a\.org$)+", "python", "https://a.org", "https://a.org\n"),
    case(r"https://a^b|\Ab\Z|a\Ab", "rust", "b", "ab", "https://ab"),
    # Word boundaries: ASCII ones are Rust's; Unicode ones and \B stay with Python.
    case(r"(?a)https://\bapi\b.*", "rust", "https://api.org", "https://apis.org", "https://api\xe9.org"),
    case(r"https://(?a:\b)api(?a:\b).*", "rust", "https://api.org", "https://api_.org"),
    case(r"https://\bapi\b.*", "python", "https://api.org", "https://api\xe9.org", "https://api\xb2.org"),
    case(r"https://a\Bpi\..*", "python", "https://api.org", "https://a.org"),
    case(r"\B", "python", "a"),
    # Constructs outside regular languages, or changing which strings match: Python's re.
    case(r"https://(?=api\.)[a-z.]+\.org", "python", "https://api.x.org", "https://www.x.org"),
    case(r"https://(?!evil\.)[a-z.]+\.org", "python", "https://evil.x.org", "https://good.x.org"),
    case(r"https://[a-z]+(?<!evil)\.org", "python", "https://evil.org", "https://devils.org"),
    case(r"https://[a-z]+(?<=api)\.org", "python", "https://myapi.org", "https://apis.org"),
    case(r"https://(\w+)\.\1\.org", "python", "https://a.a.org", "https://a.b.org"),
    case(
        r"https://(www\.)?example\.org(?(1)|:8080)",
        "python",
        "https://www.example.org",
        "https://example.org:8080",
    ),
    case(r"(?m)https://a\.org$", "python", "https://a.org", "https://a.org\n"),
    case(r"(?m)^https://a\.org", "python", "https://a.org"),
    # Class syntax other engines read differently: Python's literal meaning is kept.
    case(r"https://[[:alpha:]]+\.org", "rust", "https://alpha].org", "https://[:]].org", "https://abc.org"),
    case(r"https://[a&&b]+\.org", "rust", "https://a&b.org", "https://&&.org", "https://c.org"),
    case(r"https://[%--]+\.org", "rust", "https://%-.org", "https://*+,.org", "https://..org"),
    case(r"https://[a~~b]+\.org", "rust", "https://~.org", "https://ab.org"),
    case(r"https://[a||b]+\.org", "rust", "https://|.org", "https://ab.org"),
    # Edge cases of the alphabet and of size.
    case(r"", "rust", "a"),
    case(r"https://\u4e2d\.org", "rust", "https://\u4e2d.org", "https://-.org"),
    case(r"https://[^\x00-\U0010ffff]\.org", "rust", "https://a.org", "https://\xff.org"),
    case(r"https://(a+)+\.example\.org", "rust", "https://aaaa.example.org", "https://aaaa!.example.org"),
    case(r"(?:\w{1000}){1000}", "python", "abc", too_large_for_rust=True),
]

#: Possessive quantifiers and atomic groups: Python's ``re`` accepts them from 3.11 on.
NEWER_SYNTAX_CASES = [
    case(r"https://a++\.org", "python", "https://aaa.org"),
    case(r"https://a*+a\.org", "python", "https://aa.org", "https://a.org"),
    case(r"https://(?>a+)\.org", "python", "https://aaa.org", "https://.org"),
    case(r"https://(?>a|ab)c\.org", "python", "https://abc.org", "https://ac.org"),
]
NEWER_SYNTAX_ACCEPTED = sys.version_info >= (3, 11)
if NEWER_SYNTAX_ACCEPTED:
    CASES += NEWER_SYNTAX_CASES


def params(cases: list[Case]) -> list[Any]:
    return [pytest.param(case, id=case.pattern) for case in cases]


ALL_CASES = params(CASES)
TRANSLATED_CASES = params([case for case in CASES if case.translated])


def expected_answers(pattern: str, origins: tuple[str, ...]) -> dict[str, bool]:
    compiled = re.compile(pattern)
    return {origin: compiled.fullmatch(origin) is not None for origin in origins}


def origins_to_ask(case: Case) -> tuple[str, ...]:
    return PROBES + case.origins


@pytest.mark.parametrize("case", ALL_CASES)
def test_allows_exactly_the_origins_fullmatch_allows(case: Case) -> None:
    middleware = CORSMiddleware(app, allow_origin_regex=case.pattern)
    origins = origins_to_ask(case)
    answers = {origin: middleware.is_allowed_origin(origin) for origin in origins}
    assert answers == expected_answers(case.pattern, origins)


@pytest.mark.parametrize("case", ALL_CASES)
def test_answers_like_starlettes_own_middleware(case: Case) -> None:
    ours = CORSMiddleware(app, allow_origin_regex=case.pattern)
    theirs = StarletteCORSMiddleware(app, allow_origin_regex=case.pattern)
    origins = origins_to_ask(case)
    assert {o: ours.is_allowed_origin(o) for o in origins} == {
        o: theirs.is_allowed_origin(o) for o in origins
    }


@pytest.mark.parametrize("case", ALL_CASES)
def test_rust_core_evaluates_only_provably_translated_patterns(case: Case, implementation: str) -> None:
    middleware = CORSMiddleware(app, allow_origin_regex=case.pattern)
    assert middleware.origin_regex_engine == (case.engine if implementation == "rust" else "python")


@pytest.mark.parametrize("case", ALL_CASES)
def test_translation_exists_exactly_where_the_meaning_is_kept(case: Case) -> None:
    translation = translate_pattern(re.compile(case.pattern))
    assert (translation is not None) == case.translated


def as_python_pattern(translation: str) -> str:
    r"""The translation in Python's syntax, where it means the same for latin-1 text.

    Our translations use only ``\xHH`` bytes, ASCII letters and digits, byte classes, groups,
    quantifiers and the anchors below, which both syntaxes share except for these spellings.
    """
    prefix, body = translation[: len("(?-u)")], translation[len("(?-u)") :]
    assert prefix == "(?-u)"
    return body.replace(r"\z", r"\Z").replace(r"(?-u:\b)", r"(?a:\b)")


LATIN1 = tuple(chr(code) for code in range(256))


@pytest.mark.parametrize("case", TRANSLATED_CASES)
def test_translation_read_back_by_python_matches_the_same_origins(case: Case) -> None:
    translation = translate_pattern(re.compile(case.pattern))
    assert translation is not None
    assert translation.isascii()
    assert translation.startswith(r"(?-u)\A(?:")
    assert translation.endswith(r")\z")
    read_back = re.compile(as_python_pattern(translation))
    origins = tuple(o for o in origins_to_ask(case) if o.isascii() or max(o) <= "\xff") + LATIN1
    assert {o: read_back.fullmatch(o) is not None for o in origins} == expected_answers(case.pattern, origins)


def test_a_pattern_python_rejects_is_rejected_at_construction_like_starlette() -> None:
    with pytest.raises(re.error):
        StarletteCORSMiddleware(app, allow_origin_regex=r"https://\p{L}+\.org")
    with pytest.raises(re.error):
        CORSMiddleware(app, allow_origin_regex=r"https://\p{L}+\.org")


def test_hostile_origin_is_refused_in_linear_time_by_the_rust_engine(implementation: str) -> None:
    if implementation != "rust":
        pytest.skip("Python's re backtracks exponentially on this origin, as Starlette does")
    middleware = CORSMiddleware(app, allow_origin_regex=r"https://(a+)+\.example\.org")
    assert middleware.origin_regex_engine == "rust"
    assert not middleware.is_allowed_origin("https://" + "a" * 5000 + "!")
    assert middleware.is_allowed_origin("https://" + "a" * 5000 + ".example.org")


def test_bytes_patterns_are_left_to_python() -> None:
    assert translate_pattern(re.compile(rb"https://a\.org")) is None


def test_translating_a_debug_pattern_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    compiled = re.compile(r"https://[a-z]+\.org", re.DEBUG)
    capsys.readouterr()
    assert translate_pattern(compiled) is not None
    assert capsys.readouterr().out == ""


# Random origins, mostly built from pieces of URLs so that some of them match.
URL_PIECES = ("https://", "http://", "a", "api", "www", ".", "example", "org", "com", ":", "443", "8080")
ODD_PIECES = ("-", "_", "/", "\n", "A", "API", "\xc9", "\xe9", "\xb2", "\xa0", "\xff", "\x00")
latin1_origins = st.lists(
    st.one_of(
        st.sampled_from(URL_PIECES),
        st.sampled_from(ODD_PIECES),
        st.characters(min_codepoint=0, max_codepoint=0xFF),
    ),
    max_size=12,
).map("".join)

TRANSLATED_PATTERNS = (
    r"https://.*\.example\.org",
    r"^https://(api|www)\.example\.(org|com)(:\d+)?$",
    r"(?i)https?://[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.org",
    r"https?://(?i:API|www)\.example\.org(:(443|8080))?\Z",
    r"(?a)https://\w+\.\w{2,3}",
    r"(?s)https?://[^:]*?(:\d{1,5})?",
    r"https://[\w.-]+\.(org|com|)\s?",
)


@pytest.mark.parametrize("pattern", TRANSLATED_PATTERNS)
def test_random_origins_agree_with_fullmatch(pattern: str, implementation: str) -> None:
    compiled = re.compile(pattern)
    middleware = CORSMiddleware(app, allow_origin_regex=pattern)
    assert middleware.origin_regex_engine == implementation

    @settings(max_examples=300, deadline=None)
    @given(latin1_origins)
    def agrees(origin: str) -> None:
        assert middleware.is_allowed_origin(origin) == (compiled.fullmatch(origin) is not None)

    agrees()


# Random patterns built from the constructs the translation handles (and a few it refuses),
# asked about short origins over a small alphabet that makes both matches and misses likely.
PATTERN_ATOMS = (
    "a", "b", "k", "s", ".", r"\.", r"\d", r"\w", r"\s", r"\W", "[a-c]", "[^a]", r"[\w-]", r"\n",
    "\xe9", "\xb2", "\u212a", "\u017f", r"\A", r"\Z", "^", "$", r"\b", r"(?a:\b)",
)  # fmt: skip
QUANTIFIERS = ("*", "+", "?", "{2}", "{0,2}", "{1,3}", "{2,}", "*?", "+?", "??", "{0}")
SCOPED_FLAGS = ("i", "s", "a", "-i", "-s")


def regexes() -> st.SearchStrategy[str]:
    def combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.lists(inner, min_size=2, max_size=3).map("".join),
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: "(" + "|".join(parts) + ")"),
            st.tuples(inner, st.sampled_from(QUANTIFIERS)).map(lambda t: f"(?:{t[0]}){t[1]}"),
            st.tuples(st.sampled_from(SCOPED_FLAGS), inner).map(lambda t: f"(?{t[0]}:{t[1]})"),
        )

    global_flags = st.sampled_from(("", "(?i)", "(?a)", "(?s)", "(?ia)"))
    body = st.recursive(st.sampled_from(PATTERN_ATOMS), combine, max_leaves=8)
    return st.tuples(global_flags, body).map("".join)


short_origins = st.lists(st.text(alphabet="abkKsS\xe9\xc9\xb2._-\n ", max_size=6), min_size=1, max_size=20)


def test_random_patterns_agree_with_fullmatch(implementation: str) -> None:
    @settings(max_examples=400, deadline=None)
    @given(regexes(), short_origins)
    def agrees(pattern: str, origins: list[str]) -> None:
        middleware = CORSMiddleware(app, allow_origin_regex=pattern)
        answers = {origin: middleware.is_allowed_origin(origin) for origin in origins}
        assert answers == expected_answers(pattern, tuple(origins))

    agrees()


@pytest.mark.skipif(NEWER_SYNTAX_ACCEPTED, reason="this interpreter's re accepts the syntax")
@pytest.mark.parametrize("pattern", [case.pattern for case in NEWER_SYNTAX_CASES])
def test_syntax_the_interpreters_re_lacks_is_refused_at_construction_as_by_starlette(pattern: str) -> None:
    with pytest.raises(re.error):
        StarletteCORSMiddleware(app, allow_origin_regex=pattern)
    with pytest.raises(re.error, match="allow_origin_regex"):
        CORSMiddleware(app, allow_origin_regex=pattern)
