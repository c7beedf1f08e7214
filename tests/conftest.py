"""Shared fixtures. ``shared_data`` finds ../shared/data (the project's real test data);
``sample_articles``/``sample_index`` give the bundled sample/ corpus and a real index of it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Fuzz tests (tests/test_fuzz_*.py): no per-example deadline (a shared 2-core machine is
# noisy); in CI the same examples every run, so a failure reproduces from the log.
# Example counts come from these profiles only (tests set none of their own, or cap it at
# ``settings().max_examples`` when an example is costly): ``make test`` runs "ci" or "dev",
# ``make check`` passes ``--hypothesis-profile=check``.
settings.register_profile("dev", deadline=None, max_examples=1000)
settings.register_profile("ci", deadline=None, max_examples=1000, derandomize=True,
                          database=None)
settings.register_profile("check", deadline=None, max_examples=40, derandomize=True,
                          database=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
# Rate limits are off for the tests (and the servers they start) that do not test them;
# tests/test_security.py turns them on for its own apps.
os.environ.setdefault("NEWSSEARCH_RATE_LIMIT_ENABLED", "0")

from newssearch.index.writer import rebuild
from newssearch.ingest import IngestReport, iter_articles
from newssearch.model import Article

# Web fixtures (web_app, live_server, browser, page) shared by the web, browser and widget tests.
pytest_plugins = ["browser_fixtures", "related_fixtures"]

# The test tiers: ``make check`` runs what is left after
# ``-m "not system and not slow and not heavy"`` (heavy: marked on the test itself).
# A test is "system" when it starts servers (gunicorn, nginx, Redis), a browser, or kills
# processes: by its fixtures, or by its module being one of these.
SYSTEM_FIXTURES = {"live_server", "browser", "page"}
SYSTEM_MODULES = {"test_faults", "test_replicas", "test_limits_redis", "test_load",
                  "test_web_serving", "test_publish", "test_hostile", "test_fuzz_cli",
                  "test_web_worker"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SYSTEM_FIXTURES & set(item.fixturenames) or item.module.__name__ in SYSTEM_MODULES:
            item.add_marker(pytest.mark.system)


SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample"
SAMPLE_COUNT = 188  # 187 dantri articles + the seed page (sample/README.md)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data relative to the project root; tests needing it skip cleanly without it."""
    if not (SHARED_DATA / "README.md").is_file():
        pytest.skip(f"../shared/data not found: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_articles() -> list[Article]:
    """The 188 articles of sample/, as ``newssearch index sample/`` reads them. Do not mutate
    them (use ``dataclasses.replace``): the list is shared by the whole session."""
    report = IngestReport()
    articles = list(iter_articles([str(SAMPLE_DIR)], report))
    assert not report.skipped and len(articles) == SAMPLE_COUNT
    return articles


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, sample_articles) -> Path:
    """Root of a real index of sample/, built once per session. Read-only: tests that write
    use ``sample_index_copy``."""
    root = tmp_path_factory.mktemp("sample_index") / "index"
    rebuild(root, sample_articles, procs=1)
    return root


def copy_index(root: Path, tmp_path: Path) -> Path:
    """A private copy of the index at ``root`` (its lock file left behind)."""
    copy = tmp_path / "index"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".lock"))
    return copy


@pytest.fixture
def sample_index_copy(sample_index: Path, tmp_path: Path) -> Path:
    """A private copy of ``sample_index`` that a test may update, rebuild or break."""
    return copy_index(sample_index, tmp_path)


@pytest.fixture(scope="session")
def sample_vectors_index(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``sample_index`` with its topic vectors fitted, as ``newssearch index``
    builds it (topical search reads them). Read-only."""
    from newssearch.related.fit import write_vectors
    from newssearch.search import SearchEngine

    root = copy_index(sample_index, tmp_path_factory.mktemp("sample_vectors"))
    assert write_vectors(SearchEngine(root).snapshot()) is not None
    return root


# ---------------------------------------------------------------------------- search_index
# One real index built once per session from sample/ (187 dantri articles + the seed raw
# page) plus the crafted articles below; the search, CLI and web tests share it read-only.
CRAFTED_SOURCE = "kiemthu.vn"
MARKER = "Zorbaland"  # a made-up word, in some crafted articles only
SPACE_ID = "kiemthu/bai viet 1"  # an id with a slash and a space


def _crafted_records() -> list[dict]:
    import unicodedata

    def rec(id, title, lead, body, published, category, tags=(), url=None):
        return {"id": id, "title": title, "lead": lead, "body": body, "published": published,
                "category": category, "tags": list(tags), "source": CRAFTED_SOURCE, "url": url}

    nfd = rec(
        "x-nfd", "Nghệ nhân gốm Bát Tràng giữ lửa làng nghề",
        "Giữa lòng Hà Nội, những nghệ nhân gốm Bát Tràng vẫn miệt mài bên bàn xoay.",
        "Làng gốm Bát Tràng có lịch sử hơn năm trăm năm.\n"
        "Mỗi năm làng đón hàng nghìn lượt khách du lịch.",
        "2019-04-10", "Văn hóa", ["làng nghề", "du lịch"])
    nfd = {k: (unicodedata.normalize("NFD", v) if isinstance(v, str) and k != "id" else v)
           for k, v in nfd.items()}
    nfd["tags"] = [unicodedata.normalize("NFD", t) for t in nfd["tags"]]
    return [
        rec("x-script", 'Cảnh báo <script>alert("mã độc")</script> Zorbaland',
            "Chuyên gia cảnh báo mã độc <b>nguy hiểm</b> lây lan qua tin nhắn & thư điện tử.",
            'Đoạn mã <script>alert("mã độc")</script> được chèn vào trang web giả mạo.\n'
            "Người dùng nên cập nhật trình duyệt và phần mềm diệt virus.",
            "2019-03-05T08:00:00+07:00", "Công nghệ", ["an ninh mạng", "mã độc", MARKER],
            url="javascript:alert(1)"),
        nfd,
        rec("x-hoa-old", "Phố cổ Zorbaland mong hòa bình",
            "Người dân Zorbaland cầu mong hòa bình và thịnh vượng.",
            "Lễ cầu hòa bình diễn ra tại quảng trường trung tâm.",
            "2019-05-20T09:30:00+07:00", "Văn hóa", ["hòa bình", MARKER]),
        rec("x-ubnd", "UBND huyện Mường Tè họp khẩn về mưa lũ",
            "Chiều qua, UBND huyện Mường Tè triệu tập cuộc họp khẩn.",
            "Lãnh đạo UBND huyện yêu cầu các xã sơ tán người dân khỏi vùng sạt lở.",
            "2019-07-02", "Thời sự"),
        rec("x-uyban", "Ủy ban nhân dân huyện Mường Nhé ban hành công điện",
            "Ủy ban nhân dân huyện Mường Nhé yêu cầu ứng phó với rét đậm.",
            "Các trường học được phép cho học sinh nghỉ khi nhiệt độ dưới 10 độ C.",
            "2019-07-15", "Thời sự"),
        rec("x-laichau", "Ruộng bậc thang Zorbaland ở Lai Châu mùa nước đổ",
            "Du khách đổ về Lai Châu ngắm ruộng bậc thang.",
            "Mùa nước đổ thường bắt đầu từ tháng năm.",
            "2019-05-28T07:00:00+07:00", "Du lịch", ["Lai Châu", "du lịch", MARKER]),
        rec("x-bongda", "Giải bóng đá thiếu niên Zorbaland khai mạc",
            "Mười hai đội bóng tham dự giải bóng đá năm nay.",
            "Trận khai mạc thu hút đông đảo khán giả.",
            "2019-06-01", "Thể thao", ["bóng đá", "thiếu niên", MARKER]),
        rec("x-bong-split", "Quả bóng lăn trên đá ở Zorbaland",
            "Đứa trẻ đuổi theo quả bóng trên con dốc.",
            "Quả bóng nảy lên khi chạm vào tảng đá lớn.",
            "2019-06-10", "Đời sống"),
        rec("x-acc-exact", "Lá thư gửi mẹ từ Zorbaland", "Em viết lá thư gửi mẹ.",
            "Lá thư được gửi đi vào mùa đông.", "2019-08-01", "Đời sống"),
        rec("x-acc-folded", "Lá thu gửi mẹ từ Zorbaland", "Em viết lá thu gửi mẹ.",
            "Lá thu được gửi đi vào mùa đông.", "2019-08-02", "Đời sống"),
        rec(SPACE_ID, "Quenzelo mở cửa đón khách", "Khu nghỉ dưỡng Quenzelo mở cửa trở lại.",
            "Quenzelo đón những vị khách đầu tiên sau mùa dịch.", "2019-09-09", "Du lịch",
            url="https://kiemthu.vn/bai-viet-1"),
    ]


class SearchIndex:
    """A built index: its root, every ingested article, and the crafted records (dicts)."""

    def __init__(self, root: Path, articles: list, crafted: list[dict]):
        self.root = root
        self.articles = articles
        self.crafted = crafted
        self.by_id = {a.id: a for a in articles}


@pytest.fixture(scope="session")
def search_index(tmp_path_factory) -> SearchIndex:
    """sample/ plus the crafted articles above (as JSON Lines), indexed once. Read-only."""
    import json

    from newssearch.index.writer import rebuild
    from newssearch.ingest import IngestReport, iter_articles

    base = tmp_path_factory.mktemp("search_index")
    crafted = _crafted_records()
    jsonl = base / "crafted.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in crafted),
                     encoding="utf-8")
    report = IngestReport()
    sample = Path(__file__).resolve().parents[1] / "sample"
    articles = list(iter_articles([str(sample), str(jsonl)], report))
    assert not report.skipped, report.summary_lines()
    assert len(articles) == SAMPLE_COUNT + len(crafted)
    root = base / "index"
    rebuild(root, articles, procs=1)
    return SearchIndex(root, articles, crafted)


@pytest.fixture(scope="session")
def search_engine(search_index):
    from newssearch.search import SearchEngine

    return SearchEngine(search_index.root)
