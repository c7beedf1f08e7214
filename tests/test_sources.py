"""Source names (``text/sources.py``): the table ships and reads as readers know the outlets."""

from __future__ import annotations

from newssearch.text import sources


def test_known_domains_read_as_names_and_others_as_they_are():
    assert sources.name("dantri.com.vn") == "Dân trí"
    assert sources.name("www.VnExpress.net") == "VnExpress"
    assert sources.name("baomoi.com") == "Báo Mới"
    assert sources.name("kiemthu.vn") == "kiemthu.vn"
    assert sources.name(None) is None and sources.name("") == ""


def test_the_table_is_one_name_per_lower_case_domain():
    table = sources.names()
    assert len(table) >= 20
    assert all(d == d.lower() and " " not in d and n.strip() == n for d, n in table.items())
