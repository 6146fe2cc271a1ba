"""The documentation in the code: every public name has a docstring, and their examples hold."""

from __future__ import annotations

import doctest
import inspect
from types import ModuleType

import pytest

import fastcors
from fastcors import _middleware, prometheus

#: The modules whose docstrings document the public API.
DOCUMENTED_MODULES = [fastcors, _middleware, prometheus]


@pytest.mark.parametrize("module", DOCUMENTED_MODULES, ids=lambda module: module.__name__)
def test_the_examples_in_the_docstrings_hold(module: ModuleType) -> None:
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert results.attempted > 0, f"{module.__name__} has no examples"
    assert results.failed == 0


def test_the_package_docstring_describes_every_public_name() -> None:
    assert fastcors.__doc__ is not None
    undocumented = [name for name in fastcors.__all__ if f"``{name}``" not in fastcors.__doc__]
    assert undocumented == []


def test_every_public_method_and_property_of_the_middleware_has_a_docstring() -> None:
    members = {
        name: member
        for name, member in vars(fastcors.CORSMiddleware).items()
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))
    }
    assert members, "no public method or property found"
    assert [name for name, member in members.items() if not inspect.getdoc(member)] == []
    assert inspect.getdoc(fastcors.CORSMiddleware)
