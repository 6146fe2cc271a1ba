"""The Python the Rust core calls back is one module, ``fastcors._callbacks``, which names exactly
what the core reads from it (``_fastcors.CALLBACK_NAMES``)."""

from __future__ import annotations

import pytest

from fastcors import _callbacks

_fastcors = pytest.importorskip("fastcors._fastcors")


def test_callbacks_exports_exactly_the_names_the_rust_core_reads() -> None:
    assert sorted(_callbacks.__all__) == sorted(_fastcors.CALLBACK_NAMES)


def test_callbacks_gives_every_name_it_exports() -> None:
    for name in _callbacks.__all__:
        assert getattr(_callbacks, name) is not None, name


def test_callbacks_loads_the_functions_only_when_asked_for() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys, fastcors._callbacks; "
        "print(sorted(m for m in ('fastcors._origin_func', 'fastcors._errors') if m in sys.modules))"
    )
    # A fresh interpreter on the compiled core, whatever core this run forces.
    env = {key: value for key, value in os.environ.items() if key != "FASTCORS_NO_EXTENSIONS"}
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert loaded.stdout.strip() == "[]"
