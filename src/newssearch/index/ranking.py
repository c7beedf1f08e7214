"""Ranking weights in one frozen value, passed to the engine.

Why a value and not module constants: benches build variants with ``dataclasses.replace``
and run them side by side, and a test can rank with other weights without patching globals.
The defaults are the shipped weights (swept in ``bench/tune_weights.py``; see
docs/relevance.md#weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class RankingConfig:
    k1: float = 1.2  # BM25 saturation
    b: float = 0.75  # BM25 length normalization
    title_boost: float = 3.0  # BM25F weights of the parts
    lead_boost: float = 1.5
    body_boost: float = 1.0
    author_boost: float = 1.0
    folded_weight_accented: float = 0.5  # folded-only evidence for an accented query
    stopword_weight: float = 0.3
    word_bonus: float = 1.0  # a multi-syllable word matched as one term
    shingle_weight: float = 1.0  # a query's adjacent pair found adjacent in a title or lead
    head_weight: float = 0.5  # x (1 + this * share of the query's units in title or lead)
    typo_weight: float = 0.7  # a typo's neighbours, against the syllable as typed
    synonym_weight: float = 0.8  # a synonym or alias of the words typed (search/variants.py)
    optional_weight: float = 0.3  # a question or filler word (search/intent.py): a bonus
    # Looser matches listed after the best tier when it is short (search/loose.py):
    loose_below: int = 100  # only when the best tier has fewer documents than this
    loose_max_units: int = 8  # ... and only for queries of at most this many units (no stopwords)
    loose_candidates: int = 1000  # bounded work: the likeliest tested (by unit coverage)
    # with topic vectors: coverage, cosine with the best tier's centroid, and their sum
    loose_min_coverage: float = 0.3  # idf-weighted share of the query's concepts, held whole
    loose_min_cosine: float = 0.5
    loose_closeness: float = 1.1
    # without: coverage, and concepts missed (one per this many, and at least one)
    loose_coverage: float = 0.5
    loose_miss_per: int = 3
    centroid_k: int = 10  # best-ranked articles the topic centroid is made of
    prf_weight: float = 0.0  # their topic vectors' closeness mixed into the first ranks
    prf_top_n: int = 50  # ... of this many (search/topicvec.py)
    recency_half_life_days: float = 30.0
    max_units: int = 16  # bounded work for very long queries: the rarest units score
    relaxed_score_max: int = 5000  # when no document has every word, at most this many scored

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"RankingConfig.{f.name} must be a finite number >= 0, not {v}")
        if self.recency_half_life_days <= 0 or self.k1 <= 0:
            raise ValueError("RankingConfig.k1 and recency_half_life_days must be > 0")
        if not 0 <= self.b <= 1:
            raise ValueError(f"RankingConfig.b must be between 0 and 1, not {self.b}")

    def boost(self, part: str) -> float:
        """The BM25F weight of a part (title, lead, body, author)."""
        return getattr(self, part + "_boost")
