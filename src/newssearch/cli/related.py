"""``newssearch related``: related articles for an indexed article, or for an unindexed one
read from a file. A thin wrapper over ``related.related``."""

from __future__ import annotations

import json

import click

from newssearch.cli.options import SafePath, fail, index_option
from newssearch.errors import EXIT_FAILED, EXIT_USAGE, IndexProblem, QueryError, classify
from newssearch.ingest import IngestReport, iter_articles
from newssearch.related import DEFAULT_K, MAX_K, RelatedRequest, SeedText, related
from newssearch.search import SearchEngine


def _seed_from_file(path: str) -> SeedText:
    report = IngestReport()
    found = next(iter(iter_articles([path], report)), None)
    if found is None:
        reason = report.skipped[0].reason if report.skipped else "no article in it"
        fail(f"{path}: {reason}", EXIT_USAGE)
    return SeedText.from_article(found)


@click.command("related")
@click.argument("article_id", required=False)
@click.option("--text", "text_file", type=SafePath(exists=True, dir_okay=False),
              help="Instead of an indexed ARTICLE_ID: an unindexed article in a file, a raw "
                   "page (.txt) or JSON (one object with title, lead, body).")
@index_option
@click.option("--k", type=click.IntRange(1, MAX_K), default=DEFAULT_K, show_default=True,
              help="How many related articles.")
@click.option("--same-source", is_flag=True, help="Only articles of the seed's source.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--category", "categories", multiple=True, help="Only this category (repeatable).")
@click.option("--no-boosts", is_flag=True, help="Rank on content and time only, without the "
                                               "category and tag boosts.")
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
def related_cmd(article_id, text_file, index_dir, k, same_source, sources, categories,
                no_boosts, as_json):
    """Related articles ("Tin liên quan") for ARTICLE_ID, or for the article in --text FILE.

    Never the article itself nor copies of it (the same story under other ids); one article
    per story. Each line gives the shared key terms and tags. Exit status: 0 found, 1 unknown
    id or no usable index, 2 usage error.

    \b
    Examples:
      newssearch related seed_phong_tho.txt --k 5
      newssearch related --text page.txt --json
    """
    if (article_id is None) == (text_file is None):
        fail("give an ARTICLE_ID or --text FILE (one of them)", EXIT_USAGE)
    try:
        req = RelatedRequest(
            article_id=article_id, text=_seed_from_file(text_file) if text_file else None,
            k=k, same_source=same_source, sources=tuple(sources),
            categories=tuple(categories), boosts=not no_boosts)
        result = related(SearchEngine(index_dir), req)
    except (QueryError, IndexProblem) as e:
        fail(str(e), classify(e).exit_code)
    if result is None:
        fail(f"no article with id {article_id!r} in the index", EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"{len(result.items)} related ({result.elapsed_ms:.1f} ms); key terms: "
               + ", ".join(result.terms[:8]))
    for i, item in enumerate(result.items, 1):
        a = item.article
        day = a.published.date().isoformat() if a.published else ""
        click.echo(f"\n{i:>2}. {a.title}")
        click.echo(f"    {a.id}  {day}  {a.source or ''}  score {item.score:.2f}")
        if item.reason.text():
            click.echo(f"    {item.reason.text()}")
