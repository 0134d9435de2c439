"""Registry directory → models, with every problem named by file, line and column.

:func:`load_directory` reads ``registry.yaml`` and ``powers/*.yaml``, collects every problem of
SPEC §3 across all files (E001–E007), and raises them together as a
:class:`~powerreg.errors.RegistryError`. A registry that loads carries a source map, so
later checks (the audit) can point at the YAML line of any entity.

Examples:
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "registry.yaml").write_text(
    ...     "id: demo\\ndepartment: 示例局\\nyear: 2011\\nsource: test\\n"
    ...     "categories: [{code: XK, name: 行政许可}]\\n", encoding="utf-8")
    >>> (root / "powers").mkdir()
    >>> _ = (root / "powers" / "XK-001.yaml").write_text(
    ...     "id: XK-001\\ncategory: QT\\nname: 审批\\nsubject: 局\\ndivision: 科\\n",
    ...     encoding="utf-8")
    >>> try:
    ...     load_directory(root)
    ... except RegistryError as err:
    ...     print(err)
    powers/XK-001.yaml:2:11: E004 category 'QT' is not declared in registry.yaml (categories: XK)
"""

from __future__ import annotations

import contextlib
import gc
import os
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .codes import value_kind
from .codes.load_codes import FILE_KINDS
from .collector import FREEZE_AT, gc_paused
from .errors import Problem, RegistryError, UsageError, problem
from .fastyaml import available as fast_available
from .fastyaml import quiet
from .lateplaces import find_places, later
from .layout import POWERS_DIR, REGISTRY_FILE, is_power_file
from .loadcache import LoadCache, cache_enabled
from .loadentry import CachedPower
from .loadpool import (
    PARALLEL_AT,
    Job,
    Made,
    ParsePool,
    category_of,
    clean_entry,
    entry_of,
    positions,
)
from .model import (
    DEFER_REFERENCES,
    FIRST_LOC,
    Issue,
    OrgChart,
    Power,
    Registry,
    RegistryMeta,
    SourceMap,
    category_key,
    reference_issues,
)
from .readfile import (
    DEFAULT_LIMIT,
    FileMissing,
    FileTooLarge,
    NotRegularFile,
    ReadDenied,
    UnreadableFile,
    read_limited,
)
from .schemamessages import entity_of, quoted, schema_message, short_entity
from .suggest import closest
from .textsafe import one_line, snippet
from .yamlsource import Document, read_bytes, read_file

#: Largest file read (bytes); bigger files are refused before parsing (E007).
DEFAULT_MAX_BYTES = DEFAULT_LIMIT

#: Power files read (and looked up in the load cache) together: bounds the bytes held.
_CHUNK = 512
#: Fewest files to parse, in a chunk with no pool, for which rapidyaml is imported
#: (:mod:`.fastyaml`; 36 ms) to read the clean ones fast.
FAST_AT = 16


def load_directory(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cache: bool = True,
    locate_all: bool = False,
) -> Registry:
    """Load a registry directory (``registry.yaml`` and ``powers/*.yaml``).

    With ``cache`` (and unless ``POWERREG_CACHE=0``), power files that loaded cleanly
    before are taken from the load cache (:mod:`.loadcache`) by their bytes, and the
    others are stored there; the registry and its problems are the same either way.

    Where each power stands is found as its file is read; where its entities stand, when
    first asked (:mod:`.lateplaces`), or with ``locate_all`` as the files are read (for
    a caller that will ask for them all: a catalog's export).

    Raises:
        RegistryError: with every problem found, if the registry does not load.
    """
    return _DirectoryLoader(Path(path), max_bytes, cache=cache, locate_all=locate_all).load()


def load_power_file(
    path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES, cache: bool = True
) -> Registry:
    """Check one power file against its registry: ``registry.yaml`` of the directory
    above ``powers/`` and this file alone (an editor's save, a pre-commit hook). The
    registry returned holds that one power.

    Raises:
        RegistryError: with every problem of the file (or of ``registry.yaml``).
        UsageError: the file is not in the ``powers/`` folder of a registry directory.

    Examples:
        >>> reg = load_power_file("examples/minimal/powers/XK-001.yaml")
        >>> list(reg.powers), reg.source_files()
        (['XK-001'], 2)
    """
    file = Path(path)
    root = file.parent.parent
    if not is_power_file(file):
        raise UsageError(
            "directory.not_power_file", path=file, folder=POWERS_DIR, registry_file=REGISTRY_FILE
        )
    return _DirectoryLoader(root, max_bytes, only=file.name, cache=cache).load()


class _DirectoryLoader:
    def __init__(
        self,
        root: Path,
        max_bytes: int,
        only: str | None = None,
        *,
        cache: bool = False,
        locate_all: bool = False,
    ) -> None:
        self.root = root
        self.use_cache = cache and cache_enabled()
        self.max_bytes = max_bytes
        #: the one power file to read (``validate FILE``), else every file of powers/
        self.only = only
        self.problems: list[Problem] = []
        self.positions: dict[str, tuple[str, int, int]] = {}
        #: whether every entity's position is found as the files are read; else a clean
        #: file's power alone, its entities' when asked (:mod:`.lateplaces`)
        self.locate_all = locate_all
        #: power id → its file as read, for the powers whose entities are found later
        self.absolute = os.path.abspath(root)  # (found later, perhaps from another cwd)
        #: what the load cache digests before a file's bytes, when it is open
        self.salt = b""
        #: the power files the directory's listing says are regular files, not links
        #: (opened without a ``stat`` first: a tenth of reading a file here)
        self.regular: set[str] = set()
        self.sources = SourceMap(self.positions, str(root), pending={}, finder=find_places)
        #: (category, file, line, column, power id) of every power file that names a
        #: category, checked against registry.yaml at the end (the documents themselves
        #: are not kept: at 10,000 powers they would double the memory of a load)
        self.declared: list[tuple[str, str, int, int, str | None]] = []
        #: the units and posts registry.yaml declares, if it declares them: every role,
        #: division and responsible is checked against them as its file is read
        self.org_chart: OrgChart | None = None

    def load(self) -> Registry:
        root = self.root
        if not root.is_dir():
            raise RegistryError([problem("E007.not_dir", str(root), root=str(root))])
        with gc_paused():
            meta = self._load_meta()
            powers = self._load_powers()
            if len(powers) >= FREEZE_AT:
                # keep later collections from scanning the whole registry; frozen before
                # the collector resumes, or its first run scans every new object once
                gc.freeze()
        if meta is not None:
            self._check_categories(meta)
        self._check_case(powers)
        if self.problems:
            raise RegistryError(self.problems)
        assert meta is not None
        reg = Registry.model_construct(**meta.__dict__, powers=powers)
        reg._sources = self.sources
        return reg

    # ---------------------------------------------------------------- files

    def _read(self, path: Path, rel: str) -> Document | None:
        try:
            doc = read_file(path, rel, self.max_bytes)
        except UnreadableFile as err:
            self.problems.append(self._unreadable(err, rel))
            return None
        return self._checked(doc)

    def _checked(self, doc: Document) -> Document | None:
        """The document if it parsed into a mapping; else ``None``, its problems kept."""
        rel = doc.file
        if doc.problems:
            self.problems += doc.problems
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(
                problem("E002.not_mapping", rel, *doc.root, kind=value_kind(doc.data))
            )
            return None
        return doc

    def _unreadable(self, err: UnreadableFile, rel: str) -> Problem:
        """The E007 of a file that was not read, saying why and what to do."""
        if isinstance(err, FileTooLarge):
            limit = f"{err.limit:,}"
            if err.size is None:  # st_size said less than was there: the file grows
                return problem("E007.too_big_read", rel, 1, 1, limit=limit)
            return problem("E007.too_big", rel, 1, 1, size=f"{err.size:,}", limit=limit)
        if isinstance(err, FileMissing):
            if rel == REGISTRY_FILE:
                return problem("E007.no_registry", rel, root=str(self.root))
            return problem("E007.gone", rel)  # a dangling link, or removed while loading
        if isinstance(err, NotRegularFile):
            return problem("E007.not_regular", rel, kind=FILE_KINDS[err.kind])
        if isinstance(err, ReadDenied):
            return problem("E007.denied", rel)
        return problem("E007", rel, reason=err.reason.both())  # an I/O error

    def _outside(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` (a link) leads out of the registry's directory."""
        root = os.path.realpath(self.root)
        return os.path.commonpath([root, os.path.realpath(path)]) != root

    def _link_out(self, rel: str) -> Problem:
        """The E007 of a file of the registry that is a link out of it (not read: a
        message quoting it would show a file from elsewhere, /etc/passwd)."""
        target = os.path.realpath(self.root / rel)
        return problem("E007.outside", rel, target=one_line(target))

    def _load_meta(self) -> RegistryMeta | None:
        meta_path = self.root / REGISTRY_FILE
        if meta_path.is_symlink() and self._outside(meta_path):
            self.problems.append(self._link_out(REGISTRY_FILE))
            return None
        doc = self._read(meta_path, REGISTRY_FILE)
        if doc is None:
            return None
        try:
            meta = RegistryMeta.model_validate(doc.data)
        except ValidationError as err:
            self.problems += _schema_problems(err, doc, None)
            return None
        self._report(meta.category_issues() + meta.org_issues(), doc)
        self.org_chart = meta.org_chart()
        for i, c in enumerate(meta.categories):
            self._remember(
                self.positions,
                REGISTRY_FILE,
                doc,
                doc.data.get("categories"),
                i,
                category_key(c.code),
            )
        return meta

    def _power_files(self) -> list[str] | None:
        """Names of the ``*.yaml`` files in ``powers/``, sorted; ``None`` (and an E007)
        if the directory is missing or cannot be listed: a directory that cannot be
        read must not pass for an empty registry."""
        pdir = self.root / POWERS_DIR
        if self.only is not None:
            return [self.only]
        try:
            with os.scandir(pdir) as entries:
                names, strays, outside = [], [], []
                for e in entries:
                    if e.name.endswith(".yaml"):
                        if e.is_symlink() and self._outside(e.path):
                            outside.append(e.name)  # never read: a message would quote it
                        else:
                            names.append(e.name)
                            if e.is_file(follow_symlinks=False):  # (from the listing)
                                self.regular.add(e.name)
                    elif not e.name.startswith("."):  # hidden files: editors', git's
                        strays.append(e)
                self.problems += [_not_read(e) for e in sorted(strays, key=lambda e: e.name)]
                self.problems += [self._link_out(f"{POWERS_DIR}/{n}") for n in sorted(outside)]
                return sorted(names)
        except FileNotFoundError:
            found = problem("E007.no_powers", POWERS_DIR + "/", root=str(self.root))
        except NotADirectoryError:
            found = problem("E007.powers_not_dir", POWERS_DIR + "/", root=str(self.root))
        except PermissionError:
            found = problem("E007.dir_denied", POWERS_DIR + "/")
        except OSError as err:
            reason = err.strerror or str(err)
            found = problem("E007.dir_unreadable", POWERS_DIR + "/", reason=reason)
        self.problems.append(found)
        return None

    def _load_powers(self) -> dict[str, Power]:
        names = self._power_files()
        if names is None:
            return {}
        cache = LoadCache.open() if self.use_cache else None
        if cache is not None:
            self.salt = cache.salt
        loading = _Loading()
        pool: ParsePool | None = None
        pending: _Chunk | None = None
        try:
            for i in range(0, len(names), _CHUNK):
                chunk = self._read_chunk(names[i : i + _CHUNK], cache, pool)
                misses = chunk.misses
                if pool is None and len(misses) >= PARALLEL_AT and not loading.serial:
                    pool = ParsePool.start(payloads=cache is not None, whole=self.locate_all)
                    loading.serial = pool is None
                    if pool is not None and cache is not None:
                        cache.write_behind()  # a thread: only once the workers are forked
                if pool is not None:
                    # the workers parse this chunk while the previous one is taken in
                    chunk.jobs = pool.submit(misses)
                if pending is not None:
                    self._take_chunk(pending, cache, loading, pool)
                pending = chunk
            if pending is not None:
                self._take_chunk(pending, cache, loading, pool)
        finally:
            if pool is not None:
                pool.close()
            if cache is not None:
                cache.close()
        return loading.powers

    def _read_chunk(
        self, names: list[str], cache: LoadCache | None, pool: ParsePool | None
    ) -> _Chunk:
        """Read the files of ``names`` and find those the cache holds, the workers kept
        fed meanwhile (a worker's job is a few dozen milliseconds of work; reading 512
        files takes longer)."""
        pdir = os.path.join(self.root, POWERS_DIR, "")  # (a string join: pathlib's costs more)
        chunk = _Chunk()
        for name in names:
            try:
                raw: bytes | UnreadableFile = read_limited(
                    pdir + name, self.max_bytes, regular=name in self.regular
                )
            except UnreadableFile as err:
                raw = err
            key = cache.key(raw) if cache is not None and isinstance(raw, bytes) else None
            chunk.files.append((f"{POWERS_DIR}/{name}", raw, key))
            if pool is not None:
                pool.pump()
        if cache is not None:
            chunk.hits = cache.get_many(k for _, _, k in chunk.files if k)
            if self.locate_all:  # an entry without its entities' places is a miss here
                chunk.hits = {k: e for k, e in chunk.hits.items() if e.whole}
        return chunk

    def _take_chunk(
        self, chunk: _Chunk, cache: LoadCache | None, loading: _Loading, pool: ParsePool | None
    ) -> None:
        """Take the files of a chunk in order: from the cache, from the workers, or
        parsed here (every file with a problem, every file of a job no worker had
        started, and every file when no pool runs)."""
        fast = len(chunk.misses) >= FAST_AT and fast_available()
        whole = self.locate_all
        fresh: list[tuple[bytes, CachedPower]] = []
        payloads: list[tuple[bytes, bytes]] = []
        powers, declared_in = loading.powers, loading.declared_in
        # fd 2 to /dev/null once for the files read fast here, by the loader taking back
        # the jobs no worker started and as it takes the files in (fastyaml.quiet)
        with quiet() if fast else contextlib.nullcontext():
            made = chunk.made(pool, fast, whole)
            for rel, raw, key in chunk.files:
                if pool is not None:
                    pool.pump()  # the workers kept fed while this chunk is taken in
                if isinstance(raw, UnreadableFile):
                    self.problems.append(self._unreadable(raw, rel))
                    continue
                hit = chunk.hits.get(key) if key is not None else None
                if hit is not None and self._take_cached(hit, rel, raw, key, powers, declared_in):
                    continue
                tried = hit is None and rel in made
                found = made.get(rel) if hit is None else None
                if found is not None:
                    try:
                        entry: CachedPower | None = entry_of(found)
                    except Exception:  # a worker's payload is ours; still, never a traceback
                        entry = None
                    if entry is not None and self._take_cached(
                        entry, rel, raw, key, powers, declared_in
                    ):
                        if key is not None:
                            if isinstance(found, bytes):
                                payloads.append((key, found))
                            else:
                                fresh.append((key, entry))
                        continue
                if fast and not tried:  # a clean file read fast here, as a worker would
                    entry = clean_entry(raw, rel, whole=whole)
                    if entry is not None and self._take_cached(
                        entry, rel, raw, key, powers, declared_in
                    ):
                        if key is not None:
                            fresh.append((key, entry))
                        continue
                entry = self._load_power(raw, rel, powers, declared_in, keep=key is not None)
                if entry is not None and key is not None:
                    fresh.append((key, entry))
        if cache is not None:
            cache.put_payloads(payloads)
            cache.put_many(fresh)

    def _take_cached(
        self,
        hit: CachedPower,
        rel: str,
        raw: bytes,
        key: bytes | None,
        powers: dict[str, Power],
        declared_in: dict[str, str],
    ) -> bool:
        """Take a power from the cache, unless checks that depend on more than its file
        (its name, the other files, the org chart) find a problem: then the file is read
        afresh, so the problem is reported exactly as a fresh load reports it."""
        power = hit.power
        if power.id != rel[len(POWERS_DIR) + 1 : -len(".yaml")] or power.id in declared_in:
            return False
        if self.org_chart is not None and self.org_chart.issues(power):
            return False
        if hit.category is not None:
            code, line, column, entity = hit.category
            self.declared.append((code, rel, line, column, entity))
        declared_in[power.id] = rel
        powers[power.id] = power
        hit.locate(rel, self.positions)
        if not hit.whole:
            salt = self.salt if key is not None else b""  # the cache key is the digest
            self.sources.pending[power.id] = later(self.absolute, rel, raw, key, salt)
        return True

    def _load_power(
        self,
        raw: bytes,
        rel: str,
        powers: dict[str, Power],
        declared_in: dict[str, str],
        *,
        keep: bool = True,
    ) -> CachedPower | None:
        """Parse, validate and check one power file; what it produced, for the cache, if
        it loaded without a problem of its own and ``keep`` asks for it."""
        before = len(self.problems)
        doc = self._checked(read_bytes(raw, rel))
        if doc is None:
            return None
        stem = Path(rel).stem
        broken = self._report(reference_issues(doc.data), doc)
        category = category_of(doc)
        if category is not None:
            code, line, column, entity = category
            self.declared.append((code, rel, line, column, entity))
        try:
            power = Power.model_validate(doc.data, context={DEFER_REFERENCES: True})
        except ValidationError as err:
            pid = doc.data.get("id")
            self.problems += _schema_problems(err, doc, pid if isinstance(pid, str) else stem)
            return None
        if broken:
            return None
        if self.org_chart is not None:
            self._report(self.org_chart.issues(power), doc)
        if power.id != stem:
            self.problems.append(
                problem(
                    "E005",
                    rel,
                    *doc.position(("id",)),
                    entity=power.id,
                    stem=stem,
                    id=power.id,
                )
            )
        if power.id in declared_in:
            self.problems.append(
                problem(
                    "E003.power_twice",
                    rel,
                    *doc.position(("id",)),
                    entity=power.id,
                    id=power.id,
                    other=declared_in[power.id],
                )
            )
            return None
        declared_in[power.id] = rel
        powers[power.id] = power
        located = positions(power, doc)
        for key, line, column in located:
            self.positions[key] = (rel, line, column)
        if len(self.problems) != before or not keep:
            return None
        return CachedPower.of(power, category, located)

    # ---------------------------------------------------------------- checks

    def _report(self, issues: list[Issue], doc: Document) -> bool:
        for i in issues:
            key, params = i.key, dict(i.params)
            first = params.pop(FIRST_LOC, None)
            if first is not None:  # say where the first of a duplicate is
                key, params["first"] = f"{i.key}.first", doc.position(first)[0]
            self.problems.append(
                problem(
                    key,
                    doc.file,
                    *doc.position(i.loc),
                    entity=short_entity(i.entity),
                    **quoted(params),
                )
            )
        return bool(issues)

    def _check_case(self, powers: dict[str, Power]) -> None:
        """Ids that differ only in case (XK-001, xk-001): their files, pages and charts
        would be one file on a disk that ignores case (Windows', macOS')."""
        seen: dict[str, str] = {}
        for pid, power in powers.items():
            other = seen.setdefault(pid.casefold(), pid)
            if other != pid:
                self._case_twice(pid, other)
            if len(power.flowcharts) > 1:
                charts: dict[str, str] = {}
                for fc in power.flowcharts:
                    first = charts.setdefault(fc.id.casefold(), fc.id)
                    if first != fc.id:
                        self._case_twice(fc.gid, f"{pid}/{first}")

    def _case_twice(self, gid: str, other: str) -> None:
        file, line, column = self.sources.find(gid) or (f"{POWERS_DIR}/", 0, 0)
        self.problems.append(
            problem("E003.case", file, line, column, entity=gid, id=gid, other=other)
        )

    def _check_categories(self, meta: RegistryMeta) -> None:
        codes = {c.code for c in meta.categories}
        for code, file, line, column, pid in self.declared:
            if code in codes:
                continue
            close = closest(code, sorted(codes))
            params: dict[str, Any] = {
                "category": snippet(code),
                "categories": ", ".join(sorted(codes)),
            }
            if close:
                params["close"] = close
            key = "E004.category_close" if close else "E004.category"
            self.problems.append(problem(key, file, line, column, entity=pid, **params))

    @staticmethod
    def _remember(
        pos: dict[str, tuple[str, int, int]],
        file: str,
        doc: Document,
        raw_list: Any,
        index: int,
        gid: str,
    ) -> None:
        at = doc.item_position(raw_list, index)
        if at is not None:
            pos[gid] = (file, *at)


class _Loading:
    """The powers taken so far, and by which file each was declared."""

    def __init__(self) -> None:
        self.powers: dict[str, Power] = {}
        self.declared_in: dict[str, str] = {}
        #: a pool was wanted and could not start: do not try again
        self.serial = False


class _Chunk:
    """Files read together: ``(rel, bytes or why not, cache key)``, the cache's hits,
    and the workers' jobs for the misses."""

    def __init__(self) -> None:
        self.files: list[tuple[str, bytes | UnreadableFile, bytes | None]] = []
        self.hits: dict[bytes, CachedPower] = {}
        self.jobs: list[Job] = []

    @cached_property
    def misses(self) -> list[tuple[str, bytes]]:
        """``(rel, bytes)`` of the readable files the cache does not hold (asked once
        the chunk's files are read and looked up)."""
        return [
            (rel, raw)
            for rel, raw, key in self.files
            if isinstance(raw, bytes) and (key is None or key not in self.hits)
        ]

    def made(self, pool: ParsePool | None, fast: bool, whole: bool) -> dict[str, Made | None]:
        """What was made of the misses before they are taken in, rel → made, ``None``
        for a file found not clean: the jobs no worker has started are taken back and
        their files read here (fast, if ``fast``), the workers kept fed meanwhile; then
        what the workers made (nothing for a job that failed: the loader parses those
        files when it takes them)."""
        out: dict[str, Made | None] = {}
        if pool is None:
            return out
        for job in pool.take_back(self.jobs):
            if not fast:
                continue
            for rel, raw in job.files:
                out[rel] = clean_entry(raw, rel, whole=whole)
                pool.pump()
        for job in self.jobs:
            results = pool.wait(job)
            if results is not None:
                for (rel, _), result in zip(job.files, results, strict=True):
                    out[rel] = result
        return out


def _schema_problems(err: ValidationError, doc: Document, power_id: str | None) -> list[Problem]:
    top: type[BaseModel] = Power if power_id is not None else RegistryMeta
    out = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        key, params, at_key = schema_message(e, top)  # type: ignore[arg-type]
        line, col = doc.position(loc, key=at_key)
        entity = short_entity(entity_of(doc.data, loc, power_id))
        out.append(problem(key, doc.file, line, col, entity=entity, **params))
    return out


def _not_read(entry: os.DirEntry[str]) -> Problem:
    """The E008 of an entry of ``powers/`` that is never read: a file that is not
    ``*.yaml`` (``XK-017.yml``, ``XK-017.YAML``, ``notes.txt``) or a folder."""
    rel = f"{POWERS_DIR}/{entry.name}"
    try:
        folder = entry.is_dir()
    except OSError:
        folder = False
    if folder:
        return problem("E008.folder", rel + "/")
    stem, dot, suffix = entry.name.rpartition(".")
    if dot and suffix.lower() in ("yaml", "yml"):
        return problem("E008.suffix", rel, name=f"{stem}.yaml")
    return problem("E008", rel)
