"""Tag extraction (text/tags.py) on real sentences of the shared corpora's kind, under the
statistics table shipped in data/ (the shared corpora's counts)."""

from __future__ import annotations

from newssearch.text.tags import MAX_TAGS, Analysis, Extractor, NameStats, baseline, lexicon


def tags(title: str, lead: str = "", body: str = "") -> list[str]:
    return Extractor(baseline()).tags(title, lead, body)


def test_people_places_organisations_with_titles_and_glued_countries_removed():
    t = tags("Ông Trump sa thải Giám đốc FBI James Comey",
             "Tổng thống Mỹ Donald Trump bất ngờ sa thải Giám đốc Cục Điều tra Liên bang "
             "(FBI) James Comey, Nhà Trắng cho biết.",
             "Theo Nhà Trắng, ông Comey bị sa thải vì cách xử lý vụ thư điện tử.\n"
             "Tổng thống Mỹ Donald Trump đã ký quyết định ngay trong ngày.")
    assert {"Donald Trump", "James Comey", "FBI", "Nhà Trắng"} <= set(t)
    assert "Mỹ Donald Trump" not in t and "Trump" not in t  # the short form counts for the full
    assert not any(x.startswith(("Tổng thống", "Giám đốc", "Theo")) for x in t)


def test_a_country_glued_before_a_leader_is_two_names():
    t = tags("Chủ tịch Trung Quốc Tập Cận Bình thăm Triều Tiên",
             "Chủ tịch Trung Quốc Tập Cận Bình đã tới Bình Nhưỡng sáng nay.")
    assert {"Tập Cận Bình", "Trung Quốc", "Triều Tiên", "Bình Nhưỡng"} <= set(t)
    assert "Trung Quốc Tập Cận Bình" not in t


def test_spellings_of_one_city_are_one_tag():
    forms = {tuple(tags(f"Giá nhà ở {city} tăng mạnh", f"Thị trường {city} sôi động."))
             for city in ("TP.HCM", "TPHCM", "TP HCM", "Thành phố Hồ Chí Minh")}
    assert len(forms) == 1 and len(next(iter(forms))) == 1


def test_openers_credits_currencies_and_cut_words_are_no_tags():
    t = tags("Sau khi Vietlott công bố kết quả",
             "Theo Reuters, giá vàng tăng 10 USD mỗi ounce. (Ảnh: AFP)",
             "Trong khi đó, Dải Ngân hà vẫn đẹp.\nNhiều người đổ xô mua vé.")
    assert "Vietlott" in t
    for noise in ("Sau", "Sau khi", "Theo", "Reuters", "USD", "AFP", "Trong", "Dải Ngân",
                  "Nhiều"):
        assert noise not in t


def test_a_withheld_name_and_a_lone_given_name_are_no_tags():
    t = tags("Bắt đối tượng trộm xe ở Thanh Hóa",
             "Nguyễn Văn H. (SN 1990, trú huyện Hoằng Hóa) bị bắt khi đang tiêu thụ xe.",
             "Anh Tuấn, người bị mất xe, cho biết Tuấn đã báo công an.")
    assert "Thanh Hóa" in t and "Hoằng Hóa" in t
    assert not any(x.startswith("Nguyễn Văn") for x in t) and "Tuấn" not in t


def test_bounded_and_the_title_first():
    body = "\n".join(f"Đoàn công tác đã đến {p} và {p} trong tuần." for p in (
        "Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Nghệ An", "Quảng Ninh", "Lào Cai"))
    t = tags("Bình Định đón đoàn khách", "", body)
    assert len(t) <= MAX_TAGS and t[0] == "Bình Định"


def test_statistics_round_trip_and_combine_without_counting_twice():
    ex = Extractor(NameStats())
    counts = NameStats()
    for _ in range(3):
        counts.add(ex.analyse("Đà Nẵng đón khách", "Du khách tới Đà Nẵng.", ""))
    back = NameStats.from_lines(counts.to_lines(min_docs=1))
    assert back.docs["đà nẵng"] == 3 and back.mid["đà nẵng"] == 3 and back.articles == 3
    both = baseline().maxed(back)
    assert both.docs["đà nẵng"] == baseline().docs["đà nẵng"]  # the larger, not the sum


def test_analysis_counts_runs_even_where_no_tag_comes_out():
    a = Extractor(baseline()).analyse("Theo ông Lê Văn Thành", "", "")
    assert isinstance(a, Analysis) and "lê văn thành" in a.raw
    assert "theo" in lexicon().titles


def test_a_leader_after_a_one_word_country_and_a_title_inside_a_run():
    t = tags("Tổng thống Nga Vladimir Putin gặp Thủ tướng Nhật Shinzo Abe",
             "Bí thư Tỉnh ủy Yên Bái Ông Đỗ Đức Duy phát biểu.")
    assert {"Nga", "Vladimir Putin", "Shinzo Abe", "Yên Bái", "Đỗ Đức Duy"} <= set(t)
    assert not any(x.startswith(("Nga ", "Yên Bái ")) for x in t)


def test_an_expansion_in_lower_case_is_one_name_glued_to_nothing():
    t = tags("Quân đội nhân dân Triều Tiên bắn thử tên lửa",
             "Bộ Y tế và Liên minh châu Âu họp tại Thành phố Hồ Chí Minh.")
    assert "Triều Tiên" in t and "Liên minh châu Âu" in t
    assert not any("Nhân Dân" in x or "Quân" in x for x in t)


def test_a_minister_after_a_country_and_a_name_starting_like_a_title():
    t = tags("Ngoại trưởng Venezuela Jorge Rodriguez tới sân bay Tân Sơn Nhất",
             "HĐQT Eximbank họp tại Hà Tĩnh.")
    assert {"Venezuela", "Jorge Rodriguez", "Tân Sơn Nhất", "Eximbank"} <= set(t)
    assert "Sơn Nhất" not in t and "HĐQT Eximbank" not in t
