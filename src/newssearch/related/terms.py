"""Key terms of an article for related articles: what the text is about, as index terms.

pyvi words and syllables of the title, the lead and the start of the body, counted with the
search weights of the parts (title > lead > body), a whole word above a bare syllable.
Stopwords, boilerplate (bylines, "ảnh", "video"...), numbers and terms in more than
``max_df_share`` of the articles are out; the rest are ranked by count x idf and the first
``max_terms`` kept (bounded work). The key terms of an indexed article are remembered per
index generation: the neighbour consensus asks for them again and again.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from newssearch.index.schema import PART_FIELDS
from newssearch.index.snapshot import Snapshot
from newssearch.model import Article
from newssearch.text.analysis import analyze, stopwords

if TYPE_CHECKING:
    from newssearch.related.config import RelatedConfig

BOILERPLATE = frozenset({"ảnh", "video", "clip", "nguồn", "theo", "tin", "bài", "báo", "đọc",
                         "xem", "thêm", "tag", "quảng_cáo", "bình_luận", "chia_sẻ", "tác_giả",
                         "phóng_viên", "pv", "ctv", "tttxvn", "vnexpress", "dân_trí"})
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = tuple(".!?…”»\"';:")


@dataclass(frozen=True)
class KeyTerm:
    term: str  # exact normalized form, pyvi words joined by "_"
    weight: float  # how much the text is about it: weighted count (query-side weight)
    rank: float  # weight x idf: the order of selection


def byline_free(body: list[str]) -> list[str]:
    """The body without its last line when that is an author credit (at most 8 words, no
    sentence punctuation): names say nothing about the topic."""
    if body and len(body[-1].split()) <= 8 and not body[-1].rstrip().endswith(_SENTENCE_END):
        return body[:-1]
    return body


def article_body(a: Article) -> str:
    """An article's body for key terms: captions and body, without the byline."""
    return "\n".join([*a.captions, *byline_free(a.body)])


class KeyTerms:
    """Key-term extraction over one snapshot with one configuration."""

    def __init__(self, snap: Snapshot, cfg: RelatedConfig):
        self.snap, self.cfg = snap, cfg
        self.dfs = snap.memo_cache("related_df", 500_000)

    def of_text(self, title: str, lead: str, body: str, indexed: bool) -> list[KeyTerm]:
        """Key terms of a text; ``indexed``: the text is in the index (a term only it holds
        is then no evidence)."""
        return self.select(self.counts(title, lead, body), indexed)

    def of_doc(self, d: int) -> list[KeyTerm]:
        """Key terms of indexed article ``d``, remembered per generation."""
        cache = self.snap.memo_cache("related_terms", 50_000)

        def make() -> list[KeyTerm]:
            a = self.snap.article(d)
            return self.of_text(a.title, a.lead, article_body(a), True)
        return cache.get_or_make((d, self.cfg), make)

    def counts(self, title: str, lead: str, body: str) -> dict[str, float]:
        """Candidate key terms with their weighted counts."""
        stops = stopwords()
        counts: dict[str, float] = defaultdict(float)
        texts = {"title": title, "lead": lead, "body": body[: self.cfg.body_chars]}
        for part, text in texts.items():
            boost = self.snap.config.boost(part) ** self.cfg.part_power
            for t in analyze(text):
                term = t.text
                if (term in stops or term in BOILERPLATE or len(t.folded) < 2
                        or not _LETTER.search(term)):
                    continue
                counts[term] += boost * (self.cfg.syllable_weight if t.kind == "syl" else 1.0)
        return counts

    def select(self, counts: dict[str, float], indexed: bool) -> list[KeyTerm]:
        """The ``max_terms`` best by count x idf, without too common or text-only terms."""
        max_df = max(2, int(self.cfg.max_df_share * self.snap.doc_count))
        fields = [f for f, _ in PART_FIELDS.values()]
        out = []
        for term, w in counts.items():
            df = self.dfs.get_or_make(term, partial(self.snap.df, fields, term))
            if df > max_df or df <= (1 if indexed else 0):  # too common, or only the text
                continue
            idf = math.log(1 + (self.snap.doc_count - df + 0.5) / (df + 0.5))
            out.append(KeyTerm(term, w, w * idf))
        out.sort(key=lambda t: (-t.rank, t.term))
        return out[: self.cfg.max_terms]
