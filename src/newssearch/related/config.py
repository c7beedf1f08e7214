"""Related-article settings: the request bounds and the scoring weights, one frozen value.

Why its own module: the engine, the key terms and the topic vectors all read it, and none of
them should import another to reach it.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_K = 5  # articles a widget, page or command lists unless asked otherwise
MAX_K = 20
MAX_TEXT_CHARS = 60_000  # a posted article beyond this is refused (the API answers 413)


@dataclass(frozen=True)
class RelatedConfig:
    """Weights of related-article scoring (defaults measured in bench/related_quality.py)."""

    max_terms: int = 60
    max_df_share: float = 0.15  # a term in more of the articles says little about a topic
    body_chars: int = 2000  # of the body, analyzed for key terms: the start carries the topic
    syllable_weight: float = 0.25  # a bare syllable, against a whole pyvi word
    time_weight: float = 0.3
    time_half_life_days: float = 7.0
    category_boost: float = 0.15
    tag_boost: float = 0.1  # per shared tag, up to three
    # An extracted tag on more than this share of the articles (Việt Nam, Hà Nội), and on
    # more than ``name_floor`` of them, says nothing about a shared story: no tag boost.
    max_name_share: float = 0.02
    name_floor: int = 50
    pool: int = 60  # best candidates walked to drop copies
    part_power: float = 0.5  # a term counts the search weight of its part (title 3...) ** this
    weight_power: float = 0.5  # a term's seed weight counts as weight ** this
    consensus_weight: float = 0.5  # share of the neighbours' agreement in the final score
    consensus_pool: int = 30  # best candidates re-ranked by it
    consensus_voters: int = 3  # nearest neighbours (one per story) who vote
    vector_weight: float = 0.7  # share of the topic vectors' cosine (when the index has them)
