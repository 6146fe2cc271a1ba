"""Mistakes the type checkers must report, each on a line marked ``# expected error``.

Excluded from the main mypy run; ``tests/typecheck/test_types.py`` checks that mypy --strict and
pyright strict report exactly these lines.
"""

# pyright: strict

from __future__ import annotations

from fastapi import FastAPI

from fastcors import CORSMiddleware

api = FastAPI()
api.add_middleware(CORSMiddleware, allow_origin=["https://example.org"])  # expected error
api.add_middleware(CORSMiddleware, allow_credentials="true")  # expected error
api.add_middleware(CORSMiddleware, max_age="600")  # expected error
api.add_middleware(CORSMiddleware, cors_on_errors="yes")  # expected error
api.add_middleware(CORSMiddleware, on_reject=lambda: None)  # expected error
