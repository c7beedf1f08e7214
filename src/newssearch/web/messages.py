"""The pages' error texts in Vietnamese: a headline and advice per HTTP status, and one
sentence per bad parameter.

The library's and the API's messages stay English (they are for developers); readers of the
HTML pages get these instead, built from which parameter was wrong and how
(:class:`~newssearch.web.params.ParamError`), never from the English text.
"""

from __future__ import annotations

from newssearch.errors import ParamError
from newssearch.web.fmt import number

# Headline and advice of the Vietnamese error page, by status.
PAGE_TEXT = {
    400: ("Yêu cầu không hợp lệ", "Hãy kiểm tra lại từ khóa hoặc bộ lọc rồi tìm lại."),
    404: ("Không tìm thấy trang", "Trang bạn tìm không có hoặc đã bị xóa. Hãy thử tìm bài viết."),
    405: ("Phương thức không được hỗ trợ", "Trang này chỉ mở được bằng đường dẫn thông thường."),
    413: ("Dữ liệu gửi lên quá lớn", "Hãy gửi nội dung ngắn hơn."),
    414: ("Địa chỉ quá dài", "Hãy rút ngắn từ khóa hoặc bớt bộ lọc."),
    429: ("Quá nhiều yêu cầu", "Xin chờ một lát rồi thử lại."),
    500: ("Lỗi máy chủ", "Lỗi đã được ghi lại. Xin thử lại sau ít phút."),
    503: ("Dịch vụ tạm thời chưa sẵn sàng", "Chỉ mục tìm kiếm chưa được nạp. Xin thử lại sau."),
}

LABELS = {
    "q": "Từ khóa", "tag": "Thẻ", "category": "Chuyên mục", "source": "Nguồn",
    "from": "Ngày bắt đầu (from)", "to": "Ngày kết thúc (to)", "sort": "Cách sắp xếp (sort)",
    "page": "Số trang (page)", "per_page": "Số kết quả mỗi trang (per_page)",
    "facets": "Nhóm lọc (facets)", "recency": "Mức ưu tiên bài mới (recency)",
    "match": "Kiểu khớp (match)", "literal": "Tìm chính xác (literal)",
    "fold": "Gộp bài trùng (fold)", "snippets": "Đoạn trích (snippets)",
    "fragment_chars": "Độ dài đoạn trích (fragment_chars)",
    "max_fragments": "Số đoạn trích (max_fragments)", "suggest": "Gợi ý (suggest)",
    "k": "Số bài liên quan (k)", "limit": "Số gợi ý (limit)",
}
CHOICE_WORDS = {
    "relevance": "liên quan nhất", "newest": "mới nhất", "all": "khớp đủ", "any": "khớp một phần",
    "tags": "thẻ", "names": "người, nơi chốn, tổ chức", "category": "chuyên mục", "source": "nguồn", "month": "tháng",
}
DATE_HINT = "hãy viết dạng 25/10/2020 hoặc 2020-10-25"
QUERY_PROBLEM = f"Từ khóa có ngày không hợp lệ sau from: hoặc to: — {DATE_HINT}."


def page_text(status: int) -> tuple[str, str]:
    """Headline and advice for an error status (an unknown 4xx reads as a bad request)."""
    return PAGE_TEXT.get(status) or PAGE_TEXT[400 if 400 <= status < 500 else 500]


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " hoặc " + words[-1]


def explain(e: Exception) -> str | None:
    """One Vietnamese sentence for a bad parameter; None when the error names none."""
    if not isinstance(e, ParamError):
        return None
    label = LABELS.get(e.param, f"Tham số {e.param}")
    sent = f"; bạn đã nhập “{e.value}”" if e.value else ""
    if e.problem == "too_long":
        return f"{label} quá dài: tối đa {number(e.hi or 0)} ký tự."
    if e.problem in ("whole", "range"):
        return f"{label} phải là số nguyên từ {number(e.lo or 0)} đến {number(e.hi or 0)}{sent}."
    if e.problem == "number":
        return f"{label} phải là một số từ {number(e.lo or 0)} đến {number(e.hi or 0)}{sent}."
    if e.problem == "flag":
        return f"{label} chỉ nhận 1 (có) hoặc 0 (không){sent}."
    if e.problem == "choice":
        words = [f"{c} ({CHOICE_WORDS[c]})" if c in CHOICE_WORDS else c for c in e.choices]
        return f"{label} chỉ nhận {_or(words)}{sent}."
    if e.problem == "date":
        return f"{label} “{e.value}” không phải một ngày hợp lệ: {DATE_HINT}."
    if e.problem == "query":
        return QUERY_PROBLEM
    return f"{label} không hợp lệ{sent}."
