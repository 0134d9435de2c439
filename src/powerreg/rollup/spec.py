"""``rollup.yaml``: the departments a roll-up combines, read with every problem located.

The file is read with the registry's own safe YAML reader
(:func:`powerreg.yamlsource.read_file`: no anchors, aliases or tags, duplicate keys
refused, every value's line and column kept) and checked field by field, so each
problem is an E code at its place in the file, as in a registry: an unknown key (with
a did-you-mean), a missing or empty field, a level that is not one of province, city
or county, a bad id, a path that is absolute or leads outside the folder holding the
file, two departments with one id or one path. All are reported at once
(:class:`~powerreg.errors.RegistryError`).

Examples:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "rollup.yaml").write_text(
    ...     "title: 汇总\\ndepartments:\\n"
    ...     "  - {id: A, name: 甲局, level: 市级, path: a}\\n"
    ...     "  - {id: A, name: 乙局, level: town, path: ../b, regoin: 乙市}\\n",
    ...     encoding="utf-8")
    >>> try:
    ...     read_rollup(root / "rollup.yaml")
    ... except RegistryError as err:
    ...     problems = err.problems
    >>> for p in problems:
    ...     print(p.where, p.key)
    rollup.yaml:4:10 E003.department
    rollup.yaml:4:30 E002.enum
    rollup.yaml:4:42 E002.rollup_outside
    rollup.yaml:4:48 E002.unknown_field
    >>> print(problems[1].message("en"))
    unknown department level 'town'; use one of province (省), city (市), county (县)
"""

from __future__ import annotations

import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..codes import localized, value_kind
from ..errors import Problem, RegistryError, problem
from ..layout import REGISTRY_FILE, is_power_file, is_registry_dir, kept_in
from ..layout import ROLLUP_FILE as ROLLUP_FILE  # powerreg.rollup.ROLLUP_FILE
from ..model import is_id
from ..readfile import FileMissing, FileTooLarge, NotRegularFile, ReadDenied, UnreadableFile
from ..suggest import closest
from ..textsafe import snippet
from ..yamlsource import Document, read_file


class DepartmentLevel(StrEnum):
    """The level of government a department belongs to."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


#: Words accepted for each level, after folding case and full-width forms.
LEVEL_WORDS: dict[str, DepartmentLevel] = {
    "province": DepartmentLevel.PROVINCE,
    "provincial": DepartmentLevel.PROVINCE,
    "省": DepartmentLevel.PROVINCE,
    "省级": DepartmentLevel.PROVINCE,
    "city": DepartmentLevel.CITY,
    "市": DepartmentLevel.CITY,
    "市级": DepartmentLevel.CITY,
    "地市": DepartmentLevel.CITY,
    "地市级": DepartmentLevel.CITY,
    "county": DepartmentLevel.COUNTY,
    "县": DepartmentLevel.COUNTY,
    "县级": DepartmentLevel.COUNTY,
    "区县": DepartmentLevel.COUNTY,
}

#: How each level is shown in Chinese.
LEVEL_ZH: dict[DepartmentLevel, str] = {
    DepartmentLevel.PROVINCE: "省级",
    DepartmentLevel.CITY: "市级",
    DepartmentLevel.COUNTY: "县级",
}

#: How much of another YAML file is read to see whether it is a roll-up.
_SNIFF_BYTES = 64 * 1024
_DEPARTMENTS_KEY = re.compile(rb"(?m)^departments[ \t]*:")

_TOP_FIELDS = ("schema_version", "title", "title_en", "departments")
_DEPARTMENT_FIELDS = ("id", "name", "name_en", "level", "region", "path")
_ACCEPTED_LEVELS = "province (省), city (市), county (县)"


@dataclass(frozen=True)
class Department:
    """One member of a roll-up: a department and where its registry lies."""

    id: str
    name: str
    level: DepartmentLevel
    #: the registry directory, relative to the roll-up's folder, in ``/`` form
    path: str
    #: the region it governs; departments of one level and region are peers (A501)
    region: str | None = None
    name_en: str | None = None
    #: where its entry starts in rollup.yaml (the ``id`` key), and where its path is
    line: int = 0
    column: int = 0
    path_line: int = 0
    path_column: int = 0
    #: whether ``path`` is a catalog (a ``.db`` file ``powerreg export`` wrote), not a
    #: registry directory: its files are named as the catalog keeps them
    catalog: bool = False

    @property
    def prefix(self) -> str:
        """What its entities' ids carry in front: ``SEPD:`` (``SEPD:XK-001/F1``)."""
        return f"{self.id}:"

    def where(self, file: str | None) -> str:
        """A member's file as the roll-up names it: relative to the roll-up's folder (a
        file of a catalog member: as the catalog keeps it, and which catalog, as
        ``powerreg diff`` names it).

        Examples:
            >>> d = Department("A", "甲局", DepartmentLevel.CITY, "members/a")
            >>> d.where("powers/XK-001.yaml"), d.where(None)
            ('members/a/powers/XK-001.yaml', 'members/a')
            >>> Department("B", "乙局", DepartmentLevel.CITY, "b.db", catalog=True).where(
            ...     "powers/XK-001.yaml")
            'powers/XK-001.yaml (in b.db)'
        """
        if not file or os.path.isabs(file):
            return self.path  # a problem of the directory itself (it is missing)
        if self.catalog:
            return kept_in(file, self.path)
        return self.path if self.path == "." else f"{self.path}/{file}"


@dataclass(frozen=True)
class Rollup:
    """A roll-up file read: its title and departments, in the file's order."""

    #: the roll-up file, absolute
    file: Path
    title: str
    departments: tuple[Department, ...]
    title_en: str | None = None

    @property
    def root(self) -> Path:
        """The folder holding the file: every path is relative to it."""
        return self.file.parent

    @property
    def name(self) -> str:
        """The file's name, as problems of the file name it (``rollup.yaml``)."""
        return self.file.name

    def member_root(self, department: Department) -> Path:
        """The absolute path of a member's registry directory."""
        return self.root / department.path

    def department(self, department_id: str) -> Department:
        """The department with that id; ``KeyError`` if none."""
        for d in self.departments:
            if d.id == department_id:
                return d
        raise KeyError(department_id)


def find_rollup(path: str | os.PathLike[str] | None) -> Path | None:
    """The roll-up file PATH names, or ``None`` if PATH is not a roll-up.

    PATH is a roll-up when it is a file named ``rollup.yaml``, another ``.yaml`` file
    with a top-level ``departments:`` key (``province-2011.yaml``), or a directory
    holding ``rollup.yaml`` and no ``registry.yaml``. A registry's own files are not.

    Examples:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> find_rollup(d) is None
        True
        >>> _ = (d / "rollup.yaml").write_text("title: t\\n", encoding="utf-8")
        >>> find_rollup(d).name, find_rollup(d / "rollup.yaml").name
        ('rollup.yaml', 'rollup.yaml')
        >>> find_rollup("examples/minimal") is None
        True
    """
    if path is None:
        return None
    p = Path(path)
    if p.is_dir():
        if (p / ROLLUP_FILE).is_file() and not is_registry_dir(p):
            return (p / ROLLUP_FILE).absolute()
        return None
    if not p.is_file() or p.suffix not in (".yaml", ".yml") or p.name == REGISTRY_FILE:
        return None
    if p.name == ROLLUP_FILE:
        return p.absolute()
    if is_power_file(p):
        return None
    try:
        with p.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError:
        return None
    return p.absolute() if _DEPARTMENTS_KEY.search(head) else None


def read_rollup(path: str | os.PathLike[str]) -> Rollup:
    """Read and check a roll-up file (or the ``rollup.yaml`` of a directory).

    Raises:
        RegistryError: with every problem of the file, each at its line and column.
    """
    p = Path(path)
    if p.is_dir():
        p = p / ROLLUP_FILE
    return _Reader(p.absolute()).read()


class _Reader:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.name = file.name
        self.problems: list[Problem] = []

    def read(self) -> Rollup:
        try:
            doc = read_file(self.file, self.name)
        except UnreadableFile as err:
            raise RegistryError([self._unreadable(err)]) from err
        if doc.problems:
            raise RegistryError(doc.problems)
        data = doc.data
        if not isinstance(data, dict):
            raise RegistryError(
                [problem("E002.not_mapping", self.name, *doc.root, kind=value_kind(data))]
            )
        self._unknown(doc, data, (), _TOP_FIELDS)
        if "schema_version" in data and data["schema_version"] != 1:
            self._add(
                "E002.not_literal",
                doc,
                ("schema_version",),
                field="schema_version",
                expected="1",
                value=snippet(data["schema_version"]),
            )
        title = self._text(doc, data, (), "title", required=True)
        title_en = self._text(doc, data, (), "title_en", required=False)
        departments = self._departments(doc, data)
        if self.problems:
            raise RegistryError(self.problems)
        assert title is not None
        return Rollup(self.file, title, tuple(departments), title_en)

    # ------------------------------------------------------------------ helpers

    def _add(self, key: str, doc: Document, loc: tuple[str | int, ...], **params: Any) -> None:
        at_key = key.startswith("E002.unknown_field")
        self.problems.append(problem(key, self.name, *doc.position(loc, key=at_key), **params))

    def _unreadable(self, err: UnreadableFile) -> Problem:
        if isinstance(err, FileMissing):
            return problem("E007.gone", self.name)
        if isinstance(err, FileTooLarge):
            return problem("E007.too_big_read", self.name, 1, 1, limit=f"{err.limit:,}")
        if isinstance(err, NotRegularFile):
            return problem("E007", self.name, reason=err.reason.both())
        if isinstance(err, ReadDenied):
            return problem("E007.denied", self.name)
        return problem("E007", self.name, reason=err.reason.both())

    def _unknown(
        self,
        doc: Document,
        data: dict[str, Any],
        loc: tuple[str | int, ...],
        known: tuple[str, ...],
    ) -> None:
        for key in data:
            if key in known:
                continue
            close = closest(key, known)
            if close:
                self._add("E002.unknown_field", doc, (*loc, key), field=snippet(key), close=close)
            else:
                self._add(
                    "E002.unknown_field_list",
                    doc,
                    (*loc, key),
                    field=snippet(key),
                    known=", ".join(known),
                )

    def _text(
        self,
        doc: Document,
        data: dict[str, Any],
        loc: tuple[str | int, ...],
        name: str,
        *,
        required: bool,
    ) -> str | None:
        if name not in data or data[name] is None:
            if required:
                self._add("E002.missing", doc, loc, field=name)
            return None
        value = data[name]
        if not isinstance(value, str):
            self._add("E002.not_text", doc, (*loc, name), field=name, kind=value_kind(value))
            return None
        if not value.strip():
            self._add("E002.empty", doc, (*loc, name), field=name)
            return None
        return value.strip()

    def _departments(self, doc: Document, data: dict[str, Any]) -> list[Department]:
        raw = data.get("departments")
        if raw is None:
            self._add("E002.missing", doc, (), field="departments")
            return []
        if not isinstance(raw, list):
            self._add(
                "E002.not_list", doc, ("departments",), field="departments", kind=value_kind(raw)
            )
            return []
        if not raw:
            self._add("E002.too_few", doc, ("departments",), field="departments", n=1)
            return []
        out: list[Department] = []
        ids: dict[str, int] = {}
        paths: dict[str, tuple[str, int]] = {}
        for i, entry in enumerate(raw):
            loc: tuple[str | int, ...] = ("departments", i)
            if not isinstance(entry, dict):
                self._add("E002.not_map", doc, loc, field="departments", kind=value_kind(entry))
                continue
            dept = self._department(doc, entry, loc)
            did = entry.get("id")
            if isinstance(did, str) and did.strip():
                if did.strip() in ids:
                    self._add("E003.department", doc, (*loc, "id"), id=did, first=ids[did.strip()])
                    continue
                ids[did.strip()] = doc.position((*loc, "id"), key=True)[0]
            if dept is None:
                continue
            same = paths.get(os.path.normcase(dept.path))
            if same is not None:
                self._add(
                    "E003.department_path",
                    doc,
                    (*loc, "path"),
                    path=snippet(entry["path"]),
                    other=same[0],
                    first=same[1],
                )
                continue
            paths[os.path.normcase(dept.path)] = (dept.id, dept.path_line)
            out.append(dept)
        return out

    def _department(
        self, doc: Document, entry: dict[str, Any], loc: tuple[str | int, ...]
    ) -> Department | None:
        before = len(self.problems)
        self._unknown(doc, entry, loc, _DEPARTMENT_FIELDS)
        did = self._text(doc, entry, loc, "id", required=True)
        if did is not None and not is_id(did):
            self._add("E002.bad_id", doc, (*loc, "id"), field="id", value=snippet(did))
        name = self._text(doc, entry, loc, "name", required=True)
        name_en = self._text(doc, entry, loc, "name_en", required=False)
        region = self._text(doc, entry, loc, "region", required=False)
        level = self._level(doc, entry, loc)
        path = self._path(doc, entry, loc)
        if len(self.problems) > before:
            return None
        assert did is not None
        assert name is not None
        assert level is not None
        assert path is not None
        line, column = doc.position((*loc, "id"), key=True)
        path_line, path_column = doc.position((*loc, "path"))
        catalog = (self.file.parent / path).is_file()
        return Department(
            did, name, level, path, region, name_en, line, column, path_line, path_column, catalog
        )

    def _level(
        self, doc: Document, entry: dict[str, Any], loc: tuple[str | int, ...]
    ) -> DepartmentLevel | None:
        word = self._text(doc, entry, loc, "level", required=True)
        if word is None:
            return None
        level = LEVEL_WORDS.get(unicodedata.normalize("NFKC", word).strip().casefold())
        if level is None:
            self._add(
                "E002.enum",
                doc,
                (*loc, "level"),
                field=localized("department level", "部门层级"),
                value=snippet(word),
                accepted=_ACCEPTED_LEVELS,
            )
        return level

    def _path(self, doc: Document, entry: dict[str, Any], loc: tuple[str | int, ...]) -> str | None:
        raw = self._text(doc, entry, loc, "path", required=True)
        if raw is None:
            return None
        text = raw.replace("\\", "/")
        if posixpath.isabs(text) or (len(text) > 1 and text[1] == ":"):
            self._add("E002.rollup_absolute", doc, (*loc, "path"), path=snippet(raw))
            return None
        norm = posixpath.normpath(text)
        # realpath, not resolve: a link that leads to itself is then a member that does not
        # load (A504), as a missing one is, where resolve raises
        root = Path(os.path.realpath(self.file.parent))
        target = Path(os.path.realpath(self.file.parent / norm))
        if norm == ".." or norm.startswith("../") or not (target == root or root in target.parents):
            self._add("E002.rollup_outside", doc, (*loc, "path"), path=snippet(raw))
            return None
        return norm
