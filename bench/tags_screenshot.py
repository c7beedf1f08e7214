"""A screenshot of the search page with the extracted-tags facet, in real headless Chromium.

    python bench/tags_screenshot.py --index /work/nsbench/wt24 [--q "Donald Trump"]
                                    [--out docs/tags-facet.png]

Serves the app (Flask's development server, one thread) on a free local port, opens the
search page in Chromium through Playwright and saves a full-page PNG; also one of a tag page.
"""

from __future__ import annotations

import argparse
import socket
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from newssearch.web import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--q", default="bầu cử Mỹ")
    ap.add_argument("--tag", default="Donald Trump")
    ap.add_argument("--out", type=Path, default=DOCS / "tags-facet.png")
    ap.add_argument("--tag-out", type=Path, default=DOCS / "tags-page.png")
    args = ap.parse_args()
    app = create_app({"INDEX_DIR": str(args.index)})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{base}/?{urlencode({'q': args.q, 'tag': args.tag})}")
            page.wait_for_selector("text=Người, nơi chốn, tổ chức")
            page.screenshot(path=str(args.out), full_page=False)
            page.goto(f"{base}/tag/{quote(args.tag)}")
            page.wait_for_selector("text=Mới nhất")
            page.screenshot(path=str(args.tag_out), full_page=False)
            browser.close()
    finally:
        server.shutdown()
    print(f"{args.out}\n{args.tag_out}")


if __name__ == "__main__":
    main()
