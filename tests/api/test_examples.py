"""The examples in the service's docstrings run: pytest collects doctests from queries/ only."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from api import media, settings


@pytest.mark.parametrize("module", [media, settings], ids=lambda m: m.__name__)
def test_docstring_examples_hold(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
