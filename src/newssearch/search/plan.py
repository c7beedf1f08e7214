"""A parsed query turned into what matching and scoring work on; needs no index.

A query is a list of *units* (a syllable, or an abbreviation with its alternative forms).
Units select candidates on folded forms (so ``phong tho`` and ``Phong Thổ`` meet). Besides the
units, a plan lists the query's pyvi words and adjacent pairs (scored as bonuses when the index
holds them as one term, ``phong_tho``: a cheap stand-in for proximity), its quoted phrases and
its exclusions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache

from newssearch.index.schema import PART_FIELDS, TEXT_PARTS
from newssearch.search import intent, variants
from newssearch.search.querylang import Clause, ParsedQuery
from newssearch.text import abbrev
from newssearch.text.analysis import analyze, fold, is_folded, normalize, stopwords
from newssearch.text.telex import is_syllable

FIELDS = {**PART_FIELDS, "author": ("author", "author_f")}  # part -> (exact, folded) fields


@dataclass(frozen=True)
class Alt:
    """One way a unit can match: these syllables, in these parts, adjacent if ``phrase``."""

    syls: tuple[str, ...]
    parts: tuple[str, ...]
    phrase: bool = False
    words: tuple[str, ...] = ()  # pyvi words that must also be there (cheap adjacency)
    weight: float = 1.0  # below 1 for guesses (a typo's neighbours)
    variant: bool = False  # another word for the one typed (search/variants.py): scored lower

    @property
    def accents(self) -> bool:
        """Matched with its accents (exact fields): a variant is a word of the table, as
        written there (lợn is not lớn), unless the table writes it without any."""
        return self.variant and not all(is_folded(s) for s in self.syls)

    def fields(self) -> tuple[str, ...]:
        """The fields it is matched in."""
        return tuple(FIELDS[p][0 if self.accents else 1] for p in self.parts)

    def term(self, text: str) -> str:
        """A syllable or word of it as those fields hold it."""
        return text if self.accents else fold(text)


@dataclass(eq=False)
class Unit:
    alternatives: list[Alt]
    stop: bool = False
    df: int = 0  # set by matching: the rarest alternative's document frequency
    optional: bool = False  # frames the query (a question word): a bonus, never a topic
    start: int = -1  # the query syllables it stands for (positions in QueryPlan.syllables;
    end: int = -1  # -1 for OR groups and quoted phrases)


@dataclass(frozen=True)
class Word:
    exact: str  # pyvi word as typed (normalized, lowercase), syllables joined by "_"
    folded: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Phrase:
    syls: tuple[str, ...]
    parts: tuple[str, ...]
    accented: bool

    def terms(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The fields and terms it is matched in: exact ones when it has accents."""
        return phrase_terms(self.syls, self.parts, self.accented)


@dataclass(frozen=True)
class Span:
    """Syllables ``start..end`` (positions in ``QueryPlan.syllables``) that may form one word:
    a pyvi word or composite of the query, or an adjacent pair (a word if the corpus says so)."""

    folded: str  # folded syllables joined by "_" (a composite: as the index holds it)
    syls: tuple[str, ...]  # its folded syllables
    pairs: tuple[str, ...]  # its adjacent folded pairs (the shingle terms)
    parts: tuple[str, ...]
    start: int
    end: int  # exclusive
    pyvi: bool  # segmented as one word in the query itself


@dataclass
class QueryPlan:
    units: list[Unit] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    shingles: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (pair, parts)
    phrases: list[Phrase] = field(default_factory=list)
    exclusions: list[Phrase] = field(default_factory=list)  # one syllable or a phrase each
    syllables: list[str] = field(default_factory=list)  # of the words and phrases typed
    spans: list[Span] = field(default_factory=list)  # possible words, for "words whole"
    # typed accented syllables, with their positions in ``syllables``
    exact: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)
    slips: list[tuple[str, list[str]]] = field(default_factory=list)  # typos and their guesses
    accented: bool = False

    def mark_terms(self) -> tuple[set[str], set[str], set[str]]:
        """What highlighting marks: exact terms (accented query) or folded ones, and which
        of them are stopwords (marked, but they do not choose snippets)."""
        exact: set[str] = set()
        folded: set[str] = set()
        weak: set[str] = set()
        for u in self.units:
            for alt in u.alternatives:
                for s in alt.syls:
                    t = s if self.accented else fold(s)
                    (exact if self.accented else folded).add(t)
                    if u.stop:
                        weak.add(t)
        return exact, folded, weak


def build_plan(pq: ParsedQuery, max_bonuses: int) -> QueryPlan:
    """Units for the positive clauses (OR groups become one unit with alternatives),
    words and pairs for the bonuses (the first ``max_bonuses`` of each), phrases, exclusions."""
    plan = QueryPlan(accented=any(not is_folded(normalize(c.text)) for c in pq.positive))
    groups: dict[int, list[Clause]] = {}
    for c in pq.positive:
        groups.setdefault(c.group, []).append(c)
    run: list[Clause] = []  # consecutive plain words in one field are analyzed together

    def flush() -> None:
        if run:
            _add_text(plan, " ".join(c.text for c in run), parts_of(run[0].field), False)
            run.clear()

    for clauses in groups.values():
        c = clauses[0]
        if len(clauses) > 1:  # OR: one unit whose alternatives are the clauses
            flush()
            alts = []
            for c in clauses:
                syls = syllables_of(c.text)
                if syls:
                    alts.append(Alt(syls, parts_of(c.field), c.phrase and len(syls) > 1))
            if alts:
                plan.units.append(Unit(alts))
        elif c.phrase:
            flush()
            _add_text(plan, c.text, parts_of(c.field), True)
        else:
            if run and run[0].field != c.field:
                flush()
            run.append(c)
    flush()
    plan.words = plan.words[:max_bonuses]
    plan.shingles = plan.shingles[:max_bonuses]
    for c in pq.clauses:
        if c.negated and (syls := syllables_of(c.text)):
            plan.exclusions.append(
                Phrase(syls, parts_of(c.field), not is_folded(normalize(c.text))))
    return plan


def _add_text(plan: QueryPlan, text: str, parts: tuple[str, ...], phrase: bool) -> None:
    """Units for a run of words: one per syllable, abbreviations as one unit."""
    stops = stopwords()
    toks = analyze(text)
    syls = [t.text for t in toks if t.kind == "syl"]
    base = len(plan.syllables)
    plan.syllables += syls
    first_span = len(plan.spans)
    optional = set() if phrase else {base + i for i in intent.optional_positions(
        toks, plan.accented)}
    if not phrase:
        _add_spans(plan, toks, text, parts, base)
    abbreviated = set(optional)  # positions that need not stand whole: abbreviations, fillers
    syl_toks = [t for t in toks if t.kind == "syl"]
    words = [t for t in toks if t.kind in ("word", "comp")]
    whole = abbrev.find(syls, 0)
    if phrase and len(syls) > 1 and not (whole and whole[0] == len(syls)):
        # (a quoted abbreviation expansion is satisfied by any of its forms)
        plan.phrases.append(Phrase(tuple(syls), parts, plan.accented))
    i = 0
    while i < len(syls):
        if base + i in optional:
            plan.units.append(Unit([Alt((syls[i],), parts)], stop=True, optional=True,
                                   start=base + i, end=base + i + 1))
            i += 1
            continue
        found = abbrev.find(syls, i)
        if found:
            n, forms = found
            # Multi-syllable forms (Ủy ban nhân dân) match as pyvi words, not positional
            # phrases: Whoosh phrases over such common words cost 100s of ms.
            plan.units.append(Unit([Alt(f, parts, words=form_words(f)) for f in forms],
                                   start=base + i, end=base + i + n))
            if n > 1 or not is_syllable(syls[i]):  # (tư, vat are words too: đầu tư)
                abbreviated.update(range(base + i, base + i + n))
            i += n
            continue
        other = None if phrase else variants.find(syls, i)
        if other and intent.inside_longer_word(
                words, syl_toks[i].startchar, syl_toks[i + other[0] - 1].endchar):
            other = None  # (mỹ in mỹ_phẩm is no country)
        if other:
            n, typed, forms = other
            # The typed form as any other words typed (its wholeness: the spans, as before).
            plan.units.append(Unit([Alt(typed, parts), *(variant_alt(f, parts) for f in forms)],
                                   start=base + i, end=base + i + n))
            plan.exact += [(s, parts, base + i + k) for k, s in enumerate(typed)
                           if s not in stops and not is_folded(s)]
            i += n
            continue
        plan.units.append(Unit([Alt((syls[i],), parts)], stop=syls[i] in stops,
                               start=base + i, end=base + i + 1))
        if not phrase and syls[i] not in stops and not is_folded(syls[i]):
            plan.exact.append((syls[i], parts, base + i))
        i += 1
    # An abbreviation's forms are matched as a unit (UBND = Ủy ban nhân dân): no word of them
    # has to stand whole on its own.
    plan.spans[first_span:] = [sp for sp in plan.spans[first_span:]
                               if abbreviated.isdisjoint(range(sp.start, sp.end))]
    for t in toks:
        if t.kind in ("word", "comp"):
            plan.words.append(Word(t.text, t.folded, parts))
    syl_toks = [t for t in toks if t.kind == "syl"]
    for a, b in itertools.pairwise(syl_toks):
        if text[a.endchar:b.startchar].isspace():
            # Titles and leads have shingles; in bodies a pair counts when pyvi made it
            # one word there (phong_thổ), which the folded body field holds.
            plan.shingles.append((a.folded + "_" + b.folded, parts))
            if "body" in parts:
                plan.words.append(Word(a.text + "_" + b.text, a.folded + "_" + b.folded,
                                       ("body",)))


def _add_spans(plan: QueryPlan, toks: list, text: str, parts: tuple[str, ...],
               base: int) -> None:
    """The run's possible words: its pyvi words and composites, and every adjacent pair."""
    syl_toks = [t for t in toks if t.kind == "syl"]
    index = {t.startchar: base + k for k, t in enumerate(syl_toks)}
    # pyvi joins accent-free syllables by chance (lam chu tich ho -> tich_ho): there the corpus
    # decides which pairs are words.
    accented = not is_folded(normalize(text))
    for t in toks:
        if t.kind == "comp" or (t.kind == "word" and accented):
            inner = [u for u in syl_toks if t.startchar <= u.startchar and u.endchar <= t.endchar]
            if len(inner) > 1:
                start = index[inner[0].startchar]
                pairs = tuple(a.folded + "_" + b.folded for a, b in itertools.pairwise(inner))
                plan.spans.append(Span(t.folded, tuple(u.folded for u in inner), pairs, parts,
                                       start, start + len(inner), True))
    for a, b in itertools.pairwise(syl_toks):
        if text[a.endchar:b.startchar].isspace():
            pair = a.folded + "_" + b.folded
            start = index[a.startchar]
            plan.spans.append(Span(pair, (a.folded, b.folded), (pair,), parts, start, start + 2,
                                   False))


def variant_alt(form: tuple[str, ...], parts: tuple[str, ...]) -> Alt:
    """Another word for the typed one, matched whole: as its pyvi word when it is one, else
    its syllables side by side."""
    words = form_words(form)
    return Alt(form, parts, phrase=len(form) > 1 and len(words) != 1, words=words, variant=True)


def syllables_of(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in analyze(text, words=False) if t.kind == "syl")


def phrase_terms(syls: tuple[str, ...], parts: tuple[str, ...],
                 accented: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields and terms a phrase is matched in: exact ones when it has accents."""
    fields = tuple(FIELDS[p][0 if accented else 1] for p in parts)
    return fields, (tuple(syls) if accented else tuple(fold(s) for s in syls))


@lru_cache(maxsize=4096)
def form_words(form: tuple[str, ...]) -> tuple[str, ...]:
    """The pyvi words of a multi-syllable form (``uỷ ban nhân dân`` -> uỷ_ban, nhân_dân)."""
    if len(form) < 2:
        return ()
    return tuple(t.text for t in analyze(" ".join(form)) if t.kind == "word")


def parts_of(fieldname: str | None) -> tuple[str, ...]:
    return TEXT_PARTS if fieldname is None else (fieldname,)
