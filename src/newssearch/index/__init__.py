"""Articles in, an index build on disk out; and the reader of one build.

- writing: ``schema`` (Whoosh fields and what an article stores), ``writer`` (rebuild, update,
  delete, optimize), ``bulk`` (parallel segment writers within a memory budget), ``merging``
  (tiered segment merges), ``flat/`` (our own posting lists beside Whoosh's);
- the builds: ``store`` (builds/, CURRENT, the write lock), ``manifest`` (checksums);
- reading: ``snapshot`` (one open generation: live mask, length norms, postings, stored
  articles), ``columns`` (facet and date columns), ``cache`` and ``generation`` (state kept
  per generation), ``ranking`` (the BM25F parameters the length norms depend on).

The rule: index/ knows text/ and the model, never search/ or anything above it; only
``whoosh_compat`` touches Whoosh's private names.
"""

from newssearch.index.manifest import read_manifest, verify, write_manifest
from newssearch.index.ranking import RankingConfig
from newssearch.index.schema import FORMAT_VERSION, article_from_stored, build_schema, doc_fields
from newssearch.index.snapshot import Snapshot
from newssearch.index.store import BuildInfo, WriteLock, current_build, open_build
from newssearch.index.writer import delete, optimize, rebuild, update

__all__ = [
    "FORMAT_VERSION", "BuildInfo", "RankingConfig", "Snapshot", "WriteLock",
    "article_from_stored", "build_schema", "current_build", "delete", "doc_fields", "open_build",
    "optimize", "read_manifest", "rebuild", "update", "verify", "write_manifest",
]
