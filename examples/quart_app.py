"""The same API in Quart: fastcors wraps the app's ASGI callable, as Quart's docs advise for
ASGI middleware.

Run it with ``uvicorn quart_app:app --app-dir examples``.
"""

from quart import Quart

from fastcors import CORSMiddleware

app = Quart(__name__)
app.asgi_app = CORSMiddleware(
    app.asgi_app,
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
