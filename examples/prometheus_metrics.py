"""A FastAPI app whose API a browser page on https://app.example.com may call, with cookies, and
whose ``/metrics`` shows Prometheus what the CORS middleware answered.

Run it with ``uvicorn prometheus_metrics:app --app-dir examples`` (``pip install
'fastcors[prometheus]'``), then read ``http://127.0.0.1:8000/metrics``. The counters are this
process's: with several workers, see docs/counters.md.
"""

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from fastcors import CORSMiddleware
from fastcors.prometheus import CORSCollector

api = FastAPI()

# The middleware wraps the app itself (rather than `api.add_middleware`, which builds it later,
# out of reach), so that the collector can read its counters.
app = CORSMiddleware(
    api,
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "Authorization"],
    expose_headers=["X-Request-ID"],
    max_age=3600,
)
# A registry of its own keeps the example's output short; `CORSCollector(app, name="api")`
# registers on prometheus_client's default registry instead.
registry = CollectorRegistry()
CORSCollector(app, name="api", registry=registry)


@api.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@api.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
