"""The layers of powerreg: which rooms may import which, checked and drawn from the code.

A *room* is a top-level module (``powerreg/errors.py`` → ``errors``) or a top-level
package (``powerreg/audit/*`` → ``audit``). :data:`LAYERS` below lists the rooms layer by
layer, bottom first. A room may import rooms of its own layer or of lower layers; the
rooms of one layer must not import one another in a circle, and no module of the package
may take part in an import circle at all. The package face (``powerreg/__init__.py``) and
``__main__.py`` sit on top of everything and are not checked as importers.

Every import of a package module counts: at the top of a module, inside a function, under
``if TYPE_CHECKING:``. A name re-exported by a package ``__init__`` counts as an import of
the module the ``__init__`` takes it from (as ``/work/shared/tools/import_circles.py``
does). The script reads the source with :mod:`ast` and never imports powerreg, so it also
works on a tree that does not import.

Usage::

    python scripts/layers.py --check              # exit 1 listing every violation
    python scripts/layers.py --readme README.md   # redraw the picture in the README
    python scripts/layers.py                      # print the picture

``--check`` writes nothing; it also fails when the picture between
``<!-- layers:begin -->`` and ``<!-- layers:end -->`` in README.md (or the file given with
``--readme``) is not the one the code draws.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The declared layering, bottom first: edit freely when a room is added, renamed or moved.
# A room may import rooms of its own layer or below, never above.
LAYERS: list[list[str]] = [
    # plain data, no package imports
    ["lang", "textsafe", "collector", "paths", "graph", "suggest", "lazyface", "machine"],
    ["_version"],  # the one home of the version (pyproject.toml reads it too)
    ["layout"],  # the files of a registry directory, by name
    ["codes"],  # every diagnostic code and its templates
    ["problems"],  # Problem: the one record of every diagnostic (a pydantic model)
    ["errors"],  # the exception tree (Problem read through it, imported when asked for)
    ["atomic", "readfile", "formats", "yamlsource", "settingsfile"],  # I/O and text on errors
    ["fastyaml"],  # clean YAML read by rapidyaml, the careful reader (yamlsource) judging
    ["model"],  # pydantic models; their convenience methods call paths and graph
    # what a pydantic error says, for every reader of a registry; the load cache; the
    # worker processes that parse files for the loader; positions found when asked
    ["schemamessages", "loadentry", "loadcache", "loadpool", "lateplaces"],
    ["directory", "catalog", "workbook"],  # YAML files → models; models ⇄ SQLite, workbooks
    ["load"],  # chooses between a directory and a catalog
    ["verdicts"],  # a clean load remembered by the directory's bytes (validate's answer)
    # what is done with a registry (frames: the registry as DataFrames, for notebooks)
    ["reference", "audit", "render", "schemas", "synth", "diff", "starter", "frames"],
    ["monitor", "site"],  # electronic supervision; the public website (外网公开)
    ["service"],  # live supervision (网上实时监察): events in, the monitor's replay, the feed
    ["mainjob"],  # the main job: validate, audit, draw, publish
    ["rollup"],  # many departments' registries in one: each member's own job, then merged
    ["cli"],  # nothing imports cli
]

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "powerreg"
README = ROOT / "README.md"
BEGIN = "<!-- layers:begin -->"
END = "<!-- layers:end -->"
REGENERATE = "python scripts/layers.py --readme README.md"


@dataclass(frozen=True, order=True)
class Import:
    """One import statement of one package module by another.

    ``target`` is a module of the package, or a dotted name under the package that is no
    module (an import of something that is not there).
    """

    source: str
    target: str
    path: Path
    line: int


def modules(src: Path) -> dict[str, Path]:
    """Every module of the package at ``src``, by dotted name (packages by their own name)."""
    mods: dict[str, Path] = {}
    for f in sorted(src.rglob("*.py")):
        rel = f.relative_to(src.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods[".".join(parts)] = f
    return mods


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None


def _base(cur: str, mods: Mapping[str, Path], node: ast.ImportFrom) -> str:
    """The module a ``from … import`` statement names, relative levels resolved."""
    if not node.level:
        return node.module or ""
    parts = cur.split(".")
    is_pkg = mods[cur].name == "__init__.py"
    parts = parts[: len(parts) - node.level + (1 if is_pkg else 0)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def faces(mods: Mapping[str, Path]) -> dict[str, dict[str, str]]:
    """For each package ``__init__``: the names it re-exports and the module each is from.

    Only imports at the top of the ``__init__`` (or under a top-level ``if``) count: those
    are the names an ``import`` of the package is certain to find.
    """
    out: dict[str, dict[str, str]] = {}
    for m, f in mods.items():
        if f.name != "__init__.py" or (tree := _parse(f)) is None:
            continue
        body = list(tree.body)
        body += [n for s in tree.body if isinstance(s, ast.If) for n in s.body]
        for n in body:
            if isinstance(n, ast.ImportFrom) and n.module:
                child = _base(m, mods, n)
                if child in mods and child.startswith(m + "."):
                    for a in n.names:
                        out.setdefault(m, {})[a.asname or a.name] = child
    return out


def _through_faces(mod: str, name: str, face: Mapping[str, Mapping[str, str]]) -> str:
    """The module ``from mod import name`` reaches, following re-exports down."""
    seen = set()
    while name in face.get(mod, {}) and mod not in seen:
        seen.add(mod)
        mod = face[mod][name]
    return mod


def _targets(
    cur: str,
    node: ast.Import | ast.ImportFrom,
    mods: Mapping[str, Path],
    face: Mapping[str, Mapping[str, str]],
) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    mod = _base(cur, mods, node)
    out = []
    for a in node.names:
        full = f"{mod}.{a.name}"
        out.append(full if full in mods else _through_faces(mod, a.name, face))
    return out


def imports(src: Path) -> list[Import]:
    """Every import of a package module by another, sorted.

    The package face and ``__main__`` are left out as importers.

    Examples:
        >>> [i for i in imports(SRC) if i.source in ("powerreg", "powerreg.__main__")]
        []
    """
    pkg = src.name
    mods = modules(src)
    face = faces(mods)
    out: set[Import] = set()
    for m, f in mods.items():
        if m in (pkg, f"{pkg}.__main__") or (tree := _parse(f)) is None:
            continue
        path = f.relative_to(src.parents[1])
        for n in ast.walk(tree):
            if not isinstance(n, (ast.Import, ast.ImportFrom)):
                continue
            for t in _targets(m, n, mods, face):
                if (t == pkg or t.startswith(pkg + ".")) and t != m:
                    out.add(Import(m, t, path, n.lineno))
    return sorted(out)


def room(module: str) -> str:
    """The room of a module: its top-level module or package under the package.

    Examples:
        >>> room("powerreg.audit.rules"), room("powerreg.errors"), room("powerreg")
        ('audit', 'errors', 'powerreg')
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def rooms(src: Path) -> dict[str, Path]:
    """Every room of the package, with the file or directory that is it.

    Examples:
        >>> rooms(SRC)["errors"].name
        'errors.py'
    """
    names = {room(m) for m in modules(src)} - {src.name, "__main__"}
    return {r: src / r if (src / r).is_dir() else src / f"{r}.py" for r in sorted(names)}


def _strong(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node, each sorted, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def _cycle(comp: Sequence[str], edges: Mapping[str, Iterable[str]]) -> list[str]:
    """A shortest circle through the first node of ``comp``, inside ``comp``."""
    start, inside = comp[0], set(comp)
    came: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges.get(v, ())):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came[path[-1]])
                    return [*reversed(path), start]
                if w in inside and w not in came:
                    came[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start, start]  # unreachable for a strongly connected component


def _where(pairs: Mapping[tuple[str, str], list[Import]], path: Sequence[str]) -> str:
    return ", ".join(
        f"{i.path}:{i.line}" for a, b in itertools.pairwise(path) for i in pairs[a, b][:1]
    )


def module_circles(src: Path, found: Sequence[Import] | None = None) -> list[str]:
    """Every import circle among the modules, one line each with a circle and its lines.

    A package ``__init__`` importing its own modules is left out: it is their face.
    """
    found = imports(src) if found is None else found
    pairs: dict[tuple[str, str], list[Import]] = defaultdict(list)
    edges: dict[str, set[str]] = defaultdict(set)
    mods = modules(src)
    for i in found:
        if mods.get(i.source, Path()).name == "__init__.py" and i.target.startswith(i.source + "."):
            continue
        pairs[i.source, i.target].append(i)
        edges[i.source].add(i.target)
    out = []
    for comp in _strong(edges):
        path = _cycle(comp, edges)
        out.append(
            f"import circle among {len(comp)} modules ({', '.join(comp)}): "
            f"{' -> '.join(path)} ({_where(pairs, path)})"
        )
    return out


def layer_of(layers: Sequence[Sequence[str]]) -> dict[str, int]:
    """The layer number of each room, bottom 0.

    Examples:
        >>> layer_of([["errors"], ["model", "graph"]])
        {'errors': 0, 'model': 1, 'graph': 1}
    """
    return {r: n for n, layer in enumerate(layers) for r in layer}


def layering(
    src: Path, layers: Sequence[Sequence[str]], found: Sequence[Import] | None = None
) -> list[str]:
    """Every import against ``layers``, every room no layer holds, every circle of rooms
    inside one layer and every import of something that is not a module."""
    found = imports(src) if found is None else found
    pkg = src.name
    mods = modules(src)
    level = layer_of(layers)
    out = [
        f"{f.relative_to(src.parents[1])}: cannot be parsed, its imports are not checked"
        for f in mods.values()
        if _parse(f) is None
    ]
    seen: set[str] = set()
    for layer in layers:
        for r in layer:
            if r in seen:
                out.append(f"LAYERS: room {r!r} is in more than one layer")
            seen.add(r)
    here = rooms(src)
    for r, p in here.items():
        if r not in level:
            out.append(
                f"{p.relative_to(src.parents[1])}: room {r!r} is in no layer; "
                "add it to LAYERS in scripts/layers.py"
            )
    pairs: dict[tuple[str, str], list[Import]] = defaultdict(list)
    edges: dict[str, set[str]] = defaultdict(set)
    for i in found:
        if i.target not in mods:
            out.append(f"{i.path}:{i.line}: imports {i.target!r}, which is not a module of {pkg}")
            continue
        a, b = room(i.source), room(i.target)
        if a == b:
            continue
        if b in (pkg, "__main__"):
            out.append(f"{i.path}:{i.line}: room {a!r} imports the package face {i.target!r}")
            continue
        if a not in level or b not in level:
            continue  # reported above as a room in no layer
        if level[b] > level[a]:
            out.append(
                f"{i.path}:{i.line}: room {a!r} (layer {level[a]}) imports {b!r} (layer {level[b]})"
            )
        elif level[b] == level[a]:
            pairs[a, b].append(i)
            edges[a].add(b)
    for comp in _strong(edges):
        path = _cycle(comp, edges)
        out.append(
            f"rooms of layer {level[comp[0]]} import one another in a circle: "
            f"{' -> '.join(path)} ({_where(pairs, path)})"
        )
    return out


def absent(src: Path, layers: Sequence[Sequence[str]]) -> list[str]:
    """Rooms ``layers`` names that the package does not have (stale entries, not errors)."""
    here = rooms(src)
    return sorted(r for layer in layers for r in layer if r not in here)


def mermaid(
    src: Path, layers: Sequence[Sequence[str]], found: Sequence[Import] | None = None
) -> str:
    """The README block: rooms by layer as a Mermaid ``flowchart BT``, with the real edges.

    An arrow ``a --> b`` means ``b`` imports ``a``: arrows point up, from a room to those
    built on it.
    """
    found = imports(src) if found is None else found
    here = rooms(src)
    level = layer_of(layers)
    lines = [BEGIN, "```mermaid", "flowchart BT"]
    for n, layer in enumerate(layers):
        present = sorted(r for r in layer if r in here)
        if not present:
            continue
        lines.append(f'  subgraph L{n}["layer {n}"]')
        lines += [f'    r_{r}["{r}"]' for r in present]
        lines.append("  end")
    stray = sorted(r for r in here if r not in level)
    lines += [f'  r_{r}["{r} (no layer)"]' for r in stray]
    pairs = sorted(
        {
            (room(i.target), room(i.source))
            for i in found
            if room(i.target) != room(i.source)
            and room(i.target) in here
            and room(i.source) in here
        }
    )
    lines += [f"  r_{a} --> r_{b}" for a, b in pairs]
    lines += [
        "```",
        "",
        f"Drawn from the imports by `{REGENERATE}`: an arrow points from a room up to",
        "a room that imports it; `make lint` fails when this picture is stale or an import",
        "goes against `LAYERS` in `scripts/layers.py`.",
        END,
    ]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str | None:
    """``text`` with its marked block replaced by ``block``; ``None`` without markers."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return text[:start] + block + text[end + len(END) :]


def readme_problems(readme: Path, block: str) -> list[str]:
    """Whether ``readme`` holds ``block`` between its markers."""
    if not readme.is_file():
        return [f"{readme}: not found"]
    text = readme.read_text(encoding="utf-8")
    new = replace_block(text, block)
    if new is None:
        return [f"{readme.name}: no {BEGIN} … {END} block; add the markers to its layout section"]
    if new != text:
        return [f"{readme.name}: the layers picture is stale; run `{REGENERATE}`"]
    return []


def check(
    src: Path = SRC, layers: Sequence[Sequence[str]] = LAYERS, readme: Path | None = README
) -> list[str]:
    """Every problem ``--check`` reports: layering, circles, and a stale README block."""
    found = imports(src)
    out = layering(src, layers, found) + module_circles(src, found)
    if readme is not None:
        out += readme_problems(readme, mermaid(src, layers, found))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 on any violation")
    parser.add_argument(
        "--readme",
        type=Path,
        help="the README whose layers block to rewrite (with --check: to check, unchanged)",
    )
    parser.add_argument("--src", type=Path, default=SRC, help="the package (src/powerreg)")
    args = parser.parse_args(argv)
    for r in absent(args.src, LAYERS):
        print(f"note: LAYERS names room {r!r}, which is not in {args.src}", file=sys.stderr)
    if args.check:
        found = imports(args.src)
        problems = check(args.src, LAYERS, args.readme or README)
        for p in problems:
            print(p)
        print(
            f"{len(rooms(args.src))} rooms in {len(LAYERS)} layers, {len(found)} internal "
            f"imports, {len(problems)} problems",
            file=sys.stderr,
        )
        return 1 if problems else 0
    block = mermaid(args.src, LAYERS)
    if args.readme is None:
        print(block)
        return 0
    text = args.readme.read_text(encoding="utf-8")
    new = replace_block(text, block)
    if new is None:
        print(f"{args.readme}: no {BEGIN} … {END} block", file=sys.stderr)
        return 1
    if new != text:
        args.readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
