"""A FastAPI app whose API a browser page on https://app.example.com may call, with cookies.

Run it with ``uvicorn fastapi_app:app --app-dir examples``.
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
)


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}
