"""The same API in Starlette, the middleware given to the constructor.

Run it with ``uvicorn starlette_app:app --app-dir examples``.
"""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fastcors import CORSMiddleware


async def read_item(request: Request) -> JSONResponse:
    return JSONResponse({"item_id": int(request.path_params["item_id"])})


app = Starlette(
    routes=[Route("/items/{item_id:int}", read_item)],
    middleware=[
        Middleware(
            CORSMiddleware,
            allow_origins=["https://app.example.com"],
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization"],
            expose_headers=["X-Request-ID"],
            max_age=3600,
        )
    ],
)
