"""Where an edition of a registry comes from: a directory, a catalog, or ``git:REV``.

``git:REV`` names the same path as the other edition, as it was at revision ``REV`` of the
git repository holding it (``git:REV:PATH`` names another path). The files are taken with
``git archive`` and read by :mod:`tarfile` into a temporary directory, then loaded as any
registry; nothing of the work tree is touched.

Examples:
    >>> parse_spec("git:HEAD~1"), parse_spec("git:v2011:registry"), parse_spec("new/")
    (GitSpec(rev='HEAD~1', path=None), GitSpec(rev='v2011', path='registry'), 'new/')
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import RegistryError, UsageError
from ..layout import ROLLUP_FILE, is_registry_dir
from ..load import load
from ..model import Registry
from ..problems import Problem

#: Longest ``git archive`` output read (a registry is text: 1 GiB is far past any).
MAX_ARCHIVE = 1 << 30


@dataclass(frozen=True)
class GitSpec:
    """An edition at a git revision: ``git:REV`` or ``git:REV:PATH``."""

    rev: str
    path: str | None = None


def parse_spec(spec: str) -> GitSpec | str:
    """A ``git:`` spec parsed, or the path as given."""
    if not spec.startswith("git:"):
        return spec
    rev, sep, path = spec[4:].partition(":")
    if not rev or rev.startswith("-"):
        raise UsageError("diff.no_revision", spec=spec)
    return GitSpec(rev, path if sep and path else None)


def _git(args: list[str], cwd: Path, out: IO[bytes] | None = None) -> bytes:
    """What ``git ARGS`` writes, or, given ``out``, nothing: it is written there (an
    archive goes to a file, not to memory)."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            stdout=out if out is not None else subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
            timeout=300,
        )
    except FileNotFoundError as err:
        raise UsageError("diff.no_git") from err
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if not detail:
            raise UsageError("diff.git_failed_silently", command=args[0])
        raise UsageError("diff.git_failed", command=args[0], detail=detail[-1])
    return done.stdout or b""


def load_at_revision(spec: GitSpec, path: str | os.PathLike[str]) -> tuple[Registry, str]:
    """The registry at ``path`` as it was at ``spec.rev``, and its label ``git:REV:PATH``.

    Raises:
        UsageError: not in a git repository, an unknown revision, or a path the
            revision does not have.
    """
    target = Path(spec.path if spec.path is not None else path).resolve()
    where = target if target.is_dir() else target.parent
    if not where.is_dir():
        raise UsageError("diff.no_work_tree", target=target)
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], where).decode().strip())
    except UsageError:
        raise UsageError("diff.no_repository", target=target, rev=spec.rev) from None
    rel = target.relative_to(top).as_posix() if target != top else "."
    label = f"git:{spec.rev}:{rel}"
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{spec.rev}^{{commit}}"], top)
    except UsageError:
        raise UsageError("diff.unknown_revision", rev=spec.rev, top=top) from None
    with (
        tempfile.TemporaryDirectory(prefix="powerreg-diff-") as tmp,
        tempfile.TemporaryFile(prefix="powerreg-diff-") as archive,
    ):
        try:  # to a file, read from there: an edition's size is not held in memory
            _git(["archive", "--format=tar", spec.rev, "--", rel], top, archive)
        except UsageError:
            raise UsageError("diff.not_at_revision", label=label, rev=spec.rev) from None
        if os.fstat(archive.fileno()).st_size > MAX_ARCHIVE:
            raise UsageError("diff.too_large", label=label, limit=f"{MAX_ARCHIVE:,}")
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            try:
                tar.extractall(tmp, filter="data")
            except tarfile.FilterError as err:  # a link out of it (to /etc/passwd), …
                member = err.tarinfo.name if err.tarinfo is not None else "?"
                raise UsageError(
                    "diff.unsafe_member", label=label, member=member, reason=str(err)
                ) from None
        root = Path(tmp) / rel
        if not root.exists():
            raise UsageError("diff.not_at_revision", label=label, rev=spec.rev)
        try:
            # every place found now: the unpacked files are gone once this returns
            return load(root, locate_all=True), label
        except RegistryError as err:  # named as the edition, not where it was unpacked
            renamed = [(str(root), label), (tmp + os.sep, f"git:{spec.rev}:"), (tmp, label)]
            raise RegistryError([_renamed(p, renamed) for p in err.problems]) from None


def _renamed(found: Problem, names: list[tuple[str, str]]) -> Problem:
    """``found`` with each path of ``names`` (old, new) in its file and values renamed."""

    def named(value: Any) -> Any:
        if isinstance(value, str):
            for old, new in names:
                value = value.replace(old, new)
        return value

    params = {k: named(v) for k, v in found.params.items()}
    return found.model_copy(update={"file": named(found.file), "params": params})


def load_edition(spec: str, other: str | None) -> tuple[Registry, str]:
    """The registry an argument of ``powerreg diff`` names, and the label of its files.

    ``other`` is the other argument: a ``git:REV`` edition takes its path.
    """
    parsed = parse_spec(spec)
    if isinstance(parsed, GitSpec):
        base = other if other is not None and not other.startswith("git:") else None
        if parsed.path is None and base is None:
            raise UsageError("diff.needs_path", spec=spec)
        return load_at_revision(parsed, parsed.path or base or ".")
    given = Path(parsed)
    if not given.exists():
        raise UsageError("diff.no_such_edition", path=parsed)
    if given.name == ROLLUP_FILE or (
        (given / ROLLUP_FILE).is_file() and not is_registry_dir(given)
    ):
        raise UsageError("diff.rollup", path=parsed)
    return load(parsed), parsed.rstrip("/")
