"""A registry directory that loaded cleanly, remembered by its bytes: the next
``powerreg validate`` of the same bytes answers without loading it again.

The load cache (:mod:`.loadcache`) keeps what each power file produced, but a warm load
still builds every power and runs the checks across files: about a third of a cold load
at 10,000 powers. Whether a directory loads cleanly, though, depends on nothing but its
bytes and the powerreg that reads them. So a clean load is remembered in the same cache
file under a *digest* of the whole directory: the fingerprint of this powerreg
(:func:`~.loadcache.fingerprint`, which covers the models, the YAML reader and the
loader), the size limit of a file, the bytes of ``registry.yaml``, and the name of every
entry of ``powers/`` with the bytes of each ``.yaml`` file. Any edit, any file added,
removed or renamed, a new powerreg or another limit gives another digest. A validation
with problems is never remembered: its messages always come from a load.

The digest is taken before the load, and again after it: a directory edited while it
was being loaded is not remembered (what the load read may be neither). A remembered
answer carries the checksum of every cache entry and is ignored if it does not decode.

Reading every file to take the digest is most of the answer's time (two thirds at
10,000 powers). So, as git tells an unchanged file by its status, a verdict is also
remembered under a *signature*: the same names with each file's status instead of its
bytes (size, modification and change times to the nanosecond, inode, device, mode). A
signature remembered is recognised with one ``stat`` a file, and any write to a file
changes its change time, which no program can set back. It is remembered only for files
that had not changed for :data:`SETTLED_NS` before (a file written in the same tick of
the file system's clock as the signature was taken could change again without its times
telling: git calls it "racily clean"); until then the bytes are read.

Examples:
    >>> import shutil, tempfile
    >>> from powerreg import load
    >>> root = Path(tempfile.mkdtemp()) / "registry"
    >>> _ = shutil.copytree("examples/minimal", root)
    >>> cache = tempfile.mkdtemp()
    >>> key, known = recall(root, cache_dir=cache)
    >>> known is None, len(key)
    (True, 32)
    >>> remember(root, key, load(root), cache_dir=cache)
    >>> v = recall(root, cache_dir=cache)[1]
    >>> v.id, v.powers, v.flowcharts, v.risk_points, v.countermeasures, v.files
    ('example-epb', 2, 2, 4, 11, 3)
    >>> with open(root / "powers" / "XK-001.yaml", "a", encoding="utf-8") as f:
    ...     _ = f.write("\\n")  # any edit: another digest
    >>> recall(root, cache_dir=cache)[1] is None
    True
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .layout import POWERS_DIR, REGISTRY_FILE
from .loadcache import LoadCache, cache_enabled, fingerprint
from .readfile import DEFAULT_LIMIT, UnreadableFile, read_limited

if TYPE_CHECKING:
    from .model import Registry

#: What the digest of a directory starts with: a verdict's key never meets a file's.
_KIND = b"powerreg verdict 1\n"
#: What a signature starts with (a status is never taken for bytes).
_SIGNATURE_KIND = b"powerreg verdict by status 1\n"
#: How long (ns) before its signature is remembered a file must not have changed.
SETTLED_NS = 3_000_000_000


@dataclass(frozen=True)
class Verdict:
    """What ``powerreg validate`` says of a registry that loads: its id and counts."""

    id: str
    categories: int
    powers: int
    flowcharts: int
    risk_points: int
    countermeasures: int
    #: files read (``registry.yaml`` and each power file)
    files: int

    @classmethod
    def of(cls, reg: Registry) -> Verdict:
        """The verdict of a registry that loaded."""
        s = reg.stats()
        return cls(
            reg.id,
            s.categories,
            s.powers,
            s.flowcharts,
            s.risk_points,
            s.countermeasures,
            reg.source_files(),
        )


def _files(base: Path) -> list[tuple[str, str, bool | None]]:
    """``registry.yaml`` and every entry of ``powers/`` by name, as a load meets them:
    ``(name, path, plain)``, ``plain`` ``None`` for an entry a load does not read (not a
    ``.yaml``), else whether the listing says it is a plain file (no link).

    Raises:
        OSError: ``powers/`` cannot be listed.
    """
    with os.scandir(base / POWERS_DIR) as it:
        entries = sorted(it, key=lambda e: e.name)
    files: list[tuple[str, str, bool | None]] = [(REGISTRY_FILE, str(base / REGISTRY_FILE), False)]
    for e in entries:
        yaml = e.name.endswith(".yaml")
        files.append((e.name, e.path, e.is_file(follow_symlinks=False) if yaml else None))
    return files


def digest(root: str | os.PathLike[str], max_bytes: int = DEFAULT_LIMIT) -> bytes | None:
    """The digest of a registry directory as a load reads it (see the module's text);
    ``None`` if a file cannot be read or ``powers/`` cannot be listed (the load says
    why).

    Examples:
        >>> a, b = digest("examples/minimal"), digest("examples/minimal", 100)
        >>> len(a), a == digest("examples/minimal"), a == b, digest("no/such/dir")
        (32, True, False, None)
    """
    h = hashlib.sha256(_KIND + fingerprint())  # SHA-256: the CPU's own instructions
    h.update(b"%d\n" % max_bytes)
    try:
        for name, path, plain in _files(Path(root)):
            # a plain file is read without a stat first
            data = b"" if plain is None else read_limited(path, max_bytes, regular=plain)
            _add(h, name, data)
    except (UnreadableFile, OSError):
        return None
    return h.digest()


def _add(h: Any, name: str, data: bytes) -> None:
    # each part framed by its lengths: no two listings give the same stream
    encoded = name.encode("utf-8", "surrogateescape")
    h.update(b"%d:%d:" % (len(encoded), len(data)))
    h.update(encoded)
    h.update(data)


def signature(
    root: str | os.PathLike[str], max_bytes: int = DEFAULT_LIMIT
) -> tuple[bytes, int] | None:
    """The signature of a registry directory (see the module's text) and when its
    latest file changed (ns); ``None`` if a file cannot be stat'ed or ``powers/``
    listed.

    Examples:
        >>> a, changed = signature("examples/minimal")
        >>> len(a), a == signature("examples/minimal")[0], a == digest("examples/minimal")
        (32, True, False)
        >>> 0 < changed <= time.time_ns()
        True
    """
    h = hashlib.sha256(_SIGNATURE_KIND + fingerprint())
    h.update(b"%d\n" % max_bytes)
    changed = 0
    try:
        for name, path, plain in _files(Path(root)):
            status = b""
            if plain is not None:  # a file a load reads (through a link: what it leads to)
                st = os.stat(path)
                changed = max(changed, st.st_mtime_ns, st.st_ctime_ns)
                status = b"%d %d %d %d %d %d" % (
                    st.st_mode,
                    st.st_size,
                    st.st_mtime_ns,
                    st.st_ctime_ns,
                    st.st_ino,
                    st.st_dev,
                )
            _add(h, name, status)
    except OSError:
        return None
    return h.digest(), changed


def recall(
    root: str | os.PathLike[str],
    max_bytes: int = DEFAULT_LIMIT,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> tuple[bytes | None, Verdict | None]:
    """The digest of ``root`` and, if a clean load of the same bytes was remembered, its
    verdict. ``(None, None)`` if the cache is off (``POWERREG_CACHE=0``), cannot be
    opened, or the directory cannot be read whole; ``(None, verdict)`` when its
    signature was recognised (no file read)."""
    if not cache_enabled():
        return None, None
    cache = LoadCache.open(cache_dir)
    if cache is None:
        return None, None
    try:
        signed = signature(root, max_bytes)
        known = _verdict(cache, signed[0]) if signed is not None else None
        if known is not None:
            return None, known
        key = digest(root, max_bytes)
        if key is None:
            return None, None
        known = _verdict(cache, key)
        if known is not None:
            _sign(cache, signed, known)  # the next validate reads no file
        return key, known
    finally:
        cache.close()


def _verdict(cache: LoadCache, key: bytes) -> Verdict | None:
    payload = cache.get_payloads([key]).get(key)
    if payload is None:
        return None
    try:
        return Verdict(**json.loads(payload))
    except Exception:  # any entry that does not decode is a miss
        return None


def _sign(cache: LoadCache, signed: tuple[bytes, int] | None, known: Verdict) -> None:
    """Remember ``known`` under a signature too, if its files had settled before it was
    taken (:data:`SETTLED_NS`)."""
    if signed is not None and signed[1] < time.time_ns() - SETTLED_NS:
        cache.put_payloads([(signed[0], json.dumps(asdict(known)).encode())])


def remember(
    root: str | os.PathLike[str],
    key: bytes | None,
    reg: Registry,
    max_bytes: int = DEFAULT_LIMIT,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Remember that ``root``, whose digest was ``key`` before it loaded as ``reg``,
    loads cleanly; nothing if ``key`` is None or the directory changed since."""
    if key is None or digest(root, max_bytes) != key:
        return
    cache = LoadCache.open(cache_dir)
    if cache is None:
        return
    try:
        known = Verdict.of(reg)
        cache.put_payloads([(key, json.dumps(asdict(known)).encode())])
        _sign(cache, signature(root, max_bytes), known)
    finally:
        cache.close()
