"""A FastAPI app with CORS for some routes only: a browser page on https://app.example.com may call
``/items`` with cookies, any page may read ``/status``, and every other path (``/webhooks``, the
docs) is the app's alone: no CORS headers, and its own answer to ``OPTIONS``.

Run it with ``uvicorn fastapi_routes:app --app-dir examples``.
"""

from fastapi import FastAPI

from fastcors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "Authorization"],
    expose_headers=["X-Request-ID"],
    max_age=3600,
    routes={"/": None, "/items": {}, "/status": {"allow_origins": ["*"], "allow_credentials": False}},
)


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@app.get("/status")
async def status() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/webhooks/github")
async def github_webhook() -> dict[str, bool]:
    return {"received": True}
