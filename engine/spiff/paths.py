"""Longest sequential path through a process graph (loops count each of their nodes once).

Used at upload: SpiffWorkflow's time grows faster than linearly with path length, its
parser recurses once per sequential element, and tasks deeper than 1,000 in the task tree
are never run (see docs/facts/spiffworkflow.md, gotcha 8). Iterative, so deep graphs are safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def strongly_connected(nodes: Iterable[str], edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (reverse topological order)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            _visit_next(work, edges, index, low, stack, on_stack, components)
    return components


def _visit_next(
    work: list, edges: Mapping, index: dict, low: dict, stack: list, on_stack: set, out: list
) -> None:
    """Advance Tarjan's iterative DFS by one edge (or finish one node)."""
    node, children = work[-1]
    for child in children:
        if child not in index:
            index[child] = low[child] = len(index)
            stack.append(child)
            on_stack.add(child)
            work.append((child, iter(edges.get(child, ()))))
            return
        if child in on_stack:
            low[node] = min(low[node], index[child])
    work.pop()
    if work:
        parent = work[-1][0]
        low[parent] = min(low[parent], low[node])
    if low[node] == index[node]:
        component = []
        while True:
            member = stack.pop()
            on_stack.discard(member)
            component.append(member)
            if member == node:
                break
        out.append(component)


def longest_path(nodes: Iterable[str], edges: Mapping[str, Iterable[str]]) -> int:
    """Number of nodes on the longest path, each strongly connected component counted whole."""
    node_list = list(nodes)
    components = strongly_connected(node_list, edges)
    component_of = {member: number for number, comp in enumerate(components) for member in comp}
    best = [0] * len(components)
    # Tarjan yields components in reverse topological order: successors come first.
    for number, component in enumerate(components):
        tail = 0
        for member in component:
            for child in edges.get(member, ()):
                other = component_of.get(child)
                if other is not None and other != number:
                    tail = max(tail, best[other])
        best[number] = len(component) + tail
    return max(best, default=0)
