"""The same API in Quart: fastcors wraps the app's ASGI callable, as Quart's docs advise for
ASGI middleware.

Run it with ``uvicorn quart_app:app --app-dir examples``.
"""

from quart import Quart

from fastcors import CORSMiddleware

app = Quart(__name__)
app.asgi_app = CORSMiddleware(  # type: ignore[method-assign,assignment]  # Quart's documented way
    app.asgi_app,  # type: ignore[arg-type]  # Quart's own ASGI types
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "Authorization"],
    expose_headers=["X-Request-ID"],
    max_age=3600,
)


@app.get("/items/<int:item_id>")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}
