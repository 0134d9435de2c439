"""Session-wide test set-up for every test path (tests/, the doctests of src/, README.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _load_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the load cache (``powerreg.loadcache``) of the whole session in a temporary
    directory, never in $HOME; subprocesses inherit it through the environment."""
    where = tmp_path_factory.mktemp("load-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POWERREG_CACHE_DIR", str(where))
        yield where
