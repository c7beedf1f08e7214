"""Vietnamese analysis: one matching form per syllable, pyvi's own segmentation, and offsets
that point into the original (un-normalized) text, checked on the real corpora."""

from __future__ import annotations

import gzip
import json
import random
import time
import unicodedata
from pathlib import Path

import pytest
from pyvi.ViTokenizer import ViTokenizer

from newssearch.text.analysis import (
    _crf_form,
    _crf_labels,
    analyze,
    fold,
    is_folded,
    normalize,
    stopwords,
)

CORPORA = ("corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz")
SEED = Path(__file__).resolve().parents[1] / "sample" / "seed_phong_tho.txt"
SAMPLE_DANTRI = SEED.parent / "dantri.jsonl.gz"

# Tone marks as combining characters: huyền, sắc, hỏi, ngã, nặng.
TONES = {"huyen": "\u0300", "sac": "\u0301", "hoi": "\u0309", "nga": "\u0303", "nang": "\u0323"}


def NFC(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def NFD(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def texts(tokens, kind: str | None = None) -> list[str]:
    return [t.text for t in tokens if kind is None or t.kind == kind]


# --- tone placement ------------------------------------------------------------------------

# (base, old-style position: the tone sits on the vowel before the last one)
OPEN_ENDINGS = [("hoa", 1), ("khoe", 2), ("thuy", 2), ("xoa", 1), ("loe", 1), ("uy", 0),
                ("tuy", 1)]


def tone_pairs():
    """Every oa/oe/uy ending x 5 tones: (old placement, new placement), both NFC."""
    for base, i in OPEN_ENDINGS:
        for name, mark in TONES.items():
            old = NFC(base[: i + 1] + mark + base[i + 1 :])
            new = NFC(base + mark)
            yield pytest.param(old, new, id=f"{base}-{name}")


def test_tone_pairs_are_real_alternatives():
    # The generated pairs are the spellings readers meet, e.g. hòa/hoà, thủy/thuỷ, khỏe/khoẻ.
    pairs = {(p.values[0], p.values[1]) for p in tone_pairs()}
    assert {("hòa", "hoà"), ("thủy", "thuỷ"), ("khỏe", "khoẻ"), ("họa", "hoạ"),
            ("thụy", "thuỵ"), ("khóe", "khoé"), ("hõa", "hoã"), ("thúy", "thuý"),
            ("khòe", "khoè")} <= pairs
    assert len(pairs) == len(OPEN_ENDINGS) * 5
    assert all(old != new for old, new in pairs)


@pytest.mark.parametrize(("old", "new"), list(tone_pairs()))
def test_tone_placement_normalizes_both_ways(old: str, new: str):
    for form in (str.lower, str.upper, str.title):
        assert normalize(form(old)) == new, (form.__name__, old)
        assert normalize(form(new)) == new, (form.__name__, new)
        assert normalize(NFD(form(old))) == new
        assert normalize(NFD(form(new))) == new
    assert fold(old) == fold(new) == fold(new.upper())
    # What pyvi sees: the new placement, capitals kept (its features are case-sensitive).
    assert _crf_form(old.title()) == new.title()
    assert _crf_form(old.upper()) == new.upper()


@pytest.mark.parametrize("word", ["hoàng", "Hoàng", "thuyết", "THUYẾT", "hoạch", "quyền",
                                  "huỳnh", "khoảng", "thuở", "hoài", "khuya", "ngoèo",
                                  "quá", "của", "người"])
def test_syllables_outside_the_rule_keep_their_tone(word: str):
    assert normalize(word) == NFC(word).lower()
    assert normalize(NFD(word)) == NFC(word).lower()


def test_tone_placement_in_running_text():
    old = "Hòa Bình, Thủy lợi và sức khỏe; HÒA GIẢI, Khánh Hòa"
    new = "Hoà Bình, Thuỷ lợi và sức khoẻ; HOÀ GIẢI, Khánh Hoà"
    assert normalize(old) == normalize(new) == "hoà bình, thuỷ lợi và sức khoẻ; hoà giải, khánh hoà"
    a, b = analyze(old), analyze(new)
    assert texts(a) == texts(b)
    assert [(t.startchar, t.endchar) for t in a] == [(t.startchar, t.endchar) for t in b]
    assert {"hoà_bình", "thuỷ_lợi", "sức_khoẻ", "khánh_hoà"} <= set(texts(a, "word"))


@pytest.mark.parametrize("text", [
    "Đảng bộ huyện Phong Thổ",
    "Sức khỏe, thủy lợi, hòa giải: KT-XH năm 2020 đạt 20,49%",
    "Tự động hóa và Tin học — ĐHQGHN",
    "ỨNG DỤNG KHOA HỌC KỸ THUẬT",
])
def test_normalize_is_nfc_nfd_invariant(text: str):
    expected = normalize(NFC(text))
    assert normalize(NFD(text)) == expected
    assert unicodedata.is_normalized("NFC", expected)
    assert expected == expected.lower()
    # The analysis is the same too, apart from offsets (NFD text is longer).
    assert texts(analyze(NFD(text))) == texts(analyze(NFC(text)))


def test_normalize_keeps_separators():
    assert normalize("phát_triển") == "phát_triển"
    assert normalize("KT-XH") == "kt-xh"
    assert normalize("TP.HCM") == "tp.hcm"
    assert normalize("Hòa_Bình") == "hoà_bình"


# --- fold ----------------------------------------------------------------------------------

VI_LETTERS = ("aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợ"
              "pqrstuùúủũụưừứửữựvxyỳýỷỹỵ")


def test_fold_removes_every_mark_and_maps_d():
    assert fold("Đường") == "duong"
    assert fold("đ") == fold("Đ") == "d"
    assert fold("Nguyễn Thị Hồng Nhung") == "nguyen thi hong nhung"
    assert fold("phát_triển") == "phat_trien"
    for ch in VI_LETTERS + VI_LETTERS.upper():
        f = fold(ch)
        assert len(f) == 1 and f.isascii() and f.islower(), ch
        assert fold(NFD(ch)) == f
    assert fold(VI_LETTERS) == ("a" * 18 + "bcdd" + "e" * 12 + "gh" + "i" * 6 + "klmn" + "o" * 18
                                + "pqrst" + "u" * 12 + "vx" + "y" * 6)


def test_is_folded():
    assert is_folded("phong_tho") and is_folded("kt-xh") and is_folded("2020")
    assert not is_folded("thổ") and not is_folded("đi") and not is_folded("Phong")


# --- token kinds ---------------------------------------------------------------------------


def test_numbers_stay_whole():
    text = "Đỉnh Everest cao 8.848 m; 28 người, năm 2020 còn 20,49%"
    toks = analyze(text)
    for number in ("8.848", "28", "2020", "20,49"):
        [t] = [t for t in toks if t.text == number]
        assert text[t.startchar:t.endchar] == number
    # 8.848 and 20,49 are composites whose digit groups are also syllables (phrases use them).
    assert {t.text: t.kind for t in toks if t.text in ("8.848", "20,49", "28", "2020")} == {
        "8.848": "comp", "20,49": "comp", "28": "syl", "2020": "syl"}
    assert {"8", "848", "20", "49"} <= set(texts(toks, "syl"))
    assert "cao_8" not in texts(toks) and not any(
        t.kind == "word" and any(c.isdigit() for c in t.text) for t in toks)


def test_composites_kept_whole_plus_parts():
    text = "KT-XH của TP.HCM và COVID-19, UBND tỉnh"
    toks = analyze(text)
    by = {(t.kind, t.text): t for t in toks}
    for comp, parts in (("kt-xh", ["kt", "xh"]), ("tp.hcm", ["tp", "hcm"]),
                        ("covid-19", ["covid", "19"])):
        c = by[("comp", comp)]
        ps = [by[("syl", p)] for p in parts]
        assert c.pos == ps[0].pos and ps[1].pos == ps[0].pos + 1
        assert (c.startchar, c.endchar) == (ps[0].startchar, ps[1].endchar)
        assert c.folded == comp
    ubnd = [t for t in toks if t.text == "ubnd"]
    assert [(t.kind, text[t.startchar:t.endchar]) for t in ubnd] == [("syl", "UBND")]
    # Syllable positions are consecutive: kt xh của tp hcm và covid 19 ubnd tỉnh.
    assert [t.text for t in sorted((t for t in toks if t.kind == "syl"), key=lambda t: t.pos)] \
        == ["kt", "xh", "của", "tp", "hcm", "và", "covid", "19", "ubnd", "tỉnh"]
    assert sorted(t.pos for t in toks if t.kind == "syl") == list(range(10))


def test_pyvi_compounds_present():
    text = "Huyện Phong Thổ, tỉnh Lai Châu phát triển kinh tế - xã hội"
    toks = analyze(text)
    words = {t.text: t for t in toks if t.kind == "word"}
    assert {"phát_triển", "lai_châu", "phong_thổ", "kinh_tế", "xã_hội"} <= set(words)
    w = words["lai_châu"]
    assert text[w.startchar:w.endchar] == "Lai Châu" and w.folded == "lai_chau"
    # A word sits at the position of its first syllable.
    assert w.pos == next(t.pos for t in toks if t.kind == "syl" and t.text == "lai")
    # Words never span punctuation: "kinh tế - xã hội" gives two words, not one.
    assert not any("-" in t for t in words)
    assert analyze(text, words=False) == [t for t in toks if t.kind != "word"]


def pyvi_words(text: str) -> list[str]:
    return sorted(normalize(w) for w in ViTokenizer.tokenize(text).split() if "_" in w)


@pytest.mark.parametrize(("text", "expected"), [
    ("Liên minh Châu Âu", ["châu_âu", "liên_minh"]),
    ("liên minh châu Âu", ["liên_minh"]),
    ("Hội đồng Châu Âu và châu Âu", ["châu_âu", "hội_đồng"]),
    ("phát triển tỉnh Lai Châu", ["lai_châu", "phát_triển"]),
])
def test_case_sensitive_compounds_agree_with_pyvi(text: str, expected: list[str]):
    ours = sorted(texts(analyze(text), "word"))
    assert ours == expected
    assert ours == pyvi_words(text)


def real_texts() -> list[str]:
    out = [SEED.read_text(encoding="utf-8")]
    with gzip.open(SAMPLE_DANTRI, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= 6:
                break
            r = json.loads(line)
            out += [r["title"], r["lead"], r["body"]]
    return out


def test_crf_labels_equal_pyvi_predict():
    checked = 0
    for text in real_texts():
        items = ViTokenizer.sylabelize(text)[1]
        assert items
        theirs = ViTokenizer.model.predict([ViTokenizer.sent2features(items, False)])[0]
        assert _crf_labels(items) == list(theirs)
        checked += len(items)
    assert checked > 5000


# --- offsets: every token of the real data -------------------------------------------------


def _corpus_records(shared: Path, n_any: int = 700, n_not_nfc: int = 300) -> list[dict]:
    """``n_any`` NFC records drawn from all corpora plus ``n_not_nfc`` records whose text is
    not NFC (mostly vietnews, ~5% of it), seed 0."""
    lines: list[bytes] = []
    for name in CORPORA:
        with gzip.open(shared / name, "rb") as f:
            lines += [ln for ln in f.read().split(b"\n") if ln.strip()]
    not_nfc = [i for i, ln in enumerate(lines)
               if not unicodedata.is_normalized("NFC", ln.decode("utf-8"))]
    assert len(not_nfc) >= n_not_nfc
    skip = set(not_nfc)
    rng = random.Random(0)
    chosen = rng.sample([i for i in range(len(lines)) if i not in skip], n_any)
    chosen += rng.sample(not_nfc, n_not_nfc)
    return [json.loads(lines[i]) for i in chosen]


@pytest.fixture(scope="module")
def corpus_records(shared_data: Path) -> list[dict]:
    return _corpus_records(shared_data)


def _record_texts(r: dict) -> list[str]:
    return [t for t in (r.get("title"), r.get("lead"), r.get("body"), *r.get("captions", []))
            if t]


def _expected(kind: str, raw: str) -> str:
    if kind == "word":  # several syllables with whitespace between
        return "_".join(normalize(s) for s in raw.split())
    return normalize(raw)


@pytest.mark.slow
def test_offsets_point_into_the_original_text(shared_data: Path, corpus_records):
    t0 = time.perf_counter()
    docs = [(p.name, p.read_bytes().decode("utf-8"))
            for p in sorted((shared_data / "raw_pages").glob("*.txt"))]
    assert len(docs) == 251
    docs += [(r["id"], t) for r in corpus_records for t in _record_texts(r)]
    not_nfc = sum(not unicodedata.is_normalized("NFC", t) for _, t in docs)
    assert not_nfc >= 300
    checked = 0
    kinds: dict[str, int] = {}
    mismatches = []
    for name, text in docs:
        toks = analyze(text)
        syl_pos = sorted(t.pos for t in toks if t.kind == "syl")
        if syl_pos != list(range(len(syl_pos))):
            mismatches.append((name, "syllable positions not consecutive"))
        for tok in toks:
            checked += 1
            kinds[tok.kind] = kinds.get(tok.kind, 0) + 1
            raw = text[tok.startchar:tok.endchar]
            ok = (
                _expected(tok.kind, raw) == tok.text
                and fold(tok.text) == tok.folded
                and raw == raw.strip()
                and (tok.kind == "word") == any(c.isspace() for c in raw)
            )
            if not ok:
                mismatches.append((name, tok, raw))
    print(f"\noffset test: {len(docs)} texts ({not_nfc} not NFC), {checked} tokens {kinds}, "
          f"{len(mismatches)} mismatches, {time.perf_counter() - t0:.1f}s")
    assert mismatches == []
    assert checked > 500_000 and kinds["word"] > 50_000 and kinds["comp"] > 1_000


@pytest.mark.slow
def test_nfd_records_analyze_like_their_nfc_form(corpus_records):
    decomposed = [t for r in corpus_records for t in _record_texts(r)
                  if not unicodedata.is_normalized("NFC", t)]
    assert len(decomposed) >= 300
    for text in decomposed:
        a, b = analyze(text), analyze(NFC(text))
        assert [(t.kind, t.text, t.folded, t.pos) for t in a] == \
               [(t.kind, t.text, t.folded, t.pos) for t in b]


# --- stopwords -----------------------------------------------------------------------------


def test_stopwords():
    sw = stopwords()
    assert "và" in sw and "của" in sw
    assert all(w == normalize(w) and " " not in w for w in sw)
    assert any("_" in w for w in sw)  # multi-syllable entries are joined like pyvi words


def test_stopwords_are_still_indexed():
    text = "Hà Nội và TP.HCM"
    toks = analyze(text)
    [va] = [t for t in toks if t.text == "và"]
    assert va.kind == "syl" and text[va.startchar:va.endchar] == "và" and va.pos == 2
    # A phrase over the stopword keeps consecutive positions: hà nội và tp hcm.
    syls = sorted((t for t in toks if t.kind == "syl"), key=lambda t: t.pos)
    assert [t.text for t in syls] == ["hà", "nội", "và", "tp", "hcm"]
    assert [t.pos for t in syls] == [0, 1, 2, 3, 4]


def test_loading_pyvi_leaves_no_temp_model_file(tmp_path):
    """sklearn-crfsuite writes pyvi's model to a temp file on load; cron runs must not pile
    them up in /tmp."""
    import os
    import subprocess
    import sys

    code = "from newssearch.text.analysis import analyze; analyze('phát triển kinh tế')"
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert list(tmp_path.iterdir()) == []
