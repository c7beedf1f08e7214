"""Kept so indexes built before the package layout open: Whoosh pickles each field's class by
its module path, and those builds name ``newssearch.schema``. Nothing in the package imports it.
"""

from newssearch.index.schema import Shingles, VnText, VnTokenizer

__all__ = ["Shingles", "VnText", "VnTokenizer"]
