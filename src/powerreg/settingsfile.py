"""A settings file: a small YAML mapping read into a pydantic model, every mistake in it a
usage error at its file, line and column.

The audit policy (:mod:`powerreg.audit.policy`) and the website's publish policy
(:mod:`powerreg.site.policy`) are such files. Each is read as any YAML of powerreg is (a
regular file of at most 1 MiB, so a FIFO or ``/dev/zero`` cannot hang a command; no
anchors, aliases or tags; duplicate keys refused), must hold a mapping, and is then
validated by its model; the first thing wrong is what the command says.

Examples:
    >>> import tempfile
    >>> from pydantic import BaseModel, ConfigDict, ValidationError
    >>> class Limits(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     days: int = 1
    >>> f = Path(tempfile.mkdtemp()) / "limits.yaml"
    >>> _ = f.write_text("days: 3\\nweeks: 2\\n", encoding="utf-8")
    >>> doc, data = read_mapping(f, "limits", "a limits file holds a mapping of days")
    >>> try:
    ...     Limits.model_validate(data)
    ... except ValidationError as err:
    ...     print(str(located(f, doc, err)).replace(str(f), "limits.yaml"))
    limits.yaml:2:1: weeks: Extra inputs are not permitted
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

from pydantic import ValidationError

from .codes import Localized, localized, phrase
from .errors import UsageError, ValueRefused
from .readfile import UnreadableFile
from .yamlsource import Document, read_file

#: Words a message of this module takes from its caller: English text, a
#: :func:`~powerreg.codes.phrase` or a :func:`~powerreg.codes.localized` pair (said in
#: the message's language).
Words: TypeAlias = str | Localized | Mapping[str, str]


def read_mapping(
    path: str | os.PathLike[str], what: Words, not_mapping: Words
) -> tuple[Document, dict[str, Any]]:
    """The parsed file at ``path`` and its mapping (``{}`` for an empty file).

    ``what`` names the file in the message when it cannot be read (``cannot read policy
    P: …``); ``not_mapping`` is what is said, at the document's start, when it holds
    something else than a mapping.

    Raises:
        UsageError: the file cannot be read, is not YAML (its first problem, located), or
            holds no mapping.
    """
    p = Path(path)
    try:
        doc = read_file(p, str(p))
    except UnreadableFile as err:
        raise UsageError("settings.unreadable", what=what, path=p, reason=err.reason) from err
    if doc.problems:
        first = doc.problems[0]
        raise UsageError(
            "settings.not_yaml", problem=localized(first.as_line("en"), first.as_line("zh"))
        )
    if doc.data is not None and not isinstance(doc.data, dict):
        line, col = doc.root
        raise UsageError("settings.not_mapping", path=p, line=line, col=col, detail=not_mapping)
    return doc, doc.data or {}


def located(
    path: str | os.PathLike[str],
    doc: Document,
    err: ValidationError,
    unknown_key: Words | None = None,
    explain: Callable[[Any], Words | None] | None = None,
) -> UsageError:
    """The first error of ``err`` as a usage error at its place in ``doc``: a key the
    model does not know at the key (said as ``unknown_key`` when given), any other error
    at the value, said by ``explain`` (given pydantic's error, words in both languages,
    or ``None`` to keep pydantic's own) if the model's check gave no words of its own."""
    first = err.errors(include_url=False)[0]
    loc = tuple(first["loc"])
    extra = first["type"] == "extra_forbidden"
    line, col = doc.position(loc, key=extra)
    what: Words = ".".join(str(x) for x in loc) or phrase("part.settings_whole")
    cause = first.get("ctx", {}).get("error")
    explained = explain(first) if explain is not None and not extra else None
    msg: Words
    if isinstance(cause, ValueRefused):
        msg = cause.said  # a check's own words, in the message's language
    elif explained is not None:
        msg = explained
    else:
        msg = first["msg"].removeprefix("Value error, ")
    if extra and unknown_key is not None:
        msg = unknown_key
    return UsageError("settings.invalid", path=Path(path), line=line, col=col, what=what, msg=msg)
