"""``newssearch`` command line: thin wrappers over the library, for shells and cron.

Exit status (index, parse, delete): 0 all good, 3 some inputs skipped, 1 failed, 2 usage.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from newssearch.cli import indexing, replicas
from newssearch.cli import related as related_cmd
from newssearch.cli.options import (
    SafePath,
    fail,
    fail_on,
    index_option,
    memory_option,
    vectors_option,
)
from newssearch.errors import EXIT_OK, EXIT_SKIPPED, IndexingError, IndexProblem, QueryError
from newssearch.index.store import current_build
from newssearch.index.vectors import DIR as VECTORS_DIR
from newssearch.index.vectors import read_meta
from newssearch.index.writer import default_procs, delete, rebuild, update
from newssearch.ingest import IngestReport, Skip, iter_articles
from newssearch.ops import evaluation
from newssearch.related import fit as related_fit
from newssearch.search import (
    FACETS,
    MAX_PER_PAGE,
    MAX_RECENCY,
    Filters,
    SearchEngine,
    SearchRequest,
)
from newssearch.search.querylang import parse_date
from newssearch.search.request import FRAGMENT_CHARS, MAX_FRAGMENTS


def _on_skip(quiet: bool):
    def on_skip(s: Skip) -> None:
        if not quiet:
            click.echo(f"skipped {s.location}: {s.reason}", err=True)

    return on_skip


def _read(paths: tuple[str, ...], quiet: bool) -> tuple[list, IngestReport]:
    report = IngestReport()
    articles = list(iter_articles(paths, report, on_skip=_on_skip(quiet)))
    return articles, report


class _Progress:
    """A click progress bar showing articles/s; silent when stderr is not a terminal."""

    def __init__(self, total: int, label: str):
        self.t0 = time.perf_counter()
        self.done = 0
        self.bar: Any = click.progressbar(
            length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True,
            item_show_func=lambda _: f"{self.rate():.0f} articles/s" if self.done else None,
        )

    def rate(self) -> float:
        return self.done / max(time.perf_counter() - self.t0, 1e-9)

    def __call__(self, n: int) -> None:
        self.done += n
        self.bar.update(n, current_item=self.done)

    def stage(self, label: str) -> None:
        """Relabel the finished bar while a step after the articles runs."""
        self.bar.label = label
        self.bar.render_progress()

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newssearch")
def main() -> None:
    """Search a Vietnamese news archive: build an index, query it, serve it."""


@main.command("index")
@click.argument("paths", nargs=-1, required=True)
@index_option
@click.option("--rebuild", "full", is_flag=True,
              help="Build a fresh index from PATHS only and switch to it atomically "
                   "(the old index serves until the switch).")
@click.option("--procs", type=int, default=None,
              help=f"Worker processes for big batches (default: {default_procs()}).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
@click.option("--wait", is_flag=True,
              help="When another run is writing to the index, wait for it to finish "
                   "(default: refuse at once, naming its pid; exit 1).")
@memory_option
@vectors_option
def index_cmd(paths, index_dir, full, procs, quiet, wait, memory, vectors):
    """Add or update articles from PATHS (files, directories, or - for JSON Lines on stdin).

    Raw page scrapes (.txt) and JSON Lines (.jsonl, .jsonl.gz) are read; directories are
    walked recursively. Without --rebuild, new articles are added, changed ones replaced by
    id, unchanged ones skipped. Bad inputs are reported and skipped; exit status 3 says so.
    """
    root = Path(index_dir)
    if full and "-" not in paths:
        # A rebuild streams its input (memory stays within --memory whatever the corpus);
        # a first pass counts the articles for the progress bar.
        # Skips are reported (and counted) by the first pass; the second reads the same files.
        report = IngestReport()
        count = sum(1 for _ in iter_articles(paths, report, on_skip=_on_skip(quiet)))
        articles = iter_articles(paths, IngestReport())
    else:
        articles, report = _read(paths, quiet)
        count = len(articles)
    try:
        if not count and (full or current_build(root) is None):
            # A mistyped or unmounted path must not swap the live index for an empty one,
            # nor create an index with nothing in it.
            for line in report.summary_lines():
                click.echo(line, err=True)
            fail(f"nothing was ingested, so the index at {root} was not "
                  f"{'rebuilt (it is unchanged)' if full else 'created'}")
        with _Progress(count, "indexing") as prog:
            fn = rebuild if full else update
            # An update keeps vectors aligned where the build has them (a no-op without).
            res = fn(root, articles, procs=procs, progress=prog, stage=prog.stage,
                     wait=(lambda msg: click.echo(msg, err=True)) if wait else None,
                     memory_mb=memory,
                     maintain=related_fit.maintain if vectors or not (
                         full or current_build(root) is None) else None)
    except (IndexProblem, IndexingError) as e:
        fail_on(e)
    for line in report.summary_lines():
        click.echo(line, err=True)
    rate = count / res.seconds if res.seconds else 0
    click.echo(
        f"index {root} (build {res.build}): {res.added} added, {res.updated} updated, "
        f"{res.unchanged} unchanged, {len(res.duplicates)} duplicate ids ignored; "
        f"{res.total} articles in the index; {res.seconds:.1f}s ({rate:.0f} articles/s)"
    )
    sys.exit(EXIT_SKIPPED if report.skipped else EXIT_OK)


@main.command("parse")
@click.argument("paths", nargs=-1, required=True)
@click.option("-q", "--quiet", is_flag=True, help="Do not list skipped inputs one by one.")
def parse_cmd(paths, quiet):
    """Print the articles PATHS would give as JSON Lines, without touching any index.

    Useful to check what the ingester extracts, or to convert page scrapes to JSONL.
    """
    report = IngestReport()

    def on_skip(s: Skip) -> None:
        if not quiet:
            click.echo(f"skipped {s.location}: {s.reason}", err=True)

    for a in iter_articles(paths, report, on_skip=on_skip):
        click.echo(json.dumps(a.to_dict(), ensure_ascii=False))
    for line in report.summary_lines():
        click.echo(line, err=True)
    sys.exit(EXIT_SKIPPED if report.skipped else EXIT_OK)


@main.command("delete")
@click.argument("ids", nargs=-1, required=True)
@index_option
def delete_cmd(ids, index_dir):
    """Delete articles by id. Exit status 3 when some ids were not in the index."""
    try:
        done, missing = delete(Path(index_dir), ids, maintain=related_fit.maintain)
    except IndexProblem as e:
        fail_on(e)
    for i in missing:
        click.echo(f"not found: {i}", err=True)
    click.echo(f"deleted {len(done)}, not found {len(missing)}")
    sys.exit(EXIT_SKIPPED if missing else EXIT_OK)


def _engine(index_dir: str) -> SearchEngine:
    eng = SearchEngine(index_dir)
    try:
        eng.snapshot()
    except IndexProblem as e:
        fail_on(e)
    return eng


@main.command("search")
@click.argument("query", nargs=-1, required=True)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the whole result object as JSON.")
@click.option("--tag", "tags", multiple=True, help="Only articles with this tag (repeatable).")
@click.option("--category", "categories", multiple=True, help="Only this category.")
@click.option("--source", "sources", multiple=True, help="Only this source.")
@click.option("--from", "date_from", help="Published on or after (2020-10-25 or 25/10/2020).")
@click.option("--to", "date_to", help="Published on or before.")
@click.option("--sort", type=click.Choice(["relevance", "newest"]), default="relevance",
              show_default=True)
@click.option("--limit", type=click.IntRange(1, MAX_PER_PAGE), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--recency", type=float, default=0.0,
              help=f"Boost for recent articles, 0 to {MAX_RECENCY:g} (0 = off, 0.5 = up to +50%).")
@click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
              help="all: the best-matching articles only; any: partial matches too, after them.")
@click.option("--literal", is_flag=True,
              help="Search exactly as typed: no Telex/VNI reading, no typo guesses.")
@click.option("--no-fold", "no_fold", is_flag=True,
              help="List every copy of a syndicated story instead of folding them.")
@click.option("--facets", default=",".join(FACETS), show_default=True,
              help="Comma-separated facets to count (shown with --json); empty for none.")
@click.option("--no-snippets", "no_snippets", is_flag=True, help="No snippets (faster).")
@click.option("--fragment-chars", type=int, default=SearchRequest.fragment_chars,
              show_default=True,
              help="Snippet length in characters ({} to {}).".format(*FRAGMENT_CHARS))
@click.option("--max-fragments", type=int, default=SearchRequest.max_fragments,
              show_default=True,
              help=f"At most this many snippets per hit (0 to {MAX_FRAGMENTS}).")
@click.option("--no-suggest", "no_suggest", is_flag=True,
              help="No suggestions (accent restoration, did you mean).")
def search_cmd(query, index_dir, as_json, tags, categories, sources, date_from, date_to, sort,
               limit, page, recency, match, literal, no_fold, facets, no_snippets,
               fragment_chars, max_fragments, no_suggest):
    """Search the index. QUERY supports "phrases", -exclusions, OR, and title: lead: body:
    author: tag: category: source: from: to: prefixes."""
    eng = _engine(index_dir)
    try:
        req = SearchRequest(
            query=" ".join(query),
            filters=Filters(
                tags=list(tags), categories=list(categories), sources=list(sources),
                date_from=parse_date(date_from, "--from") if date_from else None,
                date_to=parse_date(date_to, "--to") if date_to else None,
            ),
            sort=sort, per_page=limit, page=page, recency=recency, match=match,
            literal=literal, fold=not no_fold,
            facets=[f.strip() for f in facets.split(",") if f.strip()],
            snippets=not no_snippets, fragment_chars=fragment_chars,
            max_fragments=max_fragments, suggest=not no_suggest,
        )
        res = eng.search(req)
    except QueryError as e:
        fail_on(e)
    if as_json:
        click.echo(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"{res.total} results ({res.elapsed_ms:.1f} ms)"
               + (" — no article has every word; showing partial matches" if res.relaxed else ""))
    if res.corrected_query:
        click.echo(f"Showing results for: {res.corrected_query} (--literal to search as typed)")
    sugg = res.suggestions
    for label, values in (("With accents", sugg.accented), ("Did you mean", sugg.did_you_mean)):
        if values:
            click.echo(f"{label}: {', '.join(values)}")
    for i, h in enumerate(res.hits, start=(page - 1) * limit + 1):
        date = h.article.published.date().isoformat() if h.article.published else ""
        click.echo(f"\n{i:>3}. {h.article.title}")
        click.echo(f"     {h.article.id}  {date}  {h.article.category or ''}  score {h.score:.2f}")
        for s in h.snippets[:1]:
            click.echo("     " + _plain(s))
        if h.similar:
            click.echo(f"     + {len(h.similar)} similar: " + ", ".join(c.id for c in h.similar))


def _plain(html_text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"</?mark>", "*", html_text)).replace("\n", " ")


@main.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True)
def stats_cmd(index_dir, as_json):
    """Article count, date span, sources, index size, version and related-article vectors."""
    eng = _engine(index_dir)
    st = eng.stats().to_dict()
    build = current_build(eng.root)
    meta = read_meta(build.path / VECTORS_DIR) if build else None
    st["related_vectors"] = None if meta is None else {
        "dims": meta["dims"], "articles": meta["docs"], "folded_in": meta.get("folded", 0)}
    if as_json:
        click.echo(json.dumps(st, ensure_ascii=False, indent=1))
        return
    click.echo(f"articles:  {st['articles']}")
    span = st["published_span"]
    click.echo(f"published: {span[0]} .. {span[1]}" if span else "published: (no dates)")
    for s, n in st["sources"].items():
        click.echo(f"source:    {s}: {n}")
    click.echo(f"size:      {st['index_bytes'] / 1e6:.1f} MB")
    click.echo(f"version:   {st['index_version']}")
    click.echo(f"path:      {build.path if build else eng.root}")
    vec = st["related_vectors"]
    click.echo(f"related:   topic vectors, {vec['dims']} dims, {vec['articles']} articles "
               f"({vec['folded_in']} folded in since the fit; optimize refits)" if vec else
               "related:   key terms only, no topic vectors (optimize fits them)")


@main.command("run-queries")
@click.argument("queries", type=SafePath(exists=True, dir_okay=False))
@index_option
@click.option("--k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--out", type=SafePath(dir_okay=False), required=True,
              help="TREC run file to write (qid Q0 docid rank score newssearch).")
def run_queries_cmd(queries, index_dir, k, out):
    """Run every query of a JSON Lines file ({"qid", "query"}) and write a TREC run file."""
    eng = _engine(index_dir)
    qs = evaluation.read_queries(queries)
    with open(out, "w", encoding="utf-8") as f, click.progressbar(
        qs, label="queries", file=sys.stderr
    ) as bar:
        n = evaluation.write_run(eng, bar, f, k)
    click.echo(f"wrote {n} lines for {len(qs)} queries to {out}")


@main.command("eval")
@click.argument("queries", type=SafePath(exists=True, dir_okay=False))
@click.argument("qrels", type=SafePath(exists=True, dir_okay=False))
@index_option
@click.option("--run", "run_file", type=SafePath(exists=True, dir_okay=False),
              help="Score this run file instead of running the queries.")
def eval_cmd(queries, qrels, index_dir, run_file):
    """MRR@10, success@1 and success@10 per query type."""
    qs = evaluation.read_queries(queries)
    rel = evaluation.read_qrels(qrels)
    if run_file:
        run = evaluation.read_run(run_file)
    else:
        eng = _engine(index_dir)
        with click.progressbar(qs, label="queries", file=sys.stderr) as bar:
            run = evaluation.run_ranked(eng, bar, 10)
    table = evaluation.score(qs, rel, run)
    click.echo(evaluation.format_table(table))


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface; prefer nginx in front).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="gunicorn worker processes (default: cores + 1, or NEWSSEARCH_WORKERS).")
@click.option("--dev", is_flag=True,
              help="Flask's development server: one process, reloads on code changes.")
def serve_cmd(index_dir, host, port, workers, dev):
    """Serve the search page, article pages and the JSON API (/api/docs).

    By default gunicorn runs with newssearch.web.gunicorn_conf: the index and analyzer are
    loaded once before the workers fork, `kill -HUP <master pid>` reloads gracefully, the
    access log goes to stdout. See docs/deploy.md for systemd and nginx.
    """
    from newssearch.web.serve import serve

    _engine(index_dir)  # fail early with a readable message
    serve(index_dir, host, port, workers=workers, dev=dev)


main.add_command(replicas.verify_cmd)
main.add_command(indexing.optimize_cmd)
main.add_command(replicas.publish_cmd)
main.add_command(replicas.export_cmd)
main.add_command(related_cmd.related_cmd)


if __name__ == "__main__":
    main()
