"""Abbreviations at query time: ``UBND`` also finds ``Ủy ban nhân dân`` and the reverse.

Each form is a tuple of normalized syllables. ``TP.HCM`` is ``("tp", "hcm")``, which
also matches ``TP. HCM`` and ``TP HCM`` (composites index their parts as consecutive
syllables); ``TPHCM`` is ``("tphcm",)``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .analysis import PART_RE, fold, normalize

Form = tuple[str, ...]


@dataclass(frozen=True)
class Abbreviations:
    # A sequence of query syllables -> the forms it may also match.
    alternatives: dict[Form, tuple[Form, ...]]
    longest: int


def _syllables(text: str) -> Form:
    return tuple(normalize(m.group()) for m in PART_RE.finditer(text))


def parse_table(lines: list[str]) -> Abbreviations:
    abbr_forms: dict[str, set[Form]] = defaultdict(set)  # abbreviation key -> its spellings
    expansions: dict[str, set[Form]] = defaultdict(set)  # abbreviation key -> its meanings
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
            continue
        abbr, expansion = (p.strip() for p in line.split("\t", 1))
        key = re.sub(r"[\s.\-]", "", normalize(abbr))
        abbr_forms[key].add(_syllables(abbr))
        abbr_forms[key].add((key,))
        expansions[key].add(_syllables(expansion))
    alts: dict[Form, set[Form]] = defaultdict(set)
    for key, forms in abbr_forms.items():
        for f in forms:
            # An abbreviation may mean any of its expansions.
            alts[f] |= forms | expansions[key]
        for e in expansions[key]:
            # An expansion means its abbreviation, not the abbreviation's other meanings.
            alts[e] |= forms | {e}
    # Readers who type without diacritics ("uy ban nhan dan") get the same alternatives.
    for k in list(alts):
        fk = tuple(fold(x) for x in k)
        if fk != k:
            alts[fk] |= alts[k]
    return Abbreviations(
        alternatives={k: tuple(sorted(v, key=lambda f: (f != k, f))) for k, v in alts.items()},
        longest=max((len(k) for k in alts), default=0),
    )


@lru_cache(maxsize=1)
def table() -> Abbreviations:
    path = resources.files("newssearch") / "data" / "abbreviations_vi.tsv"
    return parse_table(path.read_text(encoding="utf-8").splitlines())


def find(syllables: list[str], start: int) -> tuple[int, tuple[Form, ...]] | None:
    """The longest abbreviation or expansion starting at ``syllables[start]``.

    Returns (number of syllables covered, alternative forms), or None.
    """
    t = table()
    for n in range(min(t.longest, len(syllables) - start), 0, -1):
        alts = t.alternatives.get(tuple(syllables[start : start + n]))
        if alts and len(alts) > 1:
            return n, alts
    return None
