"""The same API in Litestar: fastcors wraps the whole app, as any ASGI middleware can.

Wrapping the app (rather than Litestar's per-route middleware) puts fastcors in front of every
request, including preflights for paths Litestar does not know. Leave Litestar's own ``cors_config``
unset. Run it with ``uvicorn litestar_app:app --app-dir examples``.
"""

from litestar import Litestar, get

from fastcors import CORSMiddleware


@get("/items/{item_id:int}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


app = CORSMiddleware(
    Litestar(route_handlers=[read_item]),  # type: ignore[arg-type]  # Litestar's own ASGI types
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "Authorization"],
    expose_headers=["X-Request-ID"],
    max_age=3600,
)
