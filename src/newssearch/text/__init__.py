"""Vietnamese text in, tokens and keys out: NFC and one tone placement, accent folding, pyvi
word segmentation, abbreviations and loanwords, Telex/VNI reading, syllable skeletons, story keys.

The rule: nothing here knows of an index, a query or a request. It imports only the standard
library, numpy, pyvi's model files and ``newssearch.model``; everything above builds on it.
"""

from newssearch.text.abbrev import Abbreviations
from newssearch.text.analysis import (
    ANALYZER_VERSION,
    PART_RE,
    SYLLABLE,
    TOKEN_RE,
    Token,
    analyze,
    fold,
    is_folded,
    normalize,
    stopwords,
    warm_up,
)
from newssearch.text.storykey import article_text, story_key, title_key
from newssearch.text.telex import decode, is_syllable

__all__ = [
    "ANALYZER_VERSION", "PART_RE", "SYLLABLE", "TOKEN_RE", "Abbreviations", "Token", "analyze",
    "article_text", "decode", "fold", "is_folded", "is_syllable", "normalize", "stopwords",
    "story_key", "title_key", "warm_up",
]
