"""How fast is this machine right now: ms per request of the dev queries through the Flask
test client in one process (no HTTP, no gunicorn), after one pass to warm the caches.

Run it beside a load benchmark (web_load.py, swap_load.py): the host's speed varies, and a
figure from a slow stretch reads as a slower program unless this one moved with it.

    .venv/bin/python bench/calibrate.py --index /tmp/nsbench/full3
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from urllib.parse import urlencode

from newssearch.web import create_app

QUERIES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dev_queries.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--queries", default=str(QUERIES))
    args = ap.parse_args()
    if not Path(args.queries).exists():
        raise SystemExit(f"{args.queries} is missing (../shared/data beside the project)")
    app = create_app({"INDEX_DIR": args.index, "RATE_LIMIT_ENABLED": False})
    client = app.test_client()
    lines = Path(args.queries).read_text(encoding="utf-8").splitlines()
    paths = ["/api/search?" + urlencode({"q": json.loads(ln)["query"]})
             for ln in lines if ln.strip()]
    for p in paths:  # warm: postings, phrases, model
        client.get(p)
    t0 = time.perf_counter()
    for p in paths:
        client.get(p)
    ms = (time.perf_counter() - t0) / len(paths) * 1000
    print(f"{ms:.2f} ms per /api/search request ({len(paths)} dev queries, one process)")


if __name__ == "__main__":
    main()
