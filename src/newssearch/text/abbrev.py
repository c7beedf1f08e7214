"""Other forms of one thing at query time: abbreviations and loanword spellings.

``UBND`` also finds ``Ủy ban nhân dân`` and the reverse (data/abbreviations_vi.tsv), and
``vaccine`` also finds ``vắc xin``, ``vắc-xin`` and ``vacxin`` and each of those the others
(data/loanwords_vi.tsv): the press prints one foreign word several ways, and a reader types one.

Each form is a tuple of normalized syllables. ``TP.HCM`` is ``("tp", "hcm")``, which
also matches ``TP. HCM`` and ``TP HCM`` (composites index their parts as consecutive
syllables); ``TPHCM`` is ``("tphcm",)``; ``vắc-xin`` is ``("vắc", "xin")`` like ``vắc xin``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from newssearch.text.analysis import PART_RE, fold, normalize

Form = tuple[str, ...]
Table = dict[Form, set[Form]]  # a sequence of query syllables -> the forms it may also match


@dataclass(frozen=True)
class Abbreviations:
    # A sequence of query syllables -> the forms it may also match.
    alternatives: dict[Form, tuple[Form, ...]]
    longest: int


def spelling_syllables(text: str) -> Form:
    """A form as the index sees it: normalized syllables, hyphens and dots as spaces."""
    return tuple(normalize(m.group()) for m in PART_RE.finditer(text))


def entries(lines: list[str]) -> list[list[str]]:
    """Tab-separated cells of the data lines (blank lines and ``#`` comments skipped)."""
    return [[c.strip() for c in line.split("\t")] for line in lines
            if line.strip() and not line.lstrip().startswith("#") and "\t" in line]


def abbreviation_table(lines: list[str]) -> Table:
    """ABBR<TAB>expansion lines: an abbreviation may mean any of its expansions, an expansion
    means its abbreviation (not the abbreviation's other meanings)."""
    abbr_forms: dict[str, set[Form]] = defaultdict(set)  # abbreviation key -> its spellings
    expansions: dict[str, set[Form]] = defaultdict(set)  # abbreviation key -> its meanings
    for abbr, expansion, *_ in entries(lines):
        key = re.sub(r"[\s.\-]", "", normalize(abbr))
        abbr_forms[key].add(spelling_syllables(abbr))
        abbr_forms[key].add((key,))
        expansions[key].add(spelling_syllables(expansion))
    alts: Table = defaultdict(set)
    for key, forms in abbr_forms.items():
        for f in forms:
            alts[f] |= forms | expansions[key]
        for e in expansions[key]:
            alts[e] |= forms | {e}
    return alts


def group_table(lines: list[str]) -> Table:
    """Lines of spellings of one word, tab-separated: each spelling means all of them."""
    alts: Table = defaultdict(set)
    for cells in entries(lines):
        forms = {f for f in map(spelling_syllables, cells) if f}
        for f in forms:
            alts[f] |= forms
    return alts


def combine(*tables: Table) -> Abbreviations:
    """One lookup from several tables; accent-free keys for readers who type without
    diacritics (``uy ban nhan dan``, ``vac xin``) get the same alternatives."""
    alts: Table = defaultdict(set)
    for t in tables:
        for k, v in t.items():
            alts[k] |= v
    for k in list(alts):
        fk = tuple(fold(x) for x in k)
        if fk != k:
            alts[fk] |= alts[k]
    return Abbreviations(
        alternatives={k: tuple(sorted(v, key=lambda f: (f != k, f))) for k, v in alts.items()},
        longest=max((len(k) for k in alts), default=0),
    )


def data_lines(name: str) -> list[str]:
    return (resources.files("newssearch") / "data" / name).read_text(
        encoding="utf-8").splitlines()


@lru_cache(maxsize=1)
def table() -> Abbreviations:
    return combine(abbreviation_table(data_lines("abbreviations_vi.tsv")),
                   group_table(data_lines("loanwords_vi.tsv")))


def find(syllables: list[str], start: int) -> tuple[int, tuple[Form, ...]] | None:
    """The longest abbreviation, expansion or loanword spelling starting at
    ``syllables[start]``.

    Returns (number of syllables covered, alternative forms), or None.
    """
    t = table()
    for n in range(min(t.longest, len(syllables) - start), 0, -1):
        alts = t.alternatives.get(tuple(syllables[start : start + n]))
        if alts and len(alts) > 1:
            return n, alts
    return None
