"""pyvi's word-segmentation model, loaded without pyvi's import chain.

Why: ``pyvi.ViTokenizer`` unpickles an ``sklearn_crfsuite.CRF``, which imports scikit-learn
and SciPy (about 780 modules, 1.5 s and 50 MB of memory in every process that segments:
each web worker, each writer). What segmentation needs of it is the crfsuite model inside
the pickle and pyvi's lists of dictionary bigrams and trigrams; both are read here, and the
model is handed to ``pycrfsuite`` (the C library pyvi itself runs) directly. The tokens are
the same as pyvi's own (tests/test_analysis.py compares them).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from importlib import resources

import pycrfsuite

MODEL = "pyvi3.pkl"
WORDS = "words.txt"
DATA_KEY = "__FILE_RESOURCE_DATA__"  # where sklearn_crfsuite's FileResource pickles the file


class _State:
    """Stands in for the pickled scikit-learn classes: keeps their state, imports nothing."""

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.split(".")[0] == "sklearn_crfsuite":
            return _State
        return super().find_class(module, name)


@dataclass(frozen=True)
class SegmenterModel:
    tagger: pycrfsuite.Tagger
    model: bytes  # the crfsuite model the tagger reads in place: kept alive with it
    bi_grams: frozenset[str]
    tri_grams: frozenset[str]


def load() -> SegmenterModel:
    models = resources.files("pyvi") / "models"
    with (models / MODEL).open("rb") as f:
        crf = _ModelUnpickler(f).load()
    data = crf.modelfile.__dict__.get(DATA_KEY)
    if not data:
        raise RuntimeError(f"pyvi's {MODEL} holds no crfsuite model")
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(data)
    bi, tri = set(), set()
    for entry in (models / WORDS).read_text(encoding="utf-8").split("\n"):
        n = len(entry.split(" "))
        if n == 2:
            bi.add(entry)
        elif n == 3:
            tri.add(entry)
    return SegmenterModel(tagger, data, frozenset(bi), frozenset(tri))
