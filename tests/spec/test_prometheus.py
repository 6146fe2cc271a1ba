"""``fastcors.prometheus.CORSCollector``: a middleware's ``stats()`` in a real ``prometheus_client``
registry, scraped as text and read back with ``prometheus_client``'s own parser."""

from __future__ import annotations

import gc
import importlib
import json
import os
import re
import subprocess
import sys
import threading
import weakref
from pathlib import Path
from typing import Any

import pytest

prometheus_client = pytest.importorskip("prometheus_client")

from prometheus_client import CollectorRegistry, generate_latest  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from fastcors import CORSMiddleware  # noqa: E402
from fastcors._types import Scope  # noqa: E402
from fastcors.prometheus import CORSCollector  # noqa: E402
from tests.asgi import http_scope, ok_app, run  # noqa: E402

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.net"


def simple(origin: str | None = None) -> Scope:
    return http_scope(headers=[] if origin is None else [(b"origin", origin.encode())])


def preflight(origin: str, method: str = "GET") -> Scope:
    headers = [(b"origin", origin.encode()), (b"access-control-request-method", method.encode())]
    return http_scope("OPTIONS", headers)


def scraped(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition: ``(name, sorted labels) -> value``, as Prometheus reads it."""
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(name: str, **labels: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted(labels.items()))


def served(**options: Any) -> tuple[CORSMiddleware, CollectorRegistry]:
    middleware = CORSMiddleware(ok_app(), **{"allow_origins": [ALLOWED], **options})
    registry = CollectorRegistry()
    CORSCollector(middleware, name="api", registry=registry)
    return middleware, registry


def test_each_outcome_is_a_sample_of_fastcors_requests_total() -> None:
    middleware, registry = served()
    for scope in (
        simple(),
        simple(ALLOWED),
        simple(OTHER),
        simple(OTHER),
        preflight(ALLOWED),
        preflight(OTHER),
    ):
        run(middleware, scope)
    samples = scraped(registry)
    outcomes = {
        "no_origin": 1,
        "simple_allowed": 1,
        "simple_refused": 2,
        "preflight_allowed": 1,
        "preflight_refused": 1,
        "websocket_refused": 0,
    }
    for outcome, value in outcomes.items():
        key = sample("fastcors_requests_total", middleware="api", route="", outcome=outcome)
        assert samples[key] == value, outcome
    assert {key for key in samples if key[0] == "fastcors_requests_total"} == {
        sample("fastcors_requests_total", middleware="api", route="", outcome=outcome) for outcome in outcomes
    }


def test_every_http_request_is_a_sample_of_fastcors_http_requests_total() -> None:
    middleware, registry = served()
    for scope in (simple(), simple(ALLOWED), preflight(OTHER)):
        run(middleware, scope)
    assert scraped(registry)[sample("fastcors_http_requests_total", middleware="api", route="")] == 3


def test_refused_preflights_are_counted_by_their_first_failing_check() -> None:
    middleware, registry = served()
    run(middleware, preflight(OTHER, "PUT"))
    run(middleware, preflight(ALLOWED, "PUT"))
    samples = scraped(registry)
    reasons = {"origin": 1, "method": 1, "headers": 0, "private_network": 0}
    for reason, value in reasons.items():
        key = sample("fastcors_preflight_refusals_total", middleware="api", route="", reason=reason)
        assert samples[key] == value, reason


def test_allow_origin_funcs_events_are_counted() -> None:
    middleware, registry = served(allow_origin_func=lambda origin: False, allow_origin_func_cache_size=4)
    run(middleware, simple(OTHER))
    run(middleware, simple(OTHER))
    samples = scraped(registry)
    events = {"calls": 1, "cache_hits": 1, "errors": 0}
    for event, value in events.items():
        assert samples[sample("fastcors_origin_func_total", middleware="api", route="", event=event)] == value


def test_the_shadows_differences_are_a_sample_of_fastcors_shadow_differences_total() -> None:
    middleware, registry = served(allow_origins=[ALLOWED], shadow={"allow_origins": [OTHER]})
    assert scraped(registry)[sample("fastcors_shadow_differences_total", middleware="api", route="")] == 0
    run(middleware, simple(ALLOWED))
    run(middleware, simple(OTHER))
    run(middleware, simple())  # no Origin: not compared
    assert scraped(registry)[sample("fastcors_shadow_differences_total", middleware="api", route="")] == 2


def test_a_scrape_reads_the_counters_as_they_are_then() -> None:
    middleware, registry = served()
    key = sample("fastcors_requests_total", middleware="api", route="", outcome="simple_allowed")
    assert scraped(registry)[key] == 0
    run(middleware, simple(ALLOWED))
    assert scraped(registry)[key] == 1


def routed_scope(path: str, origin: str) -> Scope:
    return {**simple(origin), "path": path}


def test_each_route_is_a_series_set_labelled_by_its_prefix() -> None:
    admin = "https://admin.example.com"
    middleware, registry = served(routes={"/admin": {"allow_origins": [admin]}})
    for scope in (
        routed_scope("/admin/users", admin),
        routed_scope("/admin", ALLOWED),
        routed_scope("/admin/users", OTHER),
        routed_scope("/other", ALLOWED),
    ):
        run(middleware, scope)
    samples = scraped(registry)
    admin_requests = sample("fastcors_http_requests_total", middleware="api", route="/admin")
    assert samples[admin_requests] == 3
    assert samples[sample("fastcors_http_requests_total", middleware="api", route="")] == 1
    for route, outcome, value in [
        ("/admin", "simple_allowed", 1),
        ("/admin", "simple_refused", 2),
        ("", "simple_allowed", 1),
        ("", "simple_refused", 0),
    ]:
        key = sample("fastcors_requests_total", middleware="api", route=route, outcome=outcome)
        assert samples[key] == value, (route, outcome)
    for family, label in [
        ("fastcors_requests_total", "outcome"),
        ("fastcors_preflight_refusals_total", "reason"),
        ("fastcors_origin_func_total", "event"),
    ]:
        by_route = {
            route: {
                dict(labels)[label]
                for name, labels in samples
                if name == family and ("route", route) in labels
            }
            for route in ("", "/admin")
        }
        assert by_route["/admin"] == by_route[""] != set(), family


def test_a_route_of_none_counts_its_http_requests_and_no_outcome() -> None:
    middleware, registry = served(routes={"/webhooks": None, "/admin": {"max_age": 60}})
    run(middleware, routed_scope("/webhooks/github", ALLOWED))
    run(middleware, routed_scope("/webhooks", ALLOWED))
    samples = scraped(registry)
    assert samples[sample("fastcors_http_requests_total", middleware="api", route="/webhooks")] == 2
    webhooks = {key: value for key, value in samples.items() if ("route", "/webhooks") in key[1]}
    assert {key for key, value in webhooks.items() if value} == {
        sample("fastcors_http_requests_total", middleware="api", route="/webhooks")
    }
    assert samples[sample("fastcors_http_requests_total", middleware="api", route="")] == 0


def test_a_scrape_follows_reconfigured_routes() -> None:
    middleware, registry = served(routes={"/admin": {"max_age": 60}})
    run(middleware, routed_scope("/admin", ALLOWED))
    middleware.reconfigure(routes={"/admin": {"max_age": 30}, "/public": {"allow_origins": ["*"]}})
    samples = scraped(registry)
    assert samples[sample("fastcors_http_requests_total", middleware="api", route="/admin")] == 1
    assert samples[sample("fastcors_http_requests_total", middleware="api", route="/public")] == 0


def test_two_middlewares_are_told_apart_by_name() -> None:
    registry = CollectorRegistry()
    api = CORSMiddleware(ok_app(), allow_origins=[ALLOWED])
    admin = CORSMiddleware(ok_app(), allow_origins=[ALLOWED])
    CORSCollector(api, name="api", registry=registry)
    CORSCollector(admin, name="admin", registry=registry)
    run(admin, simple(ALLOWED))
    samples = scraped(registry)
    assert samples[sample("fastcors_http_requests_total", middleware="api", route="")] == 0
    assert samples[sample("fastcors_http_requests_total", middleware="admin", route="")] == 1


def test_two_middlewares_share_a_registry_that_checks_names_as_the_default_one_does() -> None:
    registry = CollectorRegistry(auto_describe=True)  # as prometheus_client's REGISTRY
    api = CORSMiddleware(ok_app(), allow_origins=[ALLOWED])
    admin = CORSMiddleware(ok_app(), allow_origins=[ALLOWED])
    CORSCollector(api, name="api", registry=registry)
    CORSCollector(admin, name="admin", registry=registry)
    run(api, simple(ALLOWED))
    text = generate_latest(registry).decode()
    assert text.count("# TYPE fastcors_requests_total counter") == 1
    samples = scraped(registry)
    assert samples[sample("fastcors_http_requests_total", middleware="api", route="")] == 1
    assert samples[sample("fastcors_http_requests_total", middleware="admin", route="")] == 0


def test_a_name_already_on_the_registry_is_refused() -> None:
    registry = CollectorRegistry()
    CORSCollector(CORSMiddleware(ok_app()), name="api", registry=registry)
    with pytest.raises(
        ValueError, match=r"a CORSCollector named 'api' is already registered on this registry"
    ):
        CORSCollector(CORSMiddleware(ok_app()), name="api", registry=registry)
    assert scraped(registry)[sample("fastcors_http_requests_total", middleware="api", route="")] == 0


def test_unregister_removes_one_middlewares_series_and_frees_it() -> None:
    registry = CollectorRegistry(auto_describe=True)
    api = CORSMiddleware(ok_app())
    admin = CORSMiddleware(ok_app())
    collector = CORSCollector(api, name="api", registry=registry)
    CORSCollector(admin, name="admin", registry=registry)
    collector.unregister()
    assert {dict(labels)["middleware"] for _, labels in scraped(registry)} == {"admin"}
    del collector
    freed = weakref.ref(api)
    del api
    gc.collect()
    assert freed() is None


def test_the_last_collector_unregistered_leaves_the_registry_as_it_was() -> None:
    registry = CollectorRegistry(auto_describe=True)
    collector = CORSCollector(CORSMiddleware(ok_app()), name="api", registry=registry)
    collector.unregister()
    assert generate_latest(registry) == b""
    with pytest.raises(ValueError, match=r"CORSCollector\(name='api'\) is on no registry"):
        collector.unregister()
    CORSCollector(CORSMiddleware(ok_app()), name="api", registry=registry)
    assert sample("fastcors_http_requests_total", middleware="api", route="") in scraped(registry)


def test_a_collector_joining_as_the_last_one_leaves_is_exposed(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastcors import prometheus

    registry = CollectorRegistry(auto_describe=True)
    leaving = CORSCollector(CORSMiddleware(ok_app()), name="leaving", registry=registry)
    joined = prometheus._RegistryCollectors.add
    leavers: list[threading.Thread] = []

    def add_while_the_last_one_leaves(self: Any, collector: CORSCollector) -> None:
        # The last collector unregisters from another thread as this one joins: it waits for
        # the join, or the collectors it would leave empty are taken off the registry.
        if collector is not leaving:
            thread = threading.Thread(target=leaving.unregister)
            leavers.append(thread)
            thread.start()
            thread.join(timeout=0.2)
        joined(self, collector)

    monkeypatch.setattr(prometheus._RegistryCollectors, "add", add_while_the_last_one_leaves)
    CORSCollector(CORSMiddleware(ok_app()), name="api", registry=registry)
    monkeypatch.undo()
    for thread in leavers:
        thread.join(timeout=5)
    assert {dict(labels)["middleware"] for _, labels in scraped(registry)} == {"api"}


def test_a_registry_cleared_by_its_owner_takes_new_collectors() -> None:
    registry = CollectorRegistry(auto_describe=True)
    CORSCollector(CORSMiddleware(ok_app()), name="api", registry=registry)
    for registered in list(registry._collector_to_names):
        registry.unregister(registered)
    CORSCollector(CORSMiddleware(ok_app()), name="api", registry=registry)
    assert sample("fastcors_http_requests_total", middleware="api", route="") in scraped(registry)


def test_a_scrape_reads_the_counters_whatever_a_subclass_makes_of_stats() -> None:
    class Middleware(CORSMiddleware):
        def stats(self) -> dict[str, int]:  # type: ignore[override]
            return {}

    middleware = Middleware(ok_app(), allow_origins=[ALLOWED], routes={"/hooks": None})
    registry = CollectorRegistry()
    CORSCollector(middleware, name="api", registry=registry)
    run(middleware, routed_scope("/hooks", ALLOWED))
    assert scraped(registry)[sample("fastcors_http_requests_total", middleware="api", route="/hooks")] == 1


def test_without_a_registry_the_collector_is_not_registered() -> None:
    collector = CORSCollector(CORSMiddleware(ok_app()), name="api", registry=None)
    assert [family.name for family in collector.collect()] == [
        "fastcors_requests",
        "fastcors_http_requests",
        "fastcors_preflight_refusals",
        "fastcors_origin_func",
        "fastcors_shadow_differences",
    ]


@pytest.mark.parametrize("name", ["", None, 3])
def test_a_name_that_is_no_label_value_is_refused_naming_it(name: Any) -> None:
    with pytest.raises(ValueError, match=rf"name={name!r} must be a non-empty str.*write name='api'"):
        CORSCollector(CORSMiddleware(ok_app()), name=name, registry=None)


def test_something_other_than_a_fastcors_middleware_is_refused() -> None:
    with pytest.raises(TypeError, match="pass the CORSMiddleware instance itself"):
        CORSCollector(ok_app(), name="api", registry=None)  # type: ignore[arg-type]


def test_without_prometheus_client_the_import_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    monkeypatch.setitem(sys.modules, "prometheus_client.core", None)
    monkeypatch.setitem(sys.modules, "prometheus_client.registry", None)
    monkeypatch.delitem(sys.modules, "fastcors.prometheus")
    with pytest.raises(ImportError, match=r"pip install 'fastcors\[prometheus\]'"):
        importlib.import_module("fastcors.prometheus")


# --- Several workers ------------------------------------------------------------------------------

WORKER = """
import asyncio, json, sys

from fastcors import CORSMiddleware
from tests.asgi import http_scope, ok_app, run

namespace = {}
exec(sys.argv[1], namespace)
app = CORSMiddleware(ok_app(), allow_origins=["https://app.example.com"])
for origin in json.loads(sys.argv[2]):
    run(app, http_scope(headers=[(b"origin", origin.encode())]))


async def main():
    copying = asyncio.create_task(namespace["copy_counters"](app, every=0.01))
    await asyncio.sleep(0.1)
    copying.cancel()


asyncio.run(main())
"""
SCRAPE = """
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

registry = CollectorRegistry()
MultiProcessCollector(registry)
print(generate_latest(registry).decode())
"""


def test_the_documented_multiprocess_copy_adds_up_the_workers_counters(
    tmp_path: Path, implementation: str
) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "counters.md").read_text()
    snippet = next(
        block for block in re.findall(r"```python\n(.*?)```", docs, re.DOTALL) if "copy_counters" in block
    )
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "FASTCORS_NO_EXTENSIONS": "1" if implementation == "python" else "",
    }
    root = Path(__file__).resolve().parents[2]
    workers = [[ALLOWED, OTHER], [ALLOWED, ALLOWED, OTHER]]  # two workers, each its own requests
    for origins in workers:
        command = [sys.executable, "-c", WORKER, snippet, json.dumps(origins)]
        subprocess.run(command, check=True, env=environment, cwd=root, timeout=60)
    scrape = subprocess.run(
        [sys.executable, "-c", SCRAPE],
        check=True,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    samples = {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(scrape.stdout)
        for sample in family.samples
        if sample.name == "fastcors_requests_total"
    }
    assert samples["simple_allowed"] == 3
    assert samples["simple_refused"] == 2
