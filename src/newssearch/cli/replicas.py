"""Scale-out commands: ``verify`` a build, ``publish`` it to replicas, ``export`` it for
OpenSearch. Thin wrappers over ``manifest``, ``publish`` and ``export``."""

from __future__ import annotations

import re
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from newssearch.cli.options import SafePath, fail_on, index_option
from newssearch.errors import EXIT_FAILED, IndexProblem
from newssearch.index.manifest import verify, write_manifest
from newssearch.index.store import WriteLock, current_build
from newssearch.ops.export import articles_of, export_opensearch
from newssearch.ops.publish import frozen_build, publish

build_opt = click.option(
    "--build", "build_dir", type=SafePath(exists=True, file_okay=False, path_type=Path),
    help="A build directory to use instead of the live build of --index "
         "(e.g. a replica's staging copy).",
)


def _live_build(index_dir: str) -> Path:
    build = current_build(Path(index_dir))
    if build is None:
        click.echo(f"error: no index at {index_dir}", err=True)
        sys.exit(EXIT_FAILED)
    return build.path


@click.command("verify")
@index_option
@build_opt
@click.option("--write-manifest", "rewrite", is_flag=True,
              help="Instead of checking, (re)write the live build's MANIFEST from its files "
                   "under the index lock: for builds made before manifests existed. It "
                   "trusts the files as they are now.")
def verify_cmd(index_dir, build_dir, rewrite):
    """Check every file of a build against its MANIFEST (size and sha256).

    Exit status 0 when every file matches; 1 when a file is missing, differs or is not
    listed (each is printed), or there is no usable MANIFEST.
    """
    try:
        if rewrite:
            with WriteLock(Path(index_dir)):
                m = write_manifest(_live_build(index_dir))
            click.echo(f"wrote MANIFEST of {m.build}: {len(m.files)} files, "
                       f"{m.total_bytes / 1e6:.1f} MB")
            return
        report = verify(build_dir or _live_build(index_dir))
    except IndexProblem as e:
        fail_on(e)
    m = report.manifest
    for p in report.problems:
        click.echo(f"{p.what}: {p.path}" + (f" ({p.detail})" if p.detail else ""), err=True)
    status = "OK" if report.ok else f"FAILED, {len(report.problems)} problems"
    click.echo(f"{m.build} generation {m.generation}: {len(m.files)} files, "
               f"{m.total_bytes / 1e6:.1f} MB checked in {report.seconds:.2f}s: {status}")
    sys.exit(0 if report.ok else EXIT_FAILED)


@click.command("publish")
@click.option("--to", "targets", multiple=True, required=True, metavar="ROOT|HOST:PATH",
              help="A replica's index root: a local directory, or HOST:PATH reached by rsync "
                   "over ssh (newssearch must be installed there). Repeat for several "
                   "replicas: they switch one after another.")
@index_option
@build_opt
@click.option("--expect-manifest", metavar="SHA256",
              help="The sha256 the build's MANIFEST file must have (a remote publish passes "
                   "it to the replica).")
@click.option("--rsh", default="ssh", show_default=True,
              help="Remote shell for HOST:PATH targets, as rsync -e takes it "
                   "(e.g. 'ssh -p 2222 -i key').")
@click.option("--remote-cmd", default="newssearch", show_default=True,
              help="How to run newssearch on the replica host.")
@click.option("--wait", is_flag=True,
              help="If `newssearch index` is writing the source (or another publish the "
                   "replica), wait for it instead of failing.")
def publish_cmd(targets, index_dir, build_dir, expect_manifest, rsh, remote_cmd, wait):
    """Ship the live build of --index to replicas and switch each one to it.

    Each replica gets a staging copy, every file is checked against the MANIFEST, and only
    then does its CURRENT switch (atomically); an interrupted or damaged copy never becomes
    current, and old builds are pruned. Running searchers pick the new build up by
    themselves. Exit status 0 when every replica switched, 1 otherwise.
    """
    try:
        source = nullcontext(build_dir) if build_dir else frozen_build(Path(index_dir), wait)
        with source as src:
            for target in targets:
                r = publish(src, target, rsh=rsh, remote_cmd=remote_cmd,
                            expect_digest=expect_manifest, wait=wait)
                if r.already_current:
                    click.echo(f"{r.target} already serves {r.build}")
                    continue
                linked = f" ({r.linked_bytes / 1e6:.1f} MB of it linked from the previous " \
                    "build)" if r.linked_bytes else ""
                click.echo(f"published {r.build} to {r.target}: {r.files} files, "
                           f"{r.bytes / 1e6:.1f} MB{linked}, copy {r.copy_seconds:.2f}s, "
                           f"verify {r.verify_seconds:.2f}s")
    except IndexProblem as e:
        fail_on(e)


def _index_name(ctx, param, value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,99}", value):
        raise click.BadParameter("lowercase letters, digits, - and _ only")
    return value


@click.command("export")
@click.argument("outdir", type=SafePath(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["opensearch"]), required=True,
              help="Target engine.")
@index_option
@click.option("--name", default="newssearch", show_default=True, callback=_index_name,
              help="OpenSearch index name (the template matches NAME*).")
def export_cmd(outdir, fmt, index_dir, name):
    """Write the live index into OUTDIR for OpenSearch to load.

    OUTDIR gets an index template (mappings and settings), bulk NDJSON files in which every
    text field holds our analyzer's tokens (mapped with the whitespace analyzer, so
    OpenSearch indexes exactly our terms), a search template with our BM25F weights, an
    example query and load.sh (OS=http://host:9200 OUTDIR/load.sh). See docs/scaling.md.
    """
    try:
        n, articles = articles_of(Path(index_dir))
    except IndexProblem as e:
        fail_on(e)
    with click.progressbar(articles, length=n, label="exporting", file=sys.stderr) as bar:
        res = export_opensearch(bar, outdir, name=name)
    click.echo(f"exported {res.articles} articles to {outdir} ({fmt}): {len(res.files)} files, "
               f"{res.bytes / 1e6:.1f} MB in {res.seconds:.1f}s; load with: "
               f"OS=http://HOST:9200 {outdir}/load.sh")
