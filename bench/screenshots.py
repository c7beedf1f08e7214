"""Screenshots of the pages as readers see them, for docs/ (PNG), in real Chromium.

    python bench/screenshots.py --url http://127.0.0.1:5000 [--out docs/screenshots]

Takes: the search page at desktop (1280 px) and phone (390 px) width, the phone filters open,
the autocomplete with its two groups, an article page reached from the results, and the widget
demo at both widths. Needs Debian's chromium (/usr/bin/chromium) and Playwright's Python
package; never downloads a browser. Prints the files it wrote.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="a running newssearch server")
    ap.add_argument("--out", default="docs/screenshots")
    ap.add_argument("--query", default="hoc sinh")
    ap.add_argument("--typed", default="gia v", help="what to type for the autocomplete")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    q = args.query.replace(" ", "+")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox"])

        def shot(page, name: str, full: bool = False) -> None:
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=full)
            print(path)

        desk = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
        desk.goto(f"{args.url}/?q={q}")
        shot(desk, "search-desktop")
        desk.goto(f"{args.url}/")
        desk.locator("#q").click()
        desk.keyboard.type(args.typed, delay=60)
        desk.locator("#q-suggest .suggest-articles [role=option]").first.wait_for()
        shot(desk, "autocomplete-desktop")
        desk.goto(f"{args.url}/?q={q}")
        with desk.expect_navigation():
            desk.locator("article.hit h2 a").first.click()
        shot(desk, "article-desktop")
        desk.goto(f"{args.url}/widget/demo")
        desk.locator(".ns-related-widget a").first.wait_for()
        desk.frame_locator("iframe").locator("a").first.wait_for()
        shot(desk, "widget-demo-desktop", full=True)

        phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                    device_scale_factor=2, locale="vi-VN").new_page()
        phone.goto(f"{args.url}/?q={q}")
        shot(phone, "search-phone")
        phone.locator(".filter-open a").click()
        phone.evaluate("window.scrollTo(0, 0)")
        shot(phone, "filters-phone")
        phone.goto(f"{args.url}/widget/demo")
        phone.locator(".ns-related-widget a").first.wait_for()
        shot(phone, "widget-demo-phone", full=True)
        browser.close()


if __name__ == "__main__":
    main()
