"""The own-options benchmark's configurations give Starlette's answers on both cores (checked
before anything is timed); ``python -m benchmarks.own_options`` times them."""

from __future__ import annotations

import pytest

from benchmarks.own_options import CORES, OWN_CONFIGS, build


@pytest.mark.parametrize("config", list(OWN_CONFIGS))
@pytest.mark.parametrize("core", CORES)
def test_each_configuration_answers_as_starlette_does(core: str, config: str) -> None:
    build(core, config)
