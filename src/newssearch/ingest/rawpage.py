"""Parser for raw news-page scrapes in the Báo Lai Châu layout (see ../shared/data/README.md).

A page looks like this (blank lines between most lines; ``·`` is a line holding only NBSP)::

    Chủ Nhật, 29/11/2020 05:21:00 GMT+7        crawl time
    Tin đăng lúc 25-10-2020                     published (an optional time may follow)
    <title>
    <lead>
    <title again>                               directly under the lead, no blank line
    <photo caption>                             directly under the repeated title, optional
    <paragraph> · <paragraph> · ... · <byline>  NBSP lines separate the paragraphs
    Tin liên quan:  <related title (DD/MM/YYYY)> ...
    Tag: <category>, <tag>, ...
    | Mã Khác / Ý kiến bạn đọc : / <> / Quảng cáo / Về đầu trang   (boilerplate)

Scrapes arrive with CRLF, a BOM, decomposed (NFD) accents or extra blank lines, so markers
are matched on an NFC copy of each line while the text itself is returned exactly as given
(only stripped of surrounding whitespace): the indexer decides about normalisation, not us.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from newssearch.errors import PageError
from newssearch.model import LOCAL_TZ, Article, parse_datetime

NBSP = "\xa0"

# Lines that end the article body: everything from here on is page furniture.
_FOOTER = {"| Mã Khác", "Ý kiến bạn đọc:", "Về đầu trang"}
# Furniture that can also sit between paragraphs (ad slots): dropped wherever it appears.
_DROP = {"<>", "Quảng cáo"}
_RELATED_RE = re.compile(r"Tin liên quan\s*:?", re.IGNORECASE)
_TAGS_RE = re.compile(r"Tags?\s*:.*", re.IGNORECASE)
_PUBLISHED_RE = re.compile(r"Tin đăng lúc\s*:?\s*(.*)", re.IGNORECASE)
_WEEKDAY = r"(?:Thứ\s+(?:Hai|Ba|Tư|Năm|Sáu|Bảy|\d)|Chủ\s+Nhật)"
_TIME = r"(\d{1,2})[:h](\d{2})(?::(\d{2}))?"
_ZONE = r"(?:\s*\(?(?:GMT|UTC)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\)?)?"
# Crawl line: optional weekday, d/m/Y, time, optional GMT offset; the whole line.
_CRAWL_RE = re.compile(
    rf"(?:{_WEEKDAY}\s*,?\s*)?((\d{{1,2}})/(\d{{1,2}})/(\d{{4}})\s+{_TIME}{_ZONE})",
    re.IGNORECASE,
)
# Value after "Tin đăng lúc": d-m-Y (or d/m/Y, d.m.Y), optional time and zone.
_PUBDATE_RE = re.compile(
    rf"(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{4}})(?:\s*[,\s]\s*(?:lúc\s+)?{_TIME}{_ZONE})?",
    re.IGNORECASE,
)
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RELATED_DATE_RE = re.compile(r"\s*\(\d{1,2}/\d{1,2}/\d{4}\)$")
_URL_RE = re.compile(r"https?://\S+")
# A byline ends without sentence punctuation (README "Raw page scrapes").
_SENTENCE_END = (".", "!", "?", "…", "”", "»", '"', "'", ";", ":")
BYLINE_MAX_WORDS = 8


@dataclass
class _Line:
    """One content line: ``text`` as given (stripped), ``key`` its NFC form for matching."""

    text: str
    key: str
    gap_before: bool  # a blank line (or more) separates it from the previous content line
    brk_before: bool  # an NBSP paragraph break separates it from the previous content line


def decode_page(data: bytes) -> str:
    """Bytes -> text; rejects binaries and non-UTF-8 so they are reported, not indexed."""
    if b"\x00" in data:
        raise PageError("binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PageError("not UTF-8") from None
    return text.removeprefix("\ufeff")


def read_page(path: str, page_id: str) -> Article:
    """Read and parse one page file; raises PageError (or OSError) when it can't be used."""
    with open(path, "rb") as f:
        data = f.read()
    return parse_page(decode_page(data), page_id)


def _key(text: str) -> str:
    """Matching form of a line: NFC, single spaces, no space before a colon."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split()).replace(" :", ":")


def _lines(text: str) -> list[_Line]:
    """Content lines with what separated them; blank runs collapse, NBSP lines become breaks."""
    out: list[_Line] = []
    gap = brk = False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = raw.strip()
        if not stripped:
            if NBSP in raw:
                brk = True
            gap = True
            continue
        key = _key(stripped)
        if key in _DROP:
            continue
        out.append(_Line(stripped, key, gap, brk))
        gap = brk = False
    return out


def _zone(sign: str | None, hours: str | None, minutes: str | None) -> tzinfo:
    if not sign or hours is None:
        return LOCAL_TZ
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-delta if sign == "-" else delta)


def _datetime(day: str, month: str, year: str, hh: str | None, mm: str | None,
              ss: str | None, sign: str | None, zh: str | None, zm: str | None) -> datetime:
    """Build an aware datetime; no time means local midnight, no zone means Vietnam time."""
    return datetime(int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0),
                    tzinfo=_zone(sign, zh, zm))


def _parse_crawl(line: _Line) -> datetime | None:
    """The crawl-time line, or None when ``line`` isn't one. Raises PageError if invalid."""
    m = _CRAWL_RE.fullmatch(line.key)
    if not m:
        return None
    try:
        return _datetime(*m.group(2, 3, 4, 5, 6, 7, 8, 9, 10))
    except ValueError:
        raise PageError(f"unparseable date '{m.group(1)}'") from None


def _parse_published(value: str) -> datetime:
    """The page's own D-M-Y form (optional time); an ISO 8601 value is accepted too."""
    m = _PUBDATE_RE.fullmatch(value)
    try:
        if m:
            return _datetime(*m.groups())
        if _ISO_RE.match(value):
            return parse_datetime(value)
        raise ValueError(value)
    except ValueError:
        raise PageError(f"unparseable date '{value}'") from None


def _is_footer(line: _Line) -> bool:
    return (line.key in _FOOTER or _RELATED_RE.fullmatch(line.key) is not None
            or _TAGS_RE.fullmatch(line.key) is not None)


def is_byline(text: str) -> bool:
    """The page layout's byline rule: at most 8 words, no closing sentence punctuation."""
    return len(text.split()) <= BYLINE_MAX_WORDS and not text.endswith(_SENTENCE_END)


def _split_header(title_key: str, lines: list[_Line]) -> tuple[str, list[str], list[_Line]]:
    """Lead, captions and the remaining (body) lines of what follows the title.

    The anchor is the repeated title: the lead sits above it, captions hang directly under it
    (no blank line), the body starts at the next blank line. Without the repeat, the first
    block before the first paragraph break is taken as the lead if another block follows it.
    """
    first_break = next((i for i, ln in enumerate(lines) if ln.brk_before), len(lines))
    rep = next((i for i in range(first_break) if lines[i].key == title_key), None)
    if rep is None:
        blocks = [i for i in range(1, first_break) if lines[i].gap_before]
        if not blocks:
            return "", [], lines
        return " ".join(ln.text for ln in lines[: blocks[0]]), [], lines[blocks[0]:]
    lead = " ".join(ln.text for ln in lines[:rep])
    j = rep + 1
    while j < len(lines) and lines[j].key == title_key and not lines[j].gap_before:
        j += 1  # the lead itself equalled the title: skip the real repeat too
    captions: list[str] = []
    while j < len(lines) and not lines[j].gap_before:
        captions.append(lines[j].text)
        j += 1
    return lead, captions, lines[j:]


def parse_page(text: str, page_id: str, url: str | None = None) -> Article:
    """Parse page text into an Article with id ``url or page_id``; raises PageError."""
    lines = _lines(text)
    crawled_at: datetime | None = None
    published: datetime | None = None
    seen_date = False
    i = 0
    # Header lines before the title: crawl time, "Tin đăng lúc", a bare URL.
    while i < len(lines):
        line = lines[i]
        if crawled_at is None and (dt := _parse_crawl(line)) is not None:
            crawled_at = dt
            seen_date = True
        elif m := _PUBLISHED_RE.fullmatch(line.key):
            published = _parse_published(m.group(1).strip())
            seen_date = True
        elif _URL_RE.fullmatch(line.text):
            url = url or line.text
        else:
            break
        i += 1
    if not seen_date:
        raise PageError("not a raw page (no date line)")
    if i == len(lines) or _is_footer(lines[i]):
        raise PageError("no title")
    title = lines[i]
    end = next((j for j in range(i + 1, len(lines)) if _is_footer(lines[j])), len(lines))
    lead, captions, body_lines = _split_header(title.key, lines[i + 1:end])
    body = [ln.text for ln in body_lines]
    author = None
    if len(body) >= 2 and is_byline(body[-1]):
        author = body.pop()
    related: list[str] = []
    tags: list[str] = []
    in_related = False
    for line in lines[end:]:
        if _RELATED_RE.fullmatch(line.key):
            in_related = True
        elif _TAGS_RE.fullmatch(line.key):
            in_related = False
            # The marker is ASCII, so split the text as given (keeps NFD tags NFD).
            tags += [t for t in (x.strip() for x in line.text.split(":", 1)[1].split(",")) if t]
        elif line.key in _FOOTER:
            in_related = False
        elif in_related:
            related.append(_RELATED_DATE_RE.sub("", line.text))
    return Article(
        id=url or page_id,
        title=title.text,
        body=body,
        lead=lead,
        published=published,
        crawled_at=crawled_at,
        author=author,
        tags=tags,
        # The layout has no section field: its first tag is the section (truth.jsonl agrees on
        # every page with tags), so that is the category; untagged pages have none.
        category=tags[0] if tags else None,
        url=url,
        captions=captions,
        related_titles=related,
    )
