"""Vietnamese typed without an input method: Telex (``thoor`` = thổ) and VNI (``tho63`` = thổ).

Readers whose input method is off type the keystrokes themselves. This module only decodes
one token into the syllable it would spell (or None when it spells nothing Vietnamese);
whether a query is read that way is the searcher's call, against the corpus vocabulary
(``search/rewrite.py``), so that real words and names that look alike stay as typed.

Telex: ``aa â, aw ă, ee ê, oo ô, ow ơ, uw ư, w ư, dd đ``, tone keys ``s f r x j`` (sắc huyền
hỏi ngã nặng) after the vowel or at the end. VNI: ``6`` circumflex, ``7`` horn, ``8`` breve,
``9`` đ, tones ``1``–``5``, after the letter or at the end.
"""

from __future__ import annotations

import re
import unicodedata

from newssearch.text.analysis import normalize

TONE_MARKS = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323",
              "1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_TONE_SET = frozenset("\u0300\u0301\u0303\u0309\u0323")
# A Vietnamese syllable: initial consonant, vowel nucleus, final consonant.
_SYLLABLE = re.compile(
    r"(?P<onset>ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"(?P<vowels>[aăâeêioôơuưy]{1,3})"
    r"(?P<coda>ch|ng|nh|[cmnpt])?$")
_TELEX_PAIRS = (("dd", "đ"), ("aa", "â"), ("aw", "ă"), ("ee", "ê"), ("oo", "ô"), ("ow", "ơ"),
                ("uw", "ư"))
_VNI = {"6": {"a": "â", "e": "ê", "o": "ô"}, "7": {"o": "ơ", "u": "ư"}, "8": {"a": "ă"},
        "9": {"d": "đ"}}
MAX_TOKEN = 12
# Vowel nuclei a Vietnamese syllable can have (after the onsets gi-, qu-).
NUCLEI = frozenset(["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ua", "uâ", "uê", "ui", "uô", "uơ", "ưa", "ưi", "ươ", "ưu", "uy", "yê", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu"])
STOP_CODAS = ("c", "ch", "p", "t")  # take only the sắc or nặng tone


def decode(token: str) -> str | None:
    """The syllable ``token`` spells in Telex or VNI, lowercase and normalized; None when it
    holds no keystroke of either, or what it spells is no Vietnamese syllable."""
    t = token.lower()
    if not t.isascii() or not t.isalnum() or len(t) > MAX_TOKEN or t.isdigit():
        return None
    if any(c.isdigit() for c in t):
        out = _vni(t)
    else:
        out = _telex(t)
    if out is None or out == t:
        return None
    return out


def _telex(t: str) -> str | None:
    tone = None
    body = t
    # A tone key after the first vowel, last or before the final consonant (a syllable never
    # ends in s f r x j).
    m = re.match(r"^([^aeiouy]*[aeiouy].*?)([sfrxj])(c|ch|m|n|ng|nh|p|t)?$", body)
    if m:
        body, tone = m.group(1) + (m.group(3) or ""), TONE_MARKS[m.group(2)]
    for keys, letter in _TELEX_PAIRS:
        body = body.replace(keys, letter)
    body = body.replace("uơ", "ươ")  # uow: ươ (người)
    body = re.sub(r"(?<=[^aeiouyăâêôơư])w|^w", "ư", body)  # a lone w is ư (tw -> tư)
    if "w" in body:
        return None
    return _compose(body, tone)


def _vni(t: str) -> str | None:
    tone = None
    letters: list[str] = []
    for c in t:
        if c.isdigit():
            if c in TONE_MARKS:
                if tone is not None:
                    return None
                tone = TONE_MARKS[c]
                continue
            table = _VNI.get(c)
            if table is None:
                return None
            # The mark goes on the nearest letter before it that takes it (uo7 -> ươ).
            for i in range(len(letters) - 1, -1, -1):
                if letters[i] in table:
                    letters[i] = table[letters[i]]
                    if c == "7" and letters[i] == "ơ" and i > 0 and letters[i - 1] == "u":
                        letters[i - 1] = "ư"
                    break
            else:
                return None
        else:
            letters.append(c)
    return _compose("".join(letters), tone)


def _compose(body: str, tone: str | None) -> str | None:
    """The syllable with its tone on the vowel that carries it; None if not a syllable."""
    m = _SYLLABLE.match(body)
    if m is None:
        return None
    onset, vowels, coda = m.group("onset") or "", m.group("vowels"), m.group("coda") or ""
    if vowels not in NUCLEI:
        return None
    if coda in STOP_CODAS and tone not in (None, TONE_MARKS["s"], TONE_MARKS["j"]):
        return None
    if tone is None:
        return normalize(body)
    marked = [i for i, v in enumerate(vowels) if v in "ăâêôơư"]
    if marked:
        i = marked[-1]  # ươ: the tone goes on ơ
    elif len(vowels) == 1:
        i = 0
    elif coda or len(vowels) == 3:
        i = 1
    else:
        i = 0
    v = unicodedata.normalize("NFC", vowels[i] + tone)
    return normalize(onset + vowels[:i] + v + vowels[i + 1:] + coda)


def is_syllable(text: str) -> bool:
    """Whether ``text`` is one Vietnamese syllable (onset, vowel nucleus, final consonant),
    tone marks aside: ``tư``, ``tu``, ``người`` are; ``hn``, ``tw``, ``ubnd`` are not."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text.lower())
                   if c not in _TONE_SET)
    m = _SYLLABLE.match(unicodedata.normalize("NFC", bare))
    return m is not None and m.group("vowels") in NUCLEI
