"""Path questions about one flowchart, as free functions over plain data.

A chart is given the way networkx would take it, without networkx: ``succ`` maps every
step id to the ids of the steps a transition leads to, the keys in chart order (the order
is used to break ties, so answers are the same every time); a start id, end ids and, for
the longest path, working days per step. This is the one home of these algorithms: the
model's convenience methods (:meth:`Flowchart.unreachable_steps
<powerreg.model.Flowchart.unreachable_steps>` and the like), the audit rules, the
monitor's chart index and the case generators all call them. Plain dicts and lists are
several times faster than networkx graphs for charts of a dozen steps, which matters at
100,000 powers and at a million events; the tests check every function against networkx.

The chart of the examples: 申请 S1 → 审查 S2, which sends incomplete files to 补正 S3
and back, and complete ones to 办结 S4; S5 is connected to nothing.

Examples:
    >>> succ = {"S1": ["S2"], "S2": ["S3", "S4"], "S3": ["S2"], "S4": [], "S5": []}
    >>> unreachable_steps(succ, "S1"), dead_end_steps(succ, ["S4"])
    (['S5'], ['S5'])
    >>> must_pass_steps(succ, "S1", ["S4"])
    ['S1', 'S2', 'S4']
    >>> longest_path(succ, "S1", ["S4"], {"S2": 5, "S3": 2, "S4": 1})
    (6, ['S1', 'S2', 'S4'])
    >>> steps_between(succ, "S1", "S4"), steps_to_end(succ, "S3", ["S4"])
    (('skip', ('S2',), True), (('S2', 'S4'), True))
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import Literal, TypeVar

#: Step id → ids of the steps its transitions lead to; every step a key, in chart order.
Successors = Mapping[str, Sequence[str]]

#: How a move that is not a transition relates to the chart (see :func:`steps_between`).
MoveKind = Literal["skip", "back", "jump", "repeat"]

N = TypeVar("N", bound=Hashable)

# the graphs of steps_between and steps_to_end add one node that is no step: the target
# (b, or "any end"); None can never be a step id
_Node = str | None


def reachable(succ: Successors, sources: Iterable[str]) -> set[str]:
    """Steps reachable from ``sources`` along transitions, the sources included.

    Examples:
        >>> sorted(reachable({"A": ["B"], "B": [], "C": ["A"]}, ["A"]))
        ['A', 'B']
    """
    seen = set(sources)
    stack = list(seen)
    while stack:
        for nxt in succ[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def predecessors(succ: Successors) -> dict[str, list[str]]:
    """The transitions reversed: step id → ids of the steps that lead to it, in chart
    order.

    Examples:
        >>> predecessors({"A": ["B", "C"], "B": ["C"], "C": []})
        {'A': [], 'B': ['A'], 'C': ['A', 'B']}
    """
    pred: dict[str, list[str]] = {s: [] for s in succ}
    for a, targets in succ.items():
        for b in targets:
            pred[b].append(a)
    return pred


def unreachable_steps(succ: Successors, start: str | None) -> list[str]:
    """Steps no case can arrive at from ``start``, in chart order; every step if there is
    no start (``None``: the chart has none, or several).

    Examples:
        >>> unreachable_steps({"A": ["B"], "B": [], "C": ["A"]}, "A")
        ['C']
        >>> unreachable_steps({"A": ["B"], "B": []}, None)
        ['A', 'B']
    """
    if start is None:
        return list(succ)
    seen = reachable(succ, [start])
    return [s for s in succ if s not in seen]


def dead_end_steps(succ: Successors, ends: Iterable[str]) -> list[str]:
    """Steps from which no end can be reached (dead ends and closed loops), in chart
    order.

    Examples:
        >>> dead_end_steps({"A": ["B", "C"], "B": [], "C": ["D"], "D": ["C"]}, ["B"])
        ['C', 'D']
    """
    can_finish = reachable(predecessors(succ), ends)
    return [s for s in succ if s not in can_finish]


def immediate_dominators(succ: Mapping[N, Collection[N]], start: N) -> dict[N, N]:
    """The immediate dominator of every node reachable from ``start`` but ``start``: the
    last node before it that every path from ``start`` passes through. Works on any
    hashable nodes; a node missing from ``succ`` has no successors. The answer of
    ``networkx.immediate_dominators`` (which includes ``start`` before networkx 3.5),
    by the iterative algorithm of Cooper, Harvey and Kennedy (2001).

    Examples:
        >>> succ = {"A": ["B", "C"], "B": ["D"], "C": ["D"], "D": ["E"], "E": []}
        >>> sorted(immediate_dominators(succ, "A").items())
        [('B', 'A'), ('C', 'A'), ('D', 'A'), ('E', 'D')]
    """
    # depth-first postorder of the nodes reachable from start
    post: list[N] = []
    seen = {start}
    stack = [(start, iter(succ.get(start, ())))]
    while stack:
        node, it = stack[-1]
        for nxt in it:
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(succ.get(nxt, ()))))
                break
        else:
            stack.pop()
            post.append(node)
    rank = {n: i for i, n in enumerate(post)}  # start ranks highest
    pred: dict[N, list[N]] = {n: [] for n in post}
    for n in post:
        for m in succ.get(n, ()):
            pred[m].append(n)
    idom = {start: start}
    changed = True
    while changed:
        changed = False
        for n in reversed(post[:-1]):  # reverse postorder, start left out
            new: N | None = None
            for p in pred[n]:
                if p not in idom:
                    continue
                if new is None:
                    new = p
                    continue
                a, b = p, new
                while a != b:  # walk up the tree from both to the common dominator
                    while rank[a] < rank[b]:
                        a = idom[a]
                    while rank[b] < rank[a]:
                        b = idom[b]
                new = a
            assert new is not None  # the depth-first parent comes earlier
            if idom.get(n) != new:
                idom[n] = new
                changed = True
    del idom[start]
    return idom


def must_pass_steps(succ: Successors, start: str | None, ends: Iterable[str]) -> list[str]:
    """Steps every case passes from ``start`` to any end, the start and (if there is only
    one way to finish) the end included, in chart order: the dominators of the ends
    joined in one virtual sink. Empty if there is no start or no end can be reached.

    Examples:
        >>> succ = {"A": ["B", "C"], "B": ["D"], "C": ["D", "E"], "D": [], "E": []}
        >>> must_pass_steps(succ, "A", ["D"]), must_pass_steps(succ, "A", ["D", "E"])
        (['A', 'D'], ['A'])
    """
    if start is None:
        return []
    chain = _dominators(_with_target(succ, ends), start)
    if chain is None:
        return []
    order = {s: i for i, s in enumerate(succ)}
    return sorted([start, *chain], key=order.__getitem__)


def longest_path(
    succ: Successors, start: str | None, ends: Iterable[str], days: Mapping[str, int]
) -> tuple[int, list[str]]:
    """Most working days a case can take from ``start`` to an end, with loops cut once,
    and the path: transitions that close a loop (back edges of a depth-first walk from the
    start, successors in their given order) are dropped, so a loop such as 补正 → 受理
    counts its steps once.

    The days of every step on the path count, the start's and the end's included; a step
    missing from ``days`` counts 0 (leave out the steps that pause the clock). Returns
    ``(0, [])`` if there is no start or no end can be reached.

    Examples:
        >>> succ = {"A": ["B"], "B": ["C", "D"], "C": ["B"], "D": []}
        >>> longest_path(succ, "A", ["D"], {"B": 1, "C": 5, "D": 2})
        (3, ['A', 'B', 'D'])
    """
    if start is None:
        return 0, []
    # depth-first order from the start; back edges (to a step on the stack) are cut
    order: list[str] = []
    on_stack: set[str] = {start}
    done: set[str] = set()
    dag: dict[str, list[str]] = {s: [] for s in succ}
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        node, i = stack[-1]
        if i < len(succ[node]):
            stack[-1] = (node, i + 1)
            nxt = succ[node][i]
            if nxt in on_stack:
                continue  # a back edge closes a loop: cut it
            dag[node].append(nxt)
            if nxt not in done:
                on_stack.add(nxt)
                stack.append((nxt, 0))
        else:
            stack.pop()
            on_stack.discard(node)
            done.add(node)
            order.append(node)
    best: dict[str, tuple[int, str | None]] = {start: (days.get(start, 0), None)}
    for node in reversed(order):  # reverse post-order is a topological order
        if node not in best:
            continue
        here = best[node][0]
        for nxt in dag[node]:
            cand = here + days.get(nxt, 0)
            if nxt not in best or cand > best[nxt][0]:
                best[nxt] = (cand, node)
    reached = [e for e in ends if e in best]
    if not reached:
        return 0, []
    end = max(reached, key=lambda e: best[e][0])
    path = [end]
    while (prev := best[path[-1]][1]) is not None:
        path.append(prev)
    return best[end][0], path[::-1]


def steps_between(succ: Successors, a: str, b: str) -> tuple[MoveKind, tuple[str, ...], bool]:
    """How a move ``a → b`` that is not a transition relates to the chart:
    ``(kind, steps skipped, on_every_path)``.

    ``skip``: ``b`` lies ahead of ``a``; the steps skipped are those on every path from
    ``a`` to its first arrival at ``b`` if there are any (``on_every_path`` true),
    otherwise the inner steps of the shortest such path, successors taken in chart order
    (``on_every_path`` true only if there are none). ``repeat``: ``a`` again; the steps of
    the loop back to it, if the chart has one, are skipped. ``back``: ``b`` lies behind
    ``a`` (the case went in reverse); ``jump``: ``b`` is on another branch. Nothing is
    skipped by a ``back`` or a ``jump``.

    Examples:
        >>> succ = {"A": ["B"], "B": ["C", "D"], "C": ["E"], "D": ["E"], "E": []}
        >>> steps_between(succ, "A", "E")
        ('skip', ('B',), True)
        >>> steps_between(succ, "B", "E")  # through C or D: the shortest, in chart order
        ('skip', ('C',), False)
        >>> steps_between(succ, "E", "A"), steps_between(succ, "C", "D")
        (('back', (), True), ('jump', (), True))
        >>> steps_between({"A": ["B"], "B": ["A"]}, "A", "A")
        ('repeat', ('B',), True)
    """
    # paths from a that stop at their first arrival at b, which becomes the target
    g: dict[_Node, list[_Node]] = {}
    for src, targets in succ.items():
        if src == b and b != a:
            continue
        g[src] = [None if dst == b else dst for dst in targets]
    steps, every = _on_every_path(g, a, succ)
    if steps is not None:
        return ("repeat" if a == b else "skip"), steps, every
    if a == b:
        return "repeat", (), True
    return ("back" if a in reachable(succ, [b]) else "jump"), (), True


def steps_to_end(succ: Successors, a: str, ends: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    """Steps a case at ``a`` still owes before it can close: those on every path from
    ``a`` to an end (the end included when there is only one way to finish), otherwise
    the inner steps of the shortest path to an end, successors taken in chart order; and
    whether they lie on every path. ``((), True)`` at an end or where no end can be
    reached.

    Examples:
        >>> succ = {"A": ["B"], "B": ["C", "D"], "C": [], "D": []}
        >>> steps_to_end(succ, "A", ["C"]), steps_to_end(succ, "A", ["C", "D"])
        ((('B', 'C'), True), (('B',), True))
        >>> steps_to_end(succ, "B", ["C", "D"])
        (('C',), False)
    """
    steps, every = _on_every_path(_with_target(succ, ends), a, succ)
    return steps or (), every


def steps_toward_end(succ: Successors, ends: Iterable[str]) -> dict[str, str]:
    """For every step from which an end can be reached, other than the ends, the next
    step on a shortest way to an end (ties go to the end, then the step, first in chart
    order).

    Examples:
        >>> steps_toward_end({"A": ["B", "C"], "B": ["D"], "C": ["D"], "D": []}, ["D"])
        {'B': 'D', 'C': 'D', 'A': 'B'}
    """
    pred = predecessors(succ)
    order = {s: i for i, s in enumerate(succ)}
    frontier = sorted(set(ends), key=order.__getitem__)
    seen = set(frontier)
    toward: dict[str, str] = {}
    while frontier:
        nxt = []
        for b in frontier:
            for a in pred[b]:
                if a not in seen:
                    seen.add(a)
                    toward[a] = b
                    nxt.append(a)
        frontier = nxt
    return toward


def _with_target(succ: Successors, ends: Iterable[str]) -> dict[_Node, list[_Node]]:
    """``succ`` with a transition from every end to one virtual sink, ``None``."""
    g: dict[_Node, list[_Node]] = {s: list(targets) for s, targets in succ.items()}
    for e in ends:
        g[e].append(None)
    return g


def _dominators(g: Mapping[_Node, Sequence[_Node]], root: str) -> list[str] | None:
    """The steps on every path from ``root`` to the target ``None`` (neither included),
    nearest the target first; ``None`` if the target is out of reach."""
    idom = immediate_dominators(g, root)
    if None not in idom:
        return None
    chain: list[str] = []
    node = idom[None]
    while node != root:
        assert node is not None  # only the target is no step
        chain.append(node)
        node = idom[node]
    return chain


def _on_every_path(
    g: Mapping[_Node, Sequence[_Node]], root: str, succ: Successors
) -> tuple[tuple[str, ...] | None, bool]:
    """Steps on every path from ``root`` to the target ``None`` (neither included), first
    to last; if there are none, the inner steps of the shortest path, successors in the
    chart order of ``succ`` (the target first). ``None`` if the target is out of reach."""
    chain = _dominators(g, root)
    if chain is None:
        return None, True
    if chain:
        return tuple(reversed(chain)), True
    path = _shortest(g, root, succ)
    return tuple(path[1:]), len(path) <= 1


def _shortest(g: Mapping[_Node, Sequence[_Node]], root: str, succ: Successors) -> list[str]:
    """The steps of the shortest path from ``root`` to the target ``None``, breadth-first
    with successors in chart order: the same path every time."""
    order = {s: i for i, s in enumerate(succ)}

    def rank(node: _Node) -> int:
        return -1 if node is None else order.get(node, len(order))

    prev: dict[_Node, _Node] = {root: None}
    queue: deque[_Node] = deque([root])
    while queue:
        node = queue.popleft()
        if node is None:
            break
        for nxt in sorted(set(g.get(node, ())), key=rank):
            if nxt not in prev:
                prev[nxt] = node
                queue.append(nxt)
    path: list[str] = []
    step = prev[None]  # the target was reached: _dominators said so
    while step is not None:
        path.append(step)
        step = prev[step]
    return path[::-1]
