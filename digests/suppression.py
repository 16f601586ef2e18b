"""Small-number suppression: hide counts below a threshold, and whatever would give them away.

Figures are tied together by *lines*: equations saying that some figures add up to others (a
week's answers are every service's; a service's ratings are its positive, neither, negative and
"don't know"). A hidden figure is given away if the lines, with the shown figures put in, pin
it to one value, however many tables the lines run across. The rules, applied until nothing
changes:

1. Primary: a published figure from 1 to `below - 1` is hidden; so is every figure forced
   hidden (all of a group fewer than `below` people spoke about), zeros included.
2. No hidden figure is pinned: not by any combination of lines (a rank test over fractions),
   nor by counts never being negative (hidden figures that must add up to 0 are all 0).
3. Every small hidden figure could, for all a reader can tell, be `below` or more: its largest
   value with the lines holding and no count below 0 is at least `below` (a small linear
   programme). "These two add up to 2" would say both are 1 or less; so, a step further,
   can ratings shown beside hidden answers, as answers are never fewer than ratings.

Some counts are never published but are tied to those that are (answers that gave no rating):
they are unknowns to a reader, hidden from the start, and protected like published ones when
`guard`ed and small. Some are taken as known to any reader (that nobody stopped before a
question, when nobody did): they are never hidden and protect nothing.

Each extra figure hidden lies on the cheapest way round a pinned one: a path from one of its
lines to another through further lines (or to a figure in one line only, which is free to
move), each figure on it costing twice its size plus what a reader loses by its going. Zeros,
shown or hidden, come last: a hidden zero can only grow, so it protects one way only, and a
reader who knows these rules would take a hidden zero beside a small count for what it is.
Every hidden figure reads the same, so a reader cannot tell a small count from a complement.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Literal

from digests import linear

SUPPRESSED: Final = "suppressed"
Cell = int | Literal["suppressed"]
Key = tuple[object, ...]
_FREE: Final = -1  # the far end of a figure that sits in one line only: nothing holds it there
_LAST: Final = 10**9  # the cost of hiding a zero, or of going round through a hidden one


@dataclass(frozen=True)
class Line:
    """Figures that add up: the left side's sum is the right side's (a key may repeat)."""

    left: tuple[Key, ...]
    right: tuple[Key, ...]


class Figures:
    """Counts, the lines between them, and what each would cost a reader to lose."""

    def __init__(self) -> None:
        self.values: dict[Key, int] = {}
        self.costs: dict[Key, int] = {}  # published figures only
        self.unknowns: set[Key] = set()
        self.guarded: set[Key] = set()
        self.known: set[Key] = set()
        self.forced: set[Key] = set()
        self.lines: list[Line] = []

    def add(self, key: Key, value: int, cost: int = 0, *, forced: bool = False) -> Key:
        """A published count; `cost` is what a reader loses when it is hidden, beyond its size."""
        self._count(key, value)
        self.costs[key] = cost
        if forced:
            self.forced.add(key)
        return key

    def unknown(self, key: Key, value: int, *, guard: bool = False) -> Key:
        """A count never published, that lines need; `guard` protects it too when small."""
        self._count(key, value)
        self.unknowns.add(key)
        if guard:
            self.guarded.add(key)
        return key

    def know(self, key: Key, value: int) -> Key:
        """A count never published, that any reader is taken to know anyway."""
        self._count(key, value)
        self.known.add(key)
        return key

    def add_up(self, parts: Iterable[Key], total: Key) -> None:
        self.balance(parts, (total,))

    def balance(self, left: Iterable[Key], right: Iterable[Key]) -> None:
        line = Line(tuple(left), tuple(right))
        for key in (*line.left, *line.right):
            if key not in self.values:
                raise ValueError(f"{key} is in a line but was never counted")
        if sum(self.values[k] for k in line.left) != sum(self.values[k] for k in line.right):
            raise ValueError(f"{line} does not add up")
        self.lines.append(line)

    def _count(self, key: Key, value: int) -> None:
        if key in self.values:
            raise ValueError(f"{key} is counted twice")
        if value < 0:
            raise ValueError("counts cannot be negative")
        self.values[key] = value


def protect(figures: Figures, below: int = 5) -> dict[Key, Cell]:
    """Each published figure as its count, or SUPPRESSED where it is hidden."""
    search = _Search(figures, below)
    hidden = search.small | figures.forced | figures.unknowns
    while more := search.pinned(hidden) or search.cramped(hidden):
        hidden |= more
    return {k: SUPPRESSED if k in hidden else figures.values[k] for k in figures.costs}


class _Search:
    def __init__(self, figures: Figures, below: int) -> None:
        self.f, self.below = figures, below
        self.order = {k: i for i, k in enumerate(figures.values)}
        self.small = {
            k
            for k, n in figures.values.items()
            if 0 < n < below and (k in figures.costs or k in figures.guarded)
        }
        self.primary = self.small | figures.forced
        self.largest: dict[tuple[frozenset[Key], Key], Fraction | None] = {}
        # The graph the ways round are found in: lines are nodes, figures are edges.
        self.ends: dict[Key, list[int]] = {}
        for i, line in enumerate(figures.lines):
            for k in dict.fromkeys((*line.left, *line.right)):
                if k not in figures.known:
                    self.ends.setdefault(k, []).append(i)
        self.at: dict[int, list[Key]] = defaultdict(list)
        for k, ends in self.ends.items():
            if len(ends) == 1:
                ends.append(_FREE)
            for node in ends:
                self.at[node].append(k)

    def cramped(self, hidden: set[Key]) -> set[Key]:
        """Figures to hide so that a small hidden one could be larger (rule 3), or nothing."""
        for keys, equations in self.components(hidden):
            for key in sorted(self.primary & keys, key=self.order.__getitem__):
                cached = (frozenset(keys), key)
                if cached not in self.largest:
                    self.largest[cached] = linear.largest(equations, self.f.values, key)
                most = self.largest[cached]
                if most is None or most >= self.below:
                    continue
                room = self.below - self.f.values[key]
                more = self.way_round(key, hidden, room) - hidden or self.beside(key, hidden)
                if more:
                    return more
        return set()

    def pinned(self, hidden: set[Key]) -> set[Key]:
        """Figures to hide so that a pinned one (rule 2) comes loose, or nothing if none is."""
        fixed = self.fixed(hidden)
        watched = {k for k in fixed & hidden if k in self.f.costs or k in self.small}
        for key in sorted(watched, key=self.order.__getitem__):
            more = self.way_round(key, hidden, 1) - hidden or self.beside(key, hidden)
            if more:
                return more
        return set()

    def beside(self, key: Key, hidden: set[Key]) -> set[Key]:
        """The cheapest shown figure in a line with `key`: when no way round helps."""
        pick = self.cheapest(
            k
            for node in self.ends.get(key, ())
            if node != _FREE
            for k in (*self.f.lines[node].left, *self.f.lines[node].right)
            if self.shown(k, hidden)
        )
        return set() if pick is None else {pick}

    def fixed(self, hidden: set[Key]) -> set[Key]:
        """Hidden figures a reader can pin down, from the lines and counts being >= 0."""
        equations = self.equations(hidden)
        zeros: set[Key] = set()
        while True:
            more = {
                k
                for terms in equations
                if (rest := {k: c for k, c in terms.items() if k not in zeros})
                and len({c > 0 for c in rest.values()}) == 1
                and not any(self.f.values[k] for k in rest)
                for k in rest
            }
            if not more:
                break
            zeros |= more
        left = [{k: c for k, c in t.items() if k not in zeros} for t in equations]
        return zeros | {
            k
            for _, group in linear.components_of([t for t in left if t])
            for k in linear.pinned(group, self.order)
        }

    def equations(self, hidden: set[Key]) -> list[dict[Key, int]]:
        """Each line as hidden figure -> coefficient; what it adds up to, a reader can work out."""
        equations = []
        for line in self.f.lines:
            terms: Counter[Key] = Counter(k for k in line.left if k in hidden)
            terms.subtract(k for k in line.right if k in hidden)
            if any(terms.values()):
                equations.append({k: c for k, c in terms.items() if c})
        return equations

    def components(self, hidden: set[Key]) -> list[tuple[set[Key], list[dict[Key, int]]]]:
        found = linear.components_of(self.equations(hidden))
        lone = self.primary & hidden - {k for keys, _ in found for k in keys}
        return found + [({k}, []) for k in sorted(lone, key=self.order.__getitem__)]

    def way_round(self, key: Key, hidden: set[Key], room: int) -> set[Key]:
        """The figures on the cheapest path between two lines of `key` that avoids it, going
        through hidden figures with at least `room` to give only when there is no other."""
        ends = self.ends.get(key, [])
        if len(ends) < 2:
            return set()
        start, goal = ends[0], ends[1]
        dist, back = {start: 0}, dict[int, tuple[int, Key]]()
        queue = [(0, 0, start)]
        while queue:
            d, _, node = heapq.heappop(queue)
            if node == goal:
                break
            if d > dist[node]:
                continue
            for k in self.at[node]:
                if k == key:
                    continue
                step = d + self.weight(k, hidden, room)
                for nxt in self.ends[k]:
                    if nxt != node and step < dist.get(nxt, step + 1):
                        dist[nxt], back[nxt] = step, (node, k)
                        heapq.heappush(queue, (step, self.order[k], nxt))
        if goal not in dist:
            return set()
        way, node = set(), goal
        while node != start:
            node, k = back[node]
            way.add(k)
        return way

    def weight(self, key: Key, hidden: set[Key], room: int = 1) -> int:
        n = self.f.values[key]
        if key in hidden:
            return 0 if n >= room else _LAST
        return (0 if n else _LAST) + 2 * n + self.f.costs.get(key, 0)

    def shown(self, key: Key, hidden: set[Key]) -> bool:
        return key in self.f.costs and key not in hidden

    def cheapest(self, candidates: Iterable[Key]) -> Key | None:
        def cost(k: Key) -> tuple[int, int]:
            return (self.weight(k, set()), self.order[k])

        return min(candidates, key=cost, default=None)
