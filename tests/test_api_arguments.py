"""The library's functions refuse a wrong argument at once, with a message that says
what to give (an analyst's notebook passes a path where a registry goes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import powerreg
from powerreg.frames import coverage, to_pandas
from powerreg.render import start_render_all
from powerreg.site import publish_site

from .conftest import EXAMPLE


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda x, out: powerreg.audit(x), "powerreg.audit"),
        (lambda x, out: powerreg.export_sqlite(x, out / "c.db"), "powerreg.export_sqlite"),
        (lambda x, out: coverage(x), "powerreg.coverage"),
        (lambda x, out: to_pandas(x), "powerreg.to_pandas"),
        (lambda x, out: powerreg.build(x, out / "b"), "powerreg.build"),
        (lambda x, out: publish_site(x, out / "s"), "powerreg.publish_site"),
        (lambda x, out: powerreg.render_all(x, out / "d"), "powerreg.render_all"),
        (lambda x, out: start_render_all(x, out / "d"), "powerreg.render.start_render_all"),
    ],
)
@pytest.mark.parametrize("given", [str(EXAMPLE), EXAMPLE, None])
def test_a_path_where_a_registry_goes(
    tmp_path: Path, call: Callable[[Any, Path], Any], name: str, given: Any
) -> None:
    with pytest.raises(TypeError) as err:
        call(given, tmp_path)
    assert str(err.value) == (
        f"{name} takes a Registry, not {type(given).__name__}; load it first: powerreg.load(path)"
    )
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


@pytest.mark.parametrize(
    "call",
    [
        lambda reg: powerreg.audit(reg, lang="fr"),
        lambda reg: to_pandas(reg, lang="fr"),
        lambda reg: coverage(reg, lang="fr"),
    ],
)
def test_a_language_it_does_not_speak(call: Callable[[Any], Any]) -> None:
    pytest.importorskip("pandas")
    with pytest.raises(
        ValueError, match=r"lang is 'en' or 'zh' \(or None: from the locale\), not 'fr'"
    ):
        call(powerreg.load(EXAMPLE))
