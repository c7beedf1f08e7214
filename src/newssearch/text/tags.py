"""Extracted tags: the people, places, organisations and events an article names.

Why capitalisation and corpus statistics (not a tagger): Vietnamese capitalises proper
nouns and little else, so a run of capitalised words in mid-sentence is almost always a
name; what goes wrong is known and countable. A sentence opener is capitalised whatever it
is (``Theo``, ``Sau khi``), so a run that starts a sentence keeps its first word only when
the corpus has seen that word capitalised mid-sentence (``mid``). A common noun written
with a capital now and then (``Công an``) is seen in lower case in the same articles
(``lower``). A title glued to a name (``Tổng thống Mỹ Donald Trump``) loses the title
(data/tag_words_vi.tsv), and a run that the corpus knows as two names but rarely as one
(``Mỹ`` + ``Donald Trump``) is split. Spellings of one name (``TP.HCM``, ``TPHCM``,
``Thành phố Hồ Chí Minh``) become one tag through the abbreviation table; loanword
spellings (data/loanwords_vi.tsv) are common nouns, never tags.

The statistics come from the index build (``NameStats``, a file beside its segments) with a
baseline from the shared corpora (data/tag_names_vi.tsv) for a build too small to count.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from newssearch.text.abbrev import entries, group_table
from newssearch.text.analysis import dictionary_pairs, normalize
from newssearch.text.telex import is_syllable

MAX_TAGS = 6  # per article: the strongest few
MIN_MID = 3  # documents with a word capitalised mid-sentence before it counts as a name
SPLIT_MIN = 5  # documents each half of a run needs before the run may be split in two
LOWER_SHARE = 0.3  # above this share of its documents also in lower case: a common noun
OPENER_SHARE = 0.25  # below this share seen mid-sentence: a sentence opener, not a name
BODY_CHARS = 4000  # of the body read for names (the lead and first paragraphs matter)
WEIGHTS = {"title": 3.0, "lead": 2.0, "body": 1.0}
SURNAME_PLACE = 50  # a run starting with a family name splits only after a name this known
INNER_TITLES = frozenset({"ông", "bà"})  # one-word titles that are no part of a name
ROMAN_RE = re.compile(r"[ivxlc]+$")  # "khoá XIV", "thế kỷ XX": a number, not a name
RUN_CACHE = 100_000  # runs remembered per extractor
MAX_RUN = 6  # words: a longer capitalised run is a heading, not a name

KEY_SPLIT_RE = re.compile(r"[.\-\s&'’]+")
WORD_RE = re.compile(r"[^\W_]+(?:[.\-&'’][^\W_]+)*\.?")
# Gaps that end a sentence, or start a quote or a list item: the next word is an opener.
OPENER_GAP_RE = re.compile(r"[.!?:;…\n\"“”‘'(\[–—•*|-]")
# Credits and bylines: "(Ảnh: AFP)", "Theo Reuters", "Nguồn: VnExpress" say who wrote it.
CREDIT_RE = re.compile(r"\((?:[^()]{0,80}?(?:Ảnh|ảnh|Theo|theo|Nguồn|nguồn|Video|Clip)"
                       r"[^()]{0,80})\)|(?:Ảnh|Nguồn|Theo|Video|Clip)\s*:[^\n.]{0,80}")


def _key(words: list[str]) -> str:
    return _key_of(" ".join(words))


@lru_cache(maxsize=200_000)
def _key_of(text: str) -> str:
    """The matching form of a name: normalized words, dots and hyphens as spaces."""
    return " ".join(normalize(p) for p in KEY_SPLIT_RE.split(text) if p)


@dataclass
class Candidate:
    """One name in one article: its key, how it was written, where and how often."""

    key: str
    display: str
    score: float = 0.0
    first: int = 0  # order of first mention (title first)
    mid: bool = False  # seen capitalised mid-sentence in this article


@dataclass
class NameStats:
    """Corpus counts per name key: documents naming it, naming it mid-sentence, also
    holding it in lower case, and its most frequent written form."""

    docs: Counter = field(default_factory=Counter)
    mid: Counter = field(default_factory=Counter)
    lower: Counter = field(default_factory=Counter)
    forms: dict[str, Counter] = field(default_factory=dict)
    articles: int = 0

    def add(self, a: Analysis) -> None:
        """Count one article's runs."""
        self.articles += 1
        for k, (mid, shown) in a.raw.items():
            self.docs[k] += 1
            if mid:
                self.mid[k] += 1
                self.forms.setdefault(k, Counter())[shown] += 1
            if k in a.lower:
                self.lower[k] += 1

    def merge(self, other: NameStats) -> None:
        self.articles += other.articles
        self.docs.update(other.docs)
        self.mid.update(other.mid)
        self.lower.update(other.lower)
        for k, f in other.forms.items():
            self.forms.setdefault(k, Counter()).update(f)

    def maxed(self, other: NameStats) -> NameStats:
        """Key by key the larger counts of the two (``other``'s written form first): the
        baseline combined with a build's own counts without counting a corpus twice."""
        out = NameStats(articles=max(self.articles, other.articles))
        for mine, theirs, dest in ((self.docs, other.docs, out.docs),
                                   (self.mid, other.mid, out.mid),
                                   (self.lower, other.lower, out.lower)):
            dest.update(mine)
            for k, v in theirs.items():
                dest[k] = max(dest[k], v)
        out.forms = {**self.forms, **other.forms}
        return out

    def display(self, key: str, fallback: str) -> str:
        f = self.forms.get(key)
        return f.most_common(1)[0][0] if f else fallback

    def to_lines(self, min_docs: int = 2) -> list[str]:
        """Tab-separated rows (key, docs, mid, lower, display), the file format."""
        rows = [f"# articles\t{self.articles}"]
        for k, n in sorted(self.docs.items(), key=lambda kv: (-kv[1], kv[0])):
            if n >= min_docs and (self.mid[k] or self.lower[k] < n):
                rows.append(f"{k}\t{n}\t{self.mid[k]}\t{self.lower[k]}\t{self.display(k, '')}")
        return rows

    @classmethod
    def from_lines(cls, lines: list[str]) -> NameStats:
        s = cls()
        for line in lines:
            cells = line.rstrip("\n").split("\t")
            if line.startswith("# articles") and len(cells) == 2:
                s.articles = int(cells[1])
            elif line and not line.startswith("#") and len(cells) == 5:
                k = cells[0]
                s.docs[k], s.mid[k], s.lower[k] = int(cells[1]), int(cells[2]), int(cells[3])
                if s.mid[k] and cells[4]:
                    s.forms[k] = Counter({cells[4]: 1})
        return s


@dataclass
class Analysis:
    found: dict[str, Candidate]
    raw: dict[str, tuple[bool, str]]  # key -> (seen mid-sentence, a written form)
    lower: set[str]


@dataclass(frozen=True)
class Lexicon:
    """The fixed word lists: titles to strip, words that are no tag alone, credits, and the
    spellings of one name (abbreviation table) mapped to one key."""

    titles: frozenset[str]
    drop: frozenset[str]
    places: frozenset[str]
    surnames: frozenset[str]
    credits: frozenset[str]
    aliases: dict[str, str]  # key -> the key of its group
    # Expansions with words in lower case ("Thành phố Hồ Chí Minh", "Bộ Y tế"), which no
    # capitalised run holds whole: each word capitalised first (so one run holds it), and
    # shown as the table writes it.
    spelled: tuple[tuple[str, re.Pattern, str], ...]  # (lower case, pattern, capitalised)
    shown: dict[str, str]  # key of such an expansion -> as the table writes it
    longest_title: int


def _data(name: str) -> list[str]:
    return (resources.files("newssearch") / "data" / name).read_text(
        encoding="utf-8").splitlines()


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    kinds: dict[str, set[str]] = {"title": set(), "drop": set(), "credit": set(),
                                  "place": set(), "surname": set()}
    for line in _data("tag_words_vi.tsv"):
        cells = line.split("\t")
        if len(cells) == 2 and cells[0] in kinds:
            kinds[cells[0]].add(_key(cells[1].split()))
    aliases: dict[str, str] = {}
    meanings: dict[str, set[str]] = {}
    for cells in entries(_data("abbreviations_vi.tsv")):
        meanings.setdefault(_key(cells[0].split()), set()).add(cells[1])
        meanings.setdefault(re.sub(r"[\s.\-]", "", normalize(cells[0])), set()).add(cells[1])
    spelled_as: dict[str, str] = {}
    shown: dict[str, str] = {}
    for cells in entries(_data("abbreviations_vi.tsv")):
        abbr, m = cells[0], cells[1]
        # Only names (expansions written with a capital) that mean one thing: TP.HCM yes,
        # BCT (Bộ Chính trị / Bộ Công Thương) no.
        if len(meanings[_key(abbr.split())]) == 1 and m[:1].isupper():
            aliases[_key(abbr.split())] = aliases[_key(m.split())] = _key(m.split())
            aliases[re.sub(r"[\s.\-]", "", normalize(abbr))] = _key(m.split())
            if any(w[:1].islower() for w in m.split()):
                spelled_as[m.lower()] = " ".join(w[:1].upper() + w[1:] for w in m.split())
                shown[_key(m.split())] = m
    # Found by a plain substring test first: one regex over every text costs 6 ms an article.
    spelled = tuple((m, re.compile(rf"(?<![\w.\-]){re.escape(m)}(?![\w\-])", re.IGNORECASE),
                     caps) for m, caps in sorted(spelled_as.items(), key=lambda kv: -len(kv[0])))
    for cells in entries(_data("abbreviations_vi.tsv")):
        if cells[1][:1].islower():  # HĐQT, ĐBQH, CQĐT: common nouns, never a tag alone
            kinds["drop"].add(_key(cells[0].split()))
    for alts in group_table(_data("loanwords_vi.tsv")).values():
        for a in alts:
            kinds["drop"].add(" ".join(a))
    for kind in ("drop", "credit"):  # VOV is the credit, whichever spelling the key has
        kinds[kind] |= {aliases[k] for k in kinds[kind] if k in aliases}
    return Lexicon(frozenset(kinds["title"]), frozenset(kinds["drop"]), frozenset(kinds["place"]),
                   frozenset(kinds["surname"]),
                   frozenset(kinds["credit"]), aliases,
                   spelled, shown, max(len(t.split()) for t in kinds["title"]))


_UPPER = "".join(c for c in map(chr, range(0x41, 0x1F00)) if c.isupper())
_CAP = rf"(?:[{_UPPER}]|[a-z]+[{_UPPER}])[^\W_]*(?:[.\-&'’][^\W_]+)*"
# A run: capitalised words joined by single spaces, and a number after a Latin word
# (``SEA Games 30``, ``Euro 2016``).
# (No look-behind: it would be tried at every position; a run glued to a word before it is
# skipped in ``runs``.)
RUN_RE = re.compile(rf"{_CAP}(?: {_CAP})*(?: [0-9]{{1,4}}(?![\w.,]))?")
CAP_RE = re.compile(_CAP)
NEXT_RE = re.compile(rf" (?![{_UPPER}])([^\W\d_]+)")
NON_WORD_RE = re.compile(r"[\W_]+")


def _capitalised(w: str) -> bool:
    return bool(CAP_RE.match(w))


def runs(text: str) -> list[tuple[list[str], bool]]:
    """Runs of capitalised words with whether each starts a sentence (or a quote, a list
    item, a line)."""
    out: list[tuple[list[str], bool]] = []
    for m in RUN_RE.finditer(text):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in ".-"):
            continue
        words = m.group().split(" ")
        if words[-1].isdigit() and not (words[-2].isascii() and words[-2].isalpha()):
            words.pop()
        before = text[max(0, m.start() - 3):m.start()].rstrip(" ")
        opener = not before or bool(OPENER_GAP_RE.search(before[-1]))
        nxt = NEXT_RE.match(text, m.end())
        if nxt and f"{normalize(words[-1])} {normalize(nxt.group(1))}" in dictionary_pairs():
            continue  # a word cut in two: "Dải Ngân" hà, "Hiệp" định
        out.append((words, opener))
    return out


class Extractor:
    """Names of articles under fixed statistics (one per build; cheap to make)."""

    def __init__(self, stats: NameStats) -> None:
        self.stats = stats
        self.lex = lexicon()
        # Per run (words, opener): its names and what the statistics count of it. Runs repeat
        # across articles (Hà Nội, Mỹ), and both depend only on the run and the statistics.
        self._runs: dict[tuple[tuple[str, ...], bool], tuple[list, list]] = {}

    def _strip(self, words: list[str], always: bool = False) -> list[str]:
        """Titles and roles off the front: ``Tổng thống Mỹ Donald Trump`` -> ``Mỹ Donald Trump``
        (unless the corpus knows the whole run as a name: ``Nhà Trắng``)."""
        head, _, rest = words[0].partition(".") if words else ("", "", "")
        if rest[:1].isupper() and _key([head]) in self.lex.titles | self.lex.drop \
                and _key(words[:1]) not in self.lex.aliases:
            words = [rest, *words[1:]]  # "TP.Đà Lạt", "Q.Hoàn Kiếm"
        if _key(words) in self.lex.aliases:
            return words  # "TP HCM" is a name, not the title "TP" before "HCM"
        changed = True
        while changed and words:
            changed = False
            for n in range(min(self.lex.longest_title, len(words) - 1), 0, -1):
                k = _key(words[:n])
                acronym = n == 1 and words[0].isupper() and k in self.lex.drop  # UBND, CEO
                if acronym or (k in self.lex.titles and (
                        always or self._mid(_key(words)) < MIN_MID)):
                    words, changed = words[n:], True
                    break
        return words

    def _mid(self, key: str) -> int:
        return self.stats.mid.get(key, 0)

    def _known(self, key: str) -> bool:
        """A name the corpus writes on its own, capitalised mid-sentence, not a common noun."""
        s, lex = self.stats, self.lex
        mid, n = s.mid.get(key, 0), s.docs.get(key, 0)
        if " " not in key and is_syllable(key) and key not in lex.places:
            return False  # "Kim" + "Tae Hee" is one person
        return (mid >= SPLIT_MIN and s.lower.get(key, 0) <= LOWER_SHARE * n
                and mid >= OPENER_SHARE * n and key not in lex.drop and key not in lex.titles)

    def _split(self, words: list[str]) -> list[list[str]]:
        """A name glued after another (``Mỹ`` + ``Donald Trump``, ``Trung Quốc`` + ``Tập Cận
        Bình``) is its own name: the rest, of two words or more, is a name the corpus knows,
        and the whole is not much more frequent than the rest (``Hoàng Sa`` is not ``Hoàng``
        + ``Sa``, ``Tuấn Hưng`` not ``Tuấn`` + ``Hưng``)."""
        whole = self._mid(_key(words))
        for i in range(1, len(words)):
            left, right = _key(words[:i]), _key(words[i:])
            if left.split()[0] in self.lex.surnames and self._mid(left) < SURNAME_PLACE:
                continue  # "Lê Thị" + "Nhật Linh" is one person; "Hà Tĩnh" + ... is not
            two = len(words) - i >= 2
            person = two and right.split()[0] in self.lex.surnames
            # A one-word country before a name: "Nga Vladimir Putin", "Mỹ Obama".
            place = left in self.lex.places and (two or (
                self._known(right) and not is_syllable(right)))
            known = two and self._known(right) and (
                whole < 2 * self._mid(right) or self._mid(left) >= 3 * whole)
            # A name the corpus rarely sees whole after a frequent one: "Venezuela Jorge
            # Rodriguez", "Mỹ Obama" (not "Real Madrid", "Việt Nam Airlines").
            rare = two and whole * 10 < self._mid(left)
            if self._known(left) and (person or place or known or rare):
                return self._split(words[:i]) + self._split(words[i:])
        return [words]

    def names(self, words: list[str], opener: bool) -> list[tuple[list[str], bool]]:
        """The names in one run: (words, seen mid-sentence)."""
        if len(words) > MAX_RUN:
            return []
        if opener and self._mid(_key(words)) < MIN_MID:
            # The first word is capitalised because it starts a sentence, unless the corpus
            # knows it (or the run) mid-sentence too.
            first = self._mid(_key(words[:1]))
            if first < MIN_MID or self._is_opener(_key(words[:1])):
                words, opener = words[1:], False
        for i in range(1, len(words)):
            if _key(words[i:i + 1]) in INNER_TITLES or _key(words[i:i + 2]) in self.lex.titles \
                    and " " in _key(words[i:i + 2]):
                # "Yên Bái Ông Đỗ Đức Duy": a title inside the run starts another name.
                return self.names(words[:i], opener) + self.names(words[i:], False)
        words = self._strip(words)
        if words and words[-1].isdigit() and self._mid(_key(words)) < MIN_MID:
            words = words[:-1]  # "Razer 3": the number is not part of a name the corpus knows
        return [(p, not opener or i > 0) for i, p in enumerate(self._split(words)) if p]

    def _is_opener(self, key: str) -> bool:
        s = self.stats
        n = s.docs.get(key, 0)
        return n > 0 and s.mid.get(key, 0) < OPENER_SHARE * n

    def analyse(self, title: str, lead: str = "", body: str = "") -> Analysis:
        """The article's names (``found``, under the statistics), the runs as the statistics
        count them (``raw``: key -> seen mid-sentence) and the keys also in lower case."""
        found: dict[str, Candidate] = {}
        raw: dict[str, tuple[bool, str]] = {}
        low: list[str] = []
        for part, text in (("title", title), ("lead", lead), ("body", body[:BODY_CHARS])):
            text = CREDIT_RE.sub(" . ", unicodedata.normalize("NFC", text or ""))
            lowered = text.lower()
            for plain, pattern, caps in self.lex.spelled:
                if plain in lowered:  # zero-width spaces: glued to no run around it
                    text = pattern.sub(f"\u200b{caps}\u200b", text)
            low.append(NON_WORD_RE.sub(" ", text))
            for words, opener in runs(text):
                names, counted = self._run(words, opener)
                for k, mid, shown in counted:
                    if k not in raw or (mid and not raw[k][0]):
                        raw[k] = (mid, shown)
                for name, mid in names:
                    key = _key(name)
                    key = self.lex.aliases.get(key, key)
                    c = found.get(key)
                    if c is None:
                        shown = self.lex.shown.get(_key(name), " ".join(name))
                        c = found[key] = Candidate(key, shown, first=len(found))
                    c.score += WEIGHTS[part]
                    c.mid = c.mid or mid
        # Keys are lower case: found as they are, they are written in lower case there.
        text = " " + " ".join(low) + " "
        lower = {k for k in {*found, *raw} if f" {k} " in text}
        return Analysis(found, raw, lower)

    def _run(self, words: list[str], opener: bool) -> tuple[list, list]:
        item = (tuple(words), opener)
        got = self._runs.get(item)
        if got is None:
            if len(self._runs) >= RUN_CACHE:
                self._runs.clear()
            got = self._runs[item] = (self.names(words, opener), self._count(words, opener))
        return got

    def _count(self, words: list[str], opener: bool) -> list[tuple[str, bool, str]]:
        """What the statistics count of a run (key, seen mid-sentence): itself, titles off,
        and without its first word when it starts a sentence (the rest is capitalised
        mid-sentence)."""
        if len(words) > MAX_RUN:
            return []
        out = []
        rest = self._strip(words, always=True)
        if rest:
            k = _key(rest)
            out.append((k, not opener or rest is not words, self.lex.shown.get(k, " ".join(rest))))
        if opener and len(words) > 1:
            rest = self._strip(words[1:], always=True) or words[1:]
            k = _key(rest)
            out.append((k, True, self.lex.shown.get(k, " ".join(rest))))
        return out

    def select(self, found: dict[str, Candidate], lower: set[str], title: str = "",
               limit: int = MAX_TAGS) -> list[str]:
        """The strongest few names that name something: display forms, strongest first."""
        lex, s = self.lex, self.stats
        title_key = " " + _key(WORD_RE.findall(title)) + " "
        keep: list[Candidate] = []
        for k, c in found.items():
            if k in lex.drop or k in lex.titles or _initial(k, lex.surnames) or ROMAN_RE.match(k):
                continue
            if k in lex.credits and f" {k} " not in title_key:
                continue
            n, mid = s.docs.get(k, 0), s.mid.get(k, 0)
            if " " not in k and len(k) <= 2 and not c.display.isupper():
                continue  # "Kh": an abbreviation cut from a word
            if " " not in k and is_syllable(k):
                if k in lex.places:
                    keep.append(c)
                continue  # a given name, a word cut from a name, an opener
            if n and s.lower.get(k, 0) > LOWER_SHARE * n:
                continue  # a common noun written with a capital now and then
            if not c.mid and mid < MIN_MID:
                continue  # only ever a sentence opener here, and not known as a name
            if n >= 3 and mid < OPENER_SHARE * n:
                continue
            if " " not in k and mid < MIN_MID and not (len(k) >= 2 and c.display.isupper()):
                continue  # one foreign word nobody else capitalises mid-sentence
            keep.append(c)
        _merge_short_forms(keep)
        keep = [c for c in keep if c.score >= 2 or c.first < 3]
        keep.sort(key=lambda c: (-c.score, c.first))
        return [s.display(c.key, c.display) for c in keep[:limit]]

    def tags(self, title: str, lead: str = "", body: str = "") -> list[str]:
        a = self.analyse(title, lead, body)
        return self.select(a.found, a.lower, title)


def _initial(key: str, surnames: frozenset[str]) -> bool:
    """``Nguyễn Văn H``, ``Nguyễn Văn Ch`` (a name the paper withheld) or a lone letter: no
    tag."""
    words = key.split()
    last = words[-1]
    return (len(last) == 1 and last.isalpha()) or (
        len(words) > 1 and words[0] in surnames and len(last) <= 2 and not is_syllable(last))


def _merge_short_forms(keep: list[Candidate]) -> None:
    """``Trump`` after ``Donald Trump`` (and ``Phúc`` after ``Nguyễn Xuân Phúc``) is the same
    person: its mentions count for the full name."""
    by_key = {c.key: c for c in keep}
    for full in sorted(keep, key=lambda c: -len(c.key)):
        words = full.key.split()
        for i in range(1, len(words)):
            for part in (" ".join(words[i:]), " ".join(words[:i])):
                short = by_key.get(part)
                if short is not None and short is not full and len(part) >= 2:
                    full.score += short.score
                    full.first = min(full.first, short.first)
                    del by_key[part]
    keep[:] = [c for c in keep if by_key.get(c.key) is c]


@lru_cache(maxsize=1)
def baseline() -> NameStats:
    """The statistics of the shared corpora (data/tag_names_vi.tsv), for builds too small to
    count their own."""
    return NameStats.from_lines(_data("tag_names_vi.tsv"))
