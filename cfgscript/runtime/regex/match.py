"""Matching as glibc's regexec() does it, on the automaton of nfa.py.

From a given start the overall match is the longest one (a simulation of the
automaton, one set of nodes per position, with the transitions cached). The
submatches then come from glibc's walk (set_regs): the node sets are sifted
down to the nodes on some path to the end of the match, and the walk takes,
at each epsilon node, the lowest-numbered transition still on such a path
(the second one when the first was already passed since the last character).
Registers follow glibc's update rule, including its undoing of an empty
match of an optional group. With back-references the forward pass resolves
each of them as glibc's get_subexp() does (a span of its group found apart
from the path, see _subexp_spans), and the walk uses glibc's fail stack.
"""

from __future__ import annotations

from typing import Optional

from .nfa import Automaton
from .syntax import NEWLINE, WORD

Spans = list[tuple[int, int]]
_CACHE_LIMIT = 20_000
_BACKTRACK_LIMIT = 200_000

# an anchor holds given the classes of the bytes around it: B begin, E end,
# w word byte, n newline (REG_NEWLINE only), o other; b begin under REG_NOTBOL
_WORDY = {"w"}


def _holds(anchor: str, before: str, after: str) -> bool:
    if anchor == "bol":
        return before in "Bn"
    if anchor == "eol":
        return after in "En"
    if anchor == "bufstart":
        return before in "Bb"
    if anchor == "bufend":
        return after == "E"
    prev_word, next_word = before in _WORDY, after in _WORDY
    return {"wordstart": not prev_word and next_word, "wordend": prev_word and not next_word,
            "insideword": prev_word and next_word,
            "insidenotword": not prev_word and not next_word}[anchor]


def _holds_before(anchor: str, before: str) -> bool:
    """The part of an anchor's condition on the byte before it."""
    if anchor in ("eol", "bufend"):
        return True
    return _holds(anchor, before, "w" if anchor in ("wordstart", "insideword") else "o")


class WalkFailed(Exception):
    """set_regs() found no path through the sifted states: regexec() then
    reports no match at all, without trying a later start."""


class Matcher:
    def __init__(self, automaton: Automaton, newline: bool):
        self.nfa = automaton
        self.newline = newline
        self._entries: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self._closures: dict[tuple, frozenset[int]] = {}
        self._steps: dict[tuple, frozenset[int]] = {}

    # ------------------------------------------------------------ contexts

    def _classes(self, data: bytes, start: int, notbol: bool) -> tuple[list[str], ...]:
        """The classes of the bytes around each position: before it, after it
        when the match goes on with that byte, after it when the match ends
        there. glibc takes the context of a step from the byte stepped over, so
        a newline the match consumes is one for ^ and $ even without
        REG_NEWLINE; the byte before the start and the one after the end
        count as a newline only with it."""
        def kind(byte: int, newline: bool) -> str:
            if byte in WORD:
                return "w"
            return "n" if byte == NEWLINE and newline else "o"
        before = ["b" if notbol else "B"] + [kind(byte, True) for byte in data]
        if start > 0:
            before[start] = kind(data[start - 1], self.newline)
        step_after = [kind(byte, True) for byte in data] + ["E"]
        halt_after = [kind(byte, self.newline) for byte in data] + ["E"]
        return before, step_after, halt_after

    def _closure(self, seeds: frozenset[int], before: str, after: str) -> frozenset[int]:
        key = (seeds, before, after)
        found = self._closures.get(key)
        if found is not None:
            return found
        nfa = self.nfa
        seen: set[int] = set()
        stack = list(seeds)
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            kind = nfa.kinds[node]
            if kind == "anchor" and not nfa.inert[node] \
                    and not _holds(nfa.anchors[node], before, after):
                continue
            if kind not in ("char", "end", "bref"):
                stack.extend(nfa.edests[node])
        found = frozenset(seen)
        if len(self._closures) > _CACHE_LIMIT:
            self._closures.clear()
        self._closures[key] = found
        return found

    def _step(self, state: frozenset[int], byte: int) -> frozenset[int]:
        key = (state, byte)
        found = self._steps.get(key)
        if found is None:
            nfa = self.nfa
            found = frozenset(nfa.nexts[n] for n in state
                              if nfa.kinds[n] == "char" and byte in nfa.members[n])
            if len(self._steps) > _CACHE_LIMIT:
                self._steps.clear()
            self._steps[key] = found
        return found

    def _forward(self, data: bytes, start: int, classes: tuple[list[str], ...]
                 ) -> tuple[list[frozenset[int]], list[frozenset[int]]]:
        """The node sets of each position from start on, while not empty: the
        one to step from and the one to end in."""
        before, step_after, halt_after = classes
        seeds = frozenset((self.nfa.init,))
        steps, halts = [], []
        i = start
        while True:
            state = self._closure(seeds, before[i], step_after[i])
            steps.append(state)
            halts.append(state if step_after[i] == halt_after[i]
                         else self._closure(seeds, before[i], halt_after[i]))
            if i == len(data):
                break
            seeds = self._step(state, data[i])
            if not seeds:
                break
            i += 1
        return steps, halts

    # ------------------------------------------------------------ matching

    def matches_at(self, data: bytes, start: int, notbol: bool) -> bool:
        classes = self._classes(data, start, notbol)
        if self.nfa.has_backrefs:
            return self._longest_with_backrefs(data, start, classes) is not None
        return any(self.nfa.end in state for state in self._forward(data, start, classes)[1])

    def match_at(self, data: bytes, start: int, nmatch: int, notbol: bool) -> Optional[Spans]:
        """The registers of the match starting at `start`, or None when there
        is none or glibc's sifting leaves it no path (regexec() then tries the
        next start); raises WalkFailed."""
        classes = self._classes(data, start, notbol)
        if self.nfa.has_backrefs:
            return self._match_backrefs(data, start, nmatch, classes)
        steps, halts = self._forward(data, start, classes)
        ends = [start + k for k, state in enumerate(halts) if self.nfa.end in state]
        if not ends:
            return None
        end = ends[-1]
        regs = [(start, end)] + [(-1, -1)] * (nmatch - 1)
        if nmatch <= 1:
            return regs[:max(nmatch, 1)]
        viable = self._sift(data, start, end, steps, halts, classes)
        if self.nfa.init not in viable[0]:
            return None
        walked = _Walk(self.nfa, data, regs, lambda node, idx: node in viable[idx - start])
        return walked.run(start, end, backtrack=False)

    def _sift(self, data: bytes, start: int, end: int, steps: list[frozenset[int]],
              halts: list[frozenset[int]], classes: tuple[list[str], ...]) -> list[set[int]]:
        """The nodes of each position that lie on a path to the end of the match.
        glibc's sifting checks what follows a $ by the byte itself (a newline
        only with REG_NEWLINE), not as its forward pass did: a match that pass
        found may have no path left, and regexec() then tries the next start."""
        nfa = self.nfa
        before, _, halt_after = classes
        viable: list[set[int]] = [set() for _ in range(end - start + 2)]
        for k in range(end - start, -1, -1):
            i = start + k
            going_on = {node for node in steps[k] if nfa.kinds[node] == "char" and i < end
                        and data[i] in nfa.members[node] and nfa.nexts[node] in viable[k + 1]}
            alive = self._reaching(steps[k], going_on, before[i], halt_after[i])
            if i == end:
                seeds = self._step(steps[k - 1], data[i - 1]) if k else frozenset((nfa.init,))
                alive |= self._reaching(self._halting(seeds, halts[k]), {nfa.end},
                                        before[i], halt_after[i])
            viable[k] = alive
        return viable

    def _halting(self, seeds: frozenset[int], halts: frozenset[int]) -> frozenset[int]:
        """The nodes a match may end through. glibc gives the nodes after an
        anchor, up to the next character, copies numbered after every other
        node, and ends the match at the lowest-numbered end node it reaches:
        the end reached without crossing an anchor when there is one."""
        nfa = self.nfa
        plain: set[int] = set()
        stack = list(seeds)
        while stack:
            node = stack.pop()
            if node in plain or (nfa.kinds[node] == "anchor" and not nfa.inert[node]):
                continue
            plain.add(node)
            if nfa.kinds[node] not in ("char", "end", "bref"):
                stack.extend(nfa.edests[node])
        return frozenset(plain) if nfa.end in plain else halts

    def _reaching(self, nodes: frozenset[int], targets: set[int], before: str, after: str
                  ) -> set[int]:
        """The nodes that reach one of targets through epsilon transitions."""
        nfa = self.nfa
        alive = targets & nodes
        changed = True
        while changed:
            changed = False
            for node in nodes:
                kind = nfa.kinds[node]
                if node in alive or kind in ("char", "end", "bref"):
                    continue
                if kind == "anchor" and not nfa.inert[node] \
                        and not _holds(nfa.anchors[node], before, after):
                    continue
                if any(dest in alive for dest in nfa.edests[node]):
                    alive.add(node)
                    changed = True
        return {node for node in alive if not nfa.inert[node]
                or _holds_before(nfa.anchors[node], before)}

    # ------------------------------------------------------------ back-references

    def _longest_with_backrefs(self, data: bytes, start: int,
                               classes: tuple[list[str], ...]) -> Optional[int]:
        """The forward pass of glibc with back-references: a back-reference at
        p takes each (t, s) that get_subexp() finds (see _subexp_spans) to
        the node after it at p + s - t; the farthest end reached."""
        nfa = self.nfa
        before, step_after, halt_after = classes
        seeds: dict[int, set[int]] = {start: {nfa.init}}
        states: dict[int, frozenset[int]] = {}
        self._entries: dict[tuple[int, int], list[tuple[int, int]]] = {}
        tops: list[tuple[int, int]] = []
        best: Optional[int] = None
        i = start
        while i <= len(data):
            if i not in seeds:
                ahead = [k for k in seeds if k > i]
                if not ahead:
                    break
                i = min(ahead)
            pending = True
            while pending:
                state = self._closure(frozenset(seeds[i]), before[i], step_after[i])
                states[i] = state
                tops += [(n, i) for n in sorted(state)
                         if nfa.kinds[n] == "open" and nfa.groups[n] in nfa.referenced
                         and (n, i) not in tops]
                pending = False
                for node in sorted(n for n in state if nfa.kinds[n] == "bref"):
                    spans = self._subexp_spans(data, node, i, tops, states, classes)
                    self._entries[(node, i)] = spans
                    for t, s in spans:
                        dest = i + s - t
                        seed = nfa.edests[node][0] if s == t else nfa.nexts[node]
                        if seed not in seeds.setdefault(dest, set()):
                            seeds[dest].add(seed)
                            pending = pending or dest == i
            if nfa.end in self._closure(frozenset(seeds[i]), before[i], halt_after[i]):
                best = i
            if i < len(data):
                following = self._step(states[i], data[i])
                if following:
                    seeds.setdefault(i + 1, set()).update(following)
            del seeds[i]
            i += 1
        return best

    def _subexp_spans(self, data: bytes, bref: int, p: int, tops: list[tuple[int, int]],
                      states: dict[int, frozenset[int]], classes) -> list[tuple[int, int]]:
        """get_subexp(): the spans (t, s) a back-reference at p may repeat: an
        open node of its group at t, the lowest-numbered close node C of the
        group in the state at s, a path from the one to the other, and one
        from C to the back-reference that opens the group no more."""
        nfa = self.nfa
        group = nfa.groups[bref]
        found = []
        for top, t in tops:
            if nfa.groups[top] != group or t > p:
                continue
            for s in range(t, p + 1):
                if s > t:
                    at = p + s - t - 1
                    if at >= len(data) or data[at] != data[s - 1]:
                        break
                closes = [n for n in states.get(s, ()) if nfa.kinds[n] == "close"
                          and nfa.groups[n] == group]
                if not closes:
                    continue
                close = min(closes)
                if self._arrives(data, top, t, close, s, "close", classes) \
                        and self._arrives(data, close, s, bref, p, "open", classes):
                    found.append((t, s))
        return found

    def _arrives(self, data: bytes, first: int, start: int, last: int, end: int,
                 stop: str, classes) -> bool:
        """check_arrival(): whether `first` at start reaches `last` at end,
        the paths ending at the nodes of kind `stop` of the same group (a
        close node is reached, an open one is not)."""
        nfa = self.nfa
        group = nfa.groups[first]
        halt_after = classes[2]

        ahead: dict[int, set[int]] = {}

        def closure(nodes: set[int], i: int) -> set[int]:
            before = classes[0][0] if i == 0 else halt_after[i - 1]
            seen: set[int] = set()
            stack = list(nodes)
            while stack:
                node = stack.pop()
                kind = nfa.kinds[node]
                if node in seen or (kind == "open" and stop == "open"
                                    and nfa.groups[node] == group and node != first):
                    continue
                if kind == "anchor" and not nfa.inert[node] \
                        and not _holds(nfa.anchors[node], before, halt_after[i]):
                    continue
                seen.add(node)
                if kind == "close" and stop == "close" and nfa.groups[node] == group:
                    continue
                if kind == "bref":          # expand_bkref_cache(): what the forward pass found
                    for t, s in self._entries.get((node, i), ()):
                        if s == t:
                            stack.append(nfa.edests[node][0])
                        else:
                            ahead.setdefault(i + s - t, set()).add(nfa.nexts[node])
                elif kind not in ("char", "end"):
                    stack.extend(nfa.edests[node])
            return seen

        current = closure({first}, start)
        for i in range(start, end):
            moved = {nfa.nexts[n] for n in current
                     if nfa.kinds[n] == "char" and data[i] in nfa.members[n]}
            moved |= ahead.pop(i + 1, set())
            if not moved and not any(k > i for k in ahead):
                return False
            current = closure(moved, i + 1)
        return last in current

    def _match_backrefs(self, data: bytes, start: int, nmatch: int,
                        classes: tuple[list[str], ...]) -> Optional[Spans]:
        end = self._longest_with_backrefs(data, start, classes)
        if end is None:
            return None
        regs = [(start, end)] + [(-1, -1)] * (nmatch - 1)
        if nmatch <= 1:
            return regs[:max(nmatch, 1)]
        return _Walk(self.nfa, data, regs, lambda node, idx: True).run(start, end, backtrack=True)


class _Walk:
    """set_regs(): one walk from the start node to the end node."""

    def __init__(self, nfa: Automaton, data: bytes, regs: Spans, viable):
        self.nfa, self.data, self.viable = nfa, data, viable
        self.regs = list(regs)
        self.prev = list(regs)

    def _update(self, node: int, idx: int) -> None:
        kind = self.nfa.kinds[node]
        group = self.nfa.groups[node]
        if group >= len(self.regs):
            return
        if kind == "open":
            self.regs[group] = (idx, -1)
        elif kind == "close":
            if self.regs[group][0] < idx:
                self.regs[group] = (self.regs[group][0], idx)
                self.prev = list(self.regs)
            elif self.nfa.optional[node] and self.prev[group][0] != -1:
                self.regs = list(self.prev)     # an empty turn of an optional group
            else:
                self.regs[group] = (self.regs[group][0], idx)

    def run(self, start: int, end: int, backtrack: bool) -> Optional[Spans]:
        nfa = self.nfa
        node, idx, passed = nfa.init, start, set()
        fails: list[tuple] = []
        for _ in range(_BACKTRACK_LIMIT):
            self._update(node, idx)
            if idx == end and node == nfa.end:
                return self._finish()
            if backtrack and node in passed:
                if not any(so > -1 and eo == -1 for so, eo in self.regs):
                    return self._finish()
                node = -1
            else:
                node, idx = self._proceed(node, idx, passed, fails if backtrack else None)
            if node < 0:
                if not fails:
                    raise WalkFailed
                idx, node, self.regs, self.prev, passed = fails.pop()
        return self._finish()       # where glibc walks in circles for ever, as on (|^.)+

    def _proceed(self, node: int, idx: int, passed: set[int], fails) -> tuple[int, int]:
        nfa = self.nfa
        kind = nfa.kinds[node]
        if kind not in ("char", "end", "bref"):
            passed.add(node)
            dest = -1
            for candidate in nfa.edests[node]:
                if not self.viable(candidate, idx):
                    continue
                if dest == -1:
                    dest = candidate
                    continue
                if dest in passed:
                    return candidate, idx
                if fails is not None:
                    fails.append((idx, candidate, list(self.regs), list(self.prev), set(passed)))
                break
            return dest, idx
        length = 0
        if kind == "bref":
            group = nfa.groups[node]
            if group >= len(self.regs) or -1 in self.regs[group]:
                return -1, idx
            so, eo = self.regs[group]
            length = eo - so
            if length and self.data[so:eo] != self.data[idx:idx + length]:
                return -1, idx
            if not length:
                passed.add(node)
                dest = nfa.edests[node][0]
                return (dest, idx) if self.viable(dest, idx) else (-1, idx)
        elif kind == "end" or idx >= len(self.data) or self.data[idx] not in nfa.members[node]:
            return -1, idx
        if idx + (length or 1) > self.regs[0][1]:
            return -1, idx
        passed.clear()
        return nfa.nexts[node], idx + (length or 1)

    def _finish(self) -> Spans:
        regs = self.regs
        for group, target in self.nfa.group_map.items():
            if group < len(regs):
                regs[group] = regs[target]
        return regs
