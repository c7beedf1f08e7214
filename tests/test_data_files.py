"""The shipped data files load the way the analyzer and query expansion read them."""

from __future__ import annotations

from importlib import resources

from newssearch.text.analysis import normalize, stopwords


def _data(name: str) -> str:
    return (resources.files("newssearch") / "data" / name).read_text(encoding="utf-8")


def test_stopwords_load_normalized() -> None:
    words = stopwords()
    assert len(words) > 1500
    for w in ("và", "của", "là", "những", "được"):
        assert w in words
    # Multi-syllable entries are normalized and joined by "_" like pyvi compounds.
    for w in ("có_thể", "bởi_vì", "tuy_nhiên", "thời_gian", "a_lô"):
        assert w in words
    assert all(w == normalize(w) and " " not in w for w in words)


def test_stopwords_header_cites_source_and_licence() -> None:
    header = [ln for ln in _data("stopwords_vi.txt").splitlines() if ln.startswith("#")]
    text = "\n".join(header)
    assert "stopwords/vietnamese-stopwords" in text
    assert "vietnamese-stopwords.txt" in text
    assert "MIT" in text


def _abbreviations() -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate(_data("abbreviations_vi.tsv").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        assert len(cols) == 2, f"line {n}: {line!r}"
        abbr, expansion = (c.strip() for c in cols)
        assert abbr and expansion, f"line {n}: {line!r}"
        assert cols == [abbr, expansion], f"line {n}: stray spaces: {line!r}"
        rows.append((abbr, expansion))
    return rows


def test_abbreviations_parse() -> None:
    rows = _abbreviations()
    assert 120 <= len(rows) <= 250
    assert len(set(rows)) == len(rows), "duplicate lines"
    table: dict[str, set[str]] = {}
    for abbr, expansion in rows:
        table.setdefault(abbr, set()).add(normalize(expansion))
    required = {
        "UBND": "ủy ban nhân dân",
        "HĐND": "hội đồng nhân dân",
        "TP.HCM": "thành phố hồ chí minh",
        "TPHCM": "thành phố hồ chí minh",
        "TP HCM": "thành phố hồ chí minh",
        "TP": "thành phố",
        "KT-XH": "kinh tế - xã hội",
        "ĐH": "đại học",
        "THPT": "trung học phổ thông",
        "THCS": "trung học cơ sở",
        "CSGT": "cảnh sát giao thông",
        "WHO": "tổ chức y tế thế giới",
        "LHQ": "liên hợp quốc",
        "MTTQ": "mặt trận tổ quốc",
        "NĐ": "nghị định",
        "QĐ": "quyết định",
        "TW": "trung ương",
        "VN": "việt nam",
        "HN": "hà nội",
        "ATGT": "an toàn giao thông",
        "PCCC": "phòng cháy chữa cháy",
        "GD-ĐT": "giáo dục và đào tạo",
        "NHNN": "ngân hàng nhà nước",
        "TTCK": "thị trường chứng khoán",
        "BĐS": "bất động sản",
        "DN": "doanh nghiệp",
        "ĐBSCL": "đồng bằng sông cửu long",
        "HLV": "huấn luyện viên",
        "CLB": "câu lạc bộ",
        "ĐT": "đội tuyển",
    }
    for abbr, expansion in required.items():
        assert normalize(expansion) in table.get(abbr, set()), abbr
    for abbr in ("BHXH", "BHYT", "GDP", "QĐND", "CAND", "BCH", "BCĐ", "XNK", "U23"):
        assert abbr in table
