"""A FastAPI app whose API a browser page on https://app.example.com may call, with cookies,
trying a candidate configuration on live traffic: https://beta.example.com too, report-only.

Every response is the live configuration's; where the candidate would have answered otherwise,
the difference is logged, and ``/shadow`` shows the recent ones. When they are what you expect,
``app.promote_shadow()`` makes the candidate live. Run it with ``uvicorn fastapi_shadow:app
--app-dir examples``.
"""

import collections
import logging

from fastapi import FastAPI

from fastcors import CORSMiddleware, ShadowDifference

api = FastAPI()
logger = logging.getLogger("cors.rollout")
recent: collections.deque[ShadowDifference] = collections.deque(maxlen=100)


def on_shadow_difference(event: ShadowDifference) -> None:
    recent.append(event)
    logger.info(
        "the candidate would %s %s %s from %s",
        "allow" if event.shadow.allowed else "refuse",
        event.method,
        event.path,
        event.origin,
    )


app = CORSMiddleware(
    api,
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "Authorization"],
    expose_headers=["X-Request-ID"],
    max_age=3600,
    shadow={"allow_origins": ["https://app.example.com", "https://beta.example.com"]},
    on_shadow_difference=on_shadow_difference,
)


@api.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@api.get("/shadow")
def shadow() -> dict[str, object]:
    differences = [
        {
            "origin": event.origin,
            "path": event.path,
            "live": event.live.allowed,
            "shadow": event.shadow.allowed,
        }
        for event in recent
    ]
    return {"count": app.stats()["shadow_differences"], "recent": differences}
