"""Reading a query typed without an input method (Telex ``thoor``, VNI ``tho63``) as the
Vietnamese it encodes, when the corpus agrees.

A token is read as Telex/VNI only when what it spells is a syllable the corpus prints, the
token itself is (almost) absent from the corpus, it is not an acronym (``ARM``, ``IMF``), and
it does not stand beside its neighbours in the corpus as typed (``Las Vegas``). Names and
English words mostly spell no syllable at all (``news``, ``Neymar``); those that do
(``Max``, ``teen``, ``bar``) occur in the news as typed, and stay.
"""

from __future__ import annotations

import re

from newssearch.index.snapshot import Snapshot
from newssearch.text import telex
from newssearch.text.analysis import fold

TOKEN_RE = re.compile(r"(?<![\w:])[A-Za-z][A-Za-z0-9]*(?!\w)")
MORE_FREQUENT = 5  # the syllable spelled must be this many times more frequent than the token
TYPED_MAX_DF = 2  # a token the corpus prints more often than this is a word of its own
MAX_TOKENS = 32  # bounded work: longer queries are left as typed


def read_as_vietnamese(snap: Snapshot, query: str) -> str | None:
    """The query with its Telex/VNI tokens spelled out, or None when none is read so.

    Once some token is surely Telex/VNI (it spells a syllable and is no word of its own), the
    input method was off for the whole query, and the other tokens that spell a syllable
    far more frequent than themselves are read so too (``lais`` -> ``lái`` beside ``sieeu``).
    """
    matches = list(TOKEN_RE.finditer(query))
    if not matches or len(matches) > MAX_TOKENS:
        return None
    words = [m.group().lower() for m in matches]
    spelled: dict[int, str] = {}
    for k, m in enumerate(matches):
        if not m.group()[1:].islower() and len(m.group()) > 1:
            continue  # an acronym or a product name (ARM, iPhone, A7)
        if (s := telex.decode(words[k])) is not None:
            spelled[k] = s
    sure = {k for k, s in spelled.items() if _is_meant(snap, words, k, s, TYPED_MAX_DF)}
    if not sure:
        return None
    read = sure | {k for k, s in spelled.items()
                   if k not in sure and _is_meant(snap, words, k, s, None)}
    out, last = [], 0
    for k in sorted(read):
        out += [query[last:matches[k].start()], spelled[k]]
        last = matches[k].end()
    out.append(query[last:])
    return "".join(out)


def _is_meant(snap: Snapshot, words: list[str], k: int, spelled: str,
              typed_max_df: int | None) -> bool:
    typed = words[k]
    syllable_df = snap.df(("title", "body"), spelled)
    if syllable_df == 0:
        return False
    typed_df = snap.df(("title_f", "body_f"), typed)
    if typed_max_df is not None and typed_df > typed_max_df:
        return False
    if typed_df * MORE_FREQUENT > syllable_df:
        return False
    # As typed, beside a neighbour the corpus holds it with: a real word (Las Vegas).
    for a, b in ((words[k - 1] if k else None, typed),
                 (typed, words[k + 1] if k + 1 < len(words) else None)):
        if a and b and snap.df(("title_sh", "lead_sh", "body_f"), f"{fold(a)}_{fold(b)}"):
            return False
    return True
