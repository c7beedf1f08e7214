"""The search box's phrase table (``index/phrases.py``): what counts as a phrase, how it is
written, and that updates and deletes keep the table of a live index true."""

from __future__ import annotations

from pathlib import Path

from newssearch.index import phrases
from newssearch.index.phrases import PhraseTable, Source, count, grams, runs
from newssearch.index.store import current_build
from newssearch.index.writer import delete, update
from newssearch.model import Article


def test_runs_stop_at_punctuation_digits_and_glued_words():
    text = ("Giá vàng tăng mạnh, Hà Nội-Hải Phòng: Park Hang-seo về TP.HCM "
            "sau COVID-19 (thủ tướng,đảo) “Bắc Ninh”")
    assert list(runs(text)) == [
        ["Giá", "vàng", "tăng", "mạnh"], ["Hà"], ["Phòng"], ["Park", "Hang-seo", "về", "TP.HCM",
                                                              "sau"],
        ["thủ"], ["Bắc", "Ninh"]]


def test_grams_pair_keys_with_the_phrase_as_written():
    got = dict(grams("Thủ Tướng thăm"))
    assert got == {"thủ": "Thủ", "thủ tướng": "Thủ Tướng", "thủ tướng thăm": "Thủ Tướng thăm",
                   "tướng": "Tướng", "tướng thăm": "Tướng thăm", "thăm": "thăm"}
    assert max(len(k.split()) for k, _ in grams("a b c d e f")) == phrases.MAX_WORDS


def test_count_keeps_one_form_per_phrase_as_titles_write_it():
    docs = [Source("Giá vàng hôm nay", "Sáng nay giá vàng tăng."),
            Source("Giá vàng lao dốc", "Thị trường hoà bình, giá vàng giảm."),
            Source("Hòa bình cho khu vực", "Hoà bình là mong ước.")]
    score, shown = count(docs)
    assert shown["giá vàng"] == "Giá vàng"  # titles' form beats the leads' lower case
    # Tone placement and case make no second phrase.
    assert sum(1 for k in score if phrases.fold(k) == "hoa binh") == 1
    assert score["giá vàng"] == 2 * phrases.TITLE_WEIGHT


def test_fragments_give_way_to_the_phrase_they_are_part_of():
    docs = [Source(f"Thủ tướng Nguyễn Xuân Phúc {verb} khách", "")
            for verb in ("tiếp", "gặp", "thăm", "đón")]
    docs.append(Source("Ông Nguyễn Văn An", ""))
    score, _ = count(docs)
    assert "nguyễn xuân phúc" in score and "nguyễn xuân" not in score
    assert "nguyễn" in score  # single words stay


def test_written_table_opens_in_folded_order(tmp_path: Path):
    docs = [Source("Đà Nẵng đón khách", "Du khách đến Đà Nẵng."),
            Source("Giá vàng tăng", "Giá vàng tăng mạnh.")]
    n = phrases.write(tmp_path, docs)
    t = PhraseTable.open(tmp_path)
    assert t is not None and len(t.folded) == len(t.shown) == len(t.score) == n
    keys = [t.folded[i] for i in range(len(t.folded))]
    assert keys == sorted(keys)
    assert "Đà Nẵng" in {t.shown[i] for i in range(n)} and "da nang" in keys
    (tmp_path / phrases.DIRNAME / "header.json").write_text('{"version": 1, "phrases": 1}')
    assert PhraseTable.open(tmp_path) is None  # sizes that disagree: no table


def test_updates_and_deletes_rewrite_the_live_table(sample_index_copy: Path):
    def shown() -> set[str]:
        t = PhraseTable.open(current_build(sample_index_copy).path)
        return {t.shown[i] for i in range(len(t.shown))}

    assert "Quenzelo" not in shown()
    new = [Article(id=f"q{i}", title=f"Quenzelo Bắc Bộ số {i}", lead="Khu nghỉ Quenzelo.",
                   body=["Nội dung."]) for i in range(2)]
    update(sample_index_copy, new, procs=1)
    assert {"Quenzelo", "Quenzelo Bắc Bộ"} <= shown()
    delete(sample_index_copy, ["q0", "q1"])
    assert "Quenzelo" not in shown()
