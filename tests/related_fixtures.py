"""The ``related_index`` fixture: a small real index for the related-articles, duplicates and
widget tests (registered by conftest.py through ``pytest_plugins``).

Contents: the first 60 sample dantri articles (six per category), plus crafted records:
copies of one sample article under other ids (same title from another source; the same text
lightly edited under a new title; an undated copy), and a three-article story about a
made-up place (Quenzelo-Varn) whose middle article's title carries an HTML payload, so the
widget tests can check it shows as text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from newssearch.index.writer import rebuild
from newssearch.model import LOCAL_TZ, Article

XSS_TITLE = "Quenzelo-Varn <img src=x onerror=alert(1)> mở lại cầu treo"
STORY = "Quenzelo-Varn"


@dataclass
class RelatedIndex:
    root: Path
    articles: list[Article]
    original: Article  # the sample article that has copies
    copies: list[str]  # ids of its copies
    story: list[str]  # ids of the made-up story (the second one has XSS_TITLE)

    def by_id(self, article_id: str) -> Article:
        return next(a for a in self.articles if a.id == article_id)


def _story() -> list[Article]:
    body = ("Cầu treo Quenzelo-Varn bắc qua sông Lumiro nối hai bản Kestrava và Orlindo. "
            "Mùa lũ năm nay nước sông Lumiro dâng cao, làm hư hỏng trụ cầu treo. "
            "Người dân bản Kestrava phải đi đò qua sông để đưa con tới trường.")

    def at(day: int) -> datetime:
        return datetime(2021, 3, day, 8, 0, tzinfo=LOCAL_TZ)

    return [
        Article("story-1", "Lũ cuốn trôi trụ cầu treo Quenzelo-Varn trên sông Lumiro",
                [body, "Chính quyền đã cấm người đi qua cầu treo."],
                "Nước sông Lumiro dâng cao làm hư hỏng cầu treo Quenzelo-Varn.", at(2),
                category="Xã hội", tags=["cầu treo", "Lumiro"], source="kiemthu.vn"),
        Article("story-2", XSS_TITLE,
                [("Sau ba tuần sửa chữa, cầu treo Quenzelo-Varn trên sông Lumiro đã thông xe. "
                 "Người dân bản Kestrava và Orlindo không còn phải đi đò qua sông.")],
                "Cầu treo Quenzelo-Varn bắc qua sông Lumiro đã được sửa xong.", at(20),
                category="Xã hội", tags=["cầu treo"], source="kiemthu.vn"),
        Article("story-3", "Bản Kestrava đón khách du lịch sau khi sửa cầu treo Quenzelo-Varn",
                [("Du khách tới bản Kestrava bên sông Lumiro ngày càng đông. "
                 "Cầu treo Quenzelo-Varn là điểm chụp ảnh nổi tiếng của bản Orlindo.")],
                "Cầu treo Quenzelo-Varn thu hút khách du lịch tới bản Kestrava.", at(28),
                category="Du lịch", tags=["Lumiro"], source="kiemthu.vn"),
    ]


def _copies(a: Article) -> list[Article]:
    edited = [p.replace(",", "") for p in a.body]  # punctuation differs: the text does not
    return [
        dataclasses.replace(a, id="copy-same-title", source="baomoi.com", published=None,
                            url=None, body=[a.body[0]] if a.body else []),
        dataclasses.replace(a, id="copy-same-text", title="Bản sao: " + a.title[::-1],
                            body=edited, source="baomoi.com"),
        dataclasses.replace(a, id="copy-undated", title=a.title.upper(), published=None,
                            source="vietnews"),
    ]


@pytest.fixture(scope="session")
def related_index(sample_articles, tmp_path_factory) -> RelatedIndex:
    per_cat: dict[str, list[Article]] = {}
    for a in sample_articles:
        if a.category and len(per_cat.setdefault(a.category, [])) < 6:
            per_cat[a.category].append(a)
    picked = [a for group in per_cat.values() for a in group]
    original = next(a for a in picked if len(" ".join(a.body)) > 1500)
    copies = _copies(original)
    story = _story()
    articles = [*picked, *copies, *story]
    root = tmp_path_factory.mktemp("related_index") / "index"
    rebuild(root, articles, procs=1)
    return RelatedIndex(root, articles, original, [c.id for c in copies],
                        [s.id for s in story])
