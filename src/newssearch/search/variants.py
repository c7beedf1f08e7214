"""Other words for the same thing: synonyms, regional variants and names people go by.

A reader in the South parks (``đậu xe``) where a Hanoi paper writes ``đỗ xe``; one types
``trái cây``, the article says ``hoa quả``; ``bầu Đức`` is ``Đoàn Nguyên Đức``.
data/synonyms_vi.tsv and data/aliases_vi.tsv list such groups (their headers say how they
were mined and reviewed). A query's run of syllables that spells one form of a group also
matches the group's other forms, both ways; the forms are matched whole (a multi-syllable
form as a pyvi word or side by side), and scored below the form typed
(``RankingConfig.synonym_weight``). Needs no index.
"""

from __future__ import annotations

from functools import lru_cache

from newssearch.text.abbrev import Abbreviations, Form, combine, data_lines, group_table
from newssearch.text.analysis import fold


@lru_cache(maxsize=1)
def table() -> Abbreviations:
    """Every form of the two files -> the forms it also matches (accent-free keys too)."""
    return combine(group_table(data_lines("synonyms_vi.tsv")),
                   group_table(data_lines("aliases_vi.tsv")))


def find(syllables: list[str], start: int) -> tuple[int, Form, tuple[Form, ...]] | None:
    """The longest form starting at ``syllables[start]``: (syllables covered, the form as
    typed, the group's other forms), or None. A form that only differs from the typed one
    by accents is the typed word itself, not another. One syllable typed without the accents
    its table form has is too ambiguous to stand for it (``my`` may be ``Mỹ`` or ``mỳ``)."""
    t = table()
    for n in range(min(t.longest, len(syllables) - start), 0, -1):
        typed = tuple(syllables[start:start + n])
        alts = t.alternatives.get(typed)
        if alts and n == 1 and typed not in alts:
            continue
        if alts:
            key = tuple(fold(s) for s in typed)
            others = tuple(f for f in alts if tuple(fold(s) for s in f) != key)
            if others:
                return n, typed, others
    return None
