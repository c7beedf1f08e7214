"""Vietnamese display conventions for the pages: ``20/04/2021``, ``Tháng 10/2020``, ``1.234``.

Registered as Jinja filters by the app factory, so templates never format by hand.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from newssearch.model import LOCAL_TZ
from newssearch.text import sources


def number(n: float) -> str:
    """Thousands with dots, decimals with a comma: 1234 -> ``1.234``, 0.5 -> ``0,5``."""
    if isinstance(n, float) and not n.is_integer():
        whole, _, frac = f"{n:.2f}".rstrip("0").partition(".")
        return number(int(whole)) + ("," + frac if frac else "")
    return f"{int(n):,}".replace(",", ".")


def _local(value: str | datetime | None) -> datetime | None:
    if not value:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value.astimezone(LOCAL_TZ) if value.tzinfo is not None else value


def date_vi(value: str | datetime | None) -> str:
    """A date or datetime (or its ISO text) as ``20/04/2021``, in Vietnam's time zone."""
    dt = _local(value)
    return dt.strftime("%d/%m/%Y") if dt else ""


def datetime_vi(value: str | datetime | None) -> str:
    """``20/04/2021 08:30``; just the date for midnight (a source that gave only the day)."""
    dt = _local(value)
    if dt is None:
        return ""
    return dt.strftime("%d/%m/%Y" if (dt.hour, dt.minute) == (0, 0) else "%d/%m/%Y %H:%M")


def month_vi(value: str) -> str:
    """A month facet value ``2020-10`` as ``Tháng 10/2020``."""
    y, _, m = value.partition("-")
    return f"Tháng {int(m)}/{y}" if y.isdigit() and m.isdigit() else value


def seconds_vi(ms: float) -> str:
    """Search time for the reader: ``0,005 giây``."""
    s = ms / 1000
    text = f"{s:.3f}" if s < 1 else f"{s:.2f}"
    return text.replace(".", ",") + " giây"


def install(app: Flask) -> None:
    app.add_template_filter(number, "number")
    app.add_template_filter(date_vi, "date_vi")
    app.add_template_filter(datetime_vi, "datetime_vi")
    app.add_template_filter(month_vi, "month_vi")
    app.add_template_filter(seconds_vi, "seconds_vi")
    app.add_template_filter(sources.name, "source_name")
