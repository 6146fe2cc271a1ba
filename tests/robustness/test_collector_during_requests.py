"""Code the garbage collector runs in the middle of a request (a ``gc.callbacks`` entry, a
``__del__``, as memory profilers, leak detectors and ORMs have) changes nothing but what Starlette
would let it change, and never crashes the interpreter.

Each scenario runs in a child process (a crash must fail the test, not end the run) with the
collector made to run at almost every allocation (``gc.set_threshold(1)``). On CPython 3.10 and
3.11 a collection runs inside the allocation that triggers it, in the middle of the core's work;
from 3.12 on it waits for the next bytecode, so there the scenarios check the same answers with
fewer moments of interference. Starlette copies the app's headers (``list(headers)``) before it
decides anything from them, so a change the collector makes to the app's list counts when it lands
before that copy and not after: the response must be Starlette's answer to one of the two lists.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from tests.asgi import http_scope, run

#: What the child runs before a scenario: the core chosen, the collector armed by the app.
PRELUDE = """
import gc, json, sys
import fastcors
from fastcors import CORSMiddleware

assert fastcors.IMPLEMENTATION == sys.argv[1], fastcors.IMPLEMENTATION
pending = []
changes = []
armed_in = []


# Counts collections started while the frame that armed is the running one: from within the core's
# own work (native code pushes no frame), not from Python code the core calls.
def collector_runs(phase, info):
    if pending and phase == "start" and sys._getframe(1).f_code in armed_in:
        pending.pop()
        if not pending:
            for change in changes:
                change()


gc.callbacks.append(collector_runs)
drained = []


class Counted:
    pass


# The scheduled changes are made by the `(moment + 1) // 2`-th such collection. The interpreter's
# free lists of lists and pairs are emptied first, so that the core's lists and pairs are new
# objects, and a collection then comes at every second new object; an odd moment shifts them by one.
def arm(moment, *scheduled):
    changes[:] = scheduled
    armed_in[:] = [sys._getframe(1).f_code]
    gc.disable()
    drained.clear()
    gc.collect()
    # Appended where they are made: a temporary list, freed, would refill the free list.
    drained.append([[] for _ in range(200)])
    drained.append([(index, index) for index in range(4000)])
    gc.collect(0)
    if moment % 2:
        drained.append(Counted())
    for _ in range((moment + 1) // 2):  # no list of arm's own: freed, it would refill the free list
        pending.append(None)
    gc.enable()


def serve(middleware, origin):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"origin", origin)]}
    gc.set_threshold(1)
    try:
        coroutine = middleware(scope, receive, send)
        try:
            coroutine.send(None)
        except StopIteration:
            pass
    finally:
        gc.set_threshold(700, 10, 10)
    return [[name.decode("latin-1"), value.decode("latin-1")] for name, value in sent[0]["headers"]]
"""


def run_child(implementation: str, scenario: str) -> Any:
    """The scenario's printed JSON; the child must exit normally."""
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    environment.pop("FASTCORS_NO_EXTENSIONS", None)
    if implementation == "python":
        environment["FASTCORS_NO_EXTENSIONS"] = "1"
    script = PRELUDE + textwrap.dedent(scenario)
    child = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", script, implementation],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert child.returncode == 0, f"the child ended with {child.returncode}:\n{child.stderr[-3000:]}"
    return json.loads(child.stdout.strip().splitlines()[-1])


def starlettes_answers(
    options: dict[str, Any], origin: bytes, *header_lists: list[tuple[bytes, bytes]]
) -> list[Any]:
    """Starlette's response headers for the app's start message carrying each list in turn."""
    answers = []
    for headers in header_lists:

        async def app(scope: Any, receive: Any, send: Any, headers: Any = headers) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
            await send({"type": "http.response.body", "body": b""})

        messages = run(StarletteCORSMiddleware(app, **options), http_scope("GET", [(b"origin", origin)]))
        answers.append([[n.decode("latin-1"), v.decode("latin-1")] for n, v in messages[0]["headers"]])
    return answers


#: The new objects of the core's work at which a collection runs: each of its first few.
MOMENTS = [1, 2, 3, 4]
APP_HEADERS = [(b"x-item-%d" % index, b"value") for index in range(40)]
LISTED = {"allow_origins": ["https://app.example.org"], "expose_headers": ["X-Total"]}
#: Origins judged by Python code (a function), so the core copies the app's headers first.
JUDGED_BY_A_FUNCTION = {**LISTED, "allow_origin_func": "lambda origin: origin == 'https://fn.example.org'"}


def options_source(options: dict[str, Any]) -> str:
    parts = [
        f"{name}={value}" if name == "allow_origin_func" else f"{name}={value!r}"
        for name, value in options.items()
    ]
    return ", ".join(parts)


def options_value(options: dict[str, Any]) -> dict[str, Any]:
    """Starlette's options for the same verdicts: the function allows none of the origins sent."""
    return {name: value for name, value in options.items() if name != "allow_origin_func"}


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("options", [LISTED, JUDGED_BY_A_FUNCTION], ids=["listed origins", "origin function"])
@pytest.mark.parametrize(
    "origin", [b"https://app.example.org", b"https://evil.example.net"], ids=["allowed", "refused"]
)
def test_a_collection_that_empties_the_apps_headers_gives_starlettes_answer_to_one_of_the_lists(
    implementation: str, options: dict[str, Any], origin: bytes, moment: int
) -> None:
    scenario = f"""
    headers = {APP_HEADERS!r}

    async def app(scope, receive, send):
        start = {{"type": "http.response.start", "status": 200, "headers": headers}}
        arm({moment}, lambda: headers.clear())
        await send(start)

    print(json.dumps(serve(CORSMiddleware(app, {options_source(options)}), {origin!r})))
    """
    answer = run_child(implementation, scenario)
    assert answer in starlettes_answers(options_value(options), origin, APP_HEADERS, [])


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("options", [LISTED, JUDGED_BY_A_FUNCTION], ids=["listed origins", "origin function"])
@pytest.mark.parametrize(
    "origin", [b"https://app.example.org", b"https://evil.example.net"], ids=["allowed", "refused"]
)
def test_a_collection_that_shrinks_the_apps_headers_gives_starlettes_answer_to_one_of_the_lists(
    implementation: str, options: dict[str, Any], origin: bytes, moment: int
) -> None:
    scenario = f"""
    headers = {APP_HEADERS!r}

    async def app(scope, receive, send):
        start = {{"type": "http.response.start", "status": 200, "headers": headers}}
        arm({moment}, lambda: headers.__delitem__(slice(5, None)))
        await send(start)

    print(json.dumps(serve(CORSMiddleware(app, {options_source(options)}), {origin!r})))
    """
    answer = run_child(implementation, scenario)
    assert answer in starlettes_answers(options_value(options), origin, APP_HEADERS, APP_HEADERS[:5])


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("options", [LISTED, JUDGED_BY_A_FUNCTION], ids=["listed origins", "origin function"])
@pytest.mark.parametrize(
    "origin", [b"https://app.example.org", b"https://evil.example.net"], ids=["allowed", "refused"]
)
def test_a_collection_that_replaces_an_app_header_in_place_gives_starlettes_answer_to_one_of_the_lists(
    implementation: str, options: dict[str, Any], origin: bytes, moment: int
) -> None:
    # The same length, a header the edits replace: a decision taken from the list before the
    # change and a copy taken after it would send two Access-Control-Allow-Origin headers.
    replaced = (b"access-control-allow-origin", b"https://app-set.example.org")
    scenario = f"""
    headers = [(b"x-first", b"1"), (b"x-second", b"2")]

    async def app(scope, receive, send):
        start = {{"type": "http.response.start", "status": 200, "headers": headers}}
        arm({moment}, lambda: headers.__setitem__(1, {replaced!r}))
        await send(start)

    print(json.dumps(serve(CORSMiddleware(app, {options_source(options)}), {origin!r})))
    """
    answer = run_child(implementation, scenario)
    before = [(b"x-first", b"1"), (b"x-second", b"2")]
    after = [(b"x-first", b"1"), replaced]
    assert answer in starlettes_answers(options_value(options), origin, before, after)


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("options", [LISTED, JUDGED_BY_A_FUNCTION], ids=["listed origins", "origin function"])
def test_a_collection_that_reads_every_list_while_the_response_headers_are_built_finds_them_whole(
    implementation: str, options: dict[str, Any], moment: int
) -> None:
    scenario = f"""
    headers = [(b"x-first", b"1")]

    def read_every_list():
        for found in gc.get_objects():
            if type(found) is list:
                for item in found:
                    repr(item)

    async def app(scope, receive, send):
        start = {{"type": "http.response.start", "status": 200, "headers": headers}}
        arm({moment}, read_every_list)
        await send(start)

    print(json.dumps(serve(CORSMiddleware(app, {options_source(options)}), b"https://app.example.org")))
    """
    answer = run_child(implementation, scenario)
    assert answer in starlettes_answers(
        options_value(options), b"https://app.example.org", [(b"x-first", b"1")]
    )


@pytest.mark.parametrize("call", ["kept send", "middleware"])
def test_an_error_raised_through_the_core_while_the_interpreter_exits_is_an_exception(
    implementation: str, call: str
) -> None:
    # A finaliser that runs at exit, after the main module's names are cleared, calls the core
    # wrongly: Starlette's pure-Python code raises a TypeError, which the finaliser catches.
    scenario = f"""
    kept = []

    async def app(scope, receive, send):
        kept.append(send)
        await send({{"type": "http.response.start", "status": 200, "headers": []}})

    middleware = CORSMiddleware(app, allow_origins=["https://app.example.org"])
    serve(middleware, b"https://app.example.org")


    class AtExit:
        def __init__(self, send, middleware):
            self.send, self.middleware = send, middleware
            self.write, self.finalizing = os.write, sys.is_finalizing

        def __del__(self):
            assert self.finalizing()
            try:
                if {call!r} == "kept send":
                    self.send()
                else:
                    self.middleware()
            except TypeError:
                self.write(1, b"caught\\n")


    # Held by a module alone: freed when the exit removes the modules, while the interpreter finalizes.
    import os, types
    holder = sys.modules["exit_holder"] = types.ModuleType("exit_holder")
    holder.finaliser = AtExit(kept[0], middleware)
    del holder
    print(json.dumps("served"))
    """
    environment = {**os.environ}
    environment.pop("FASTCORS_NO_EXTENSIONS", None)
    if implementation == "python":
        environment["FASTCORS_NO_EXTENSIONS"] = "1"
    child = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(scenario), implementation],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert child.returncode == 0, f"the child ended with {child.returncode}:\n{child.stderr[-3000:]}"
    assert child.stdout.split() == ['"served"', "caught"]
