"""Operations on whole builds: ship them to replicas (``publish``), hand them to OpenSearch
(``export``), score runs against judgments (``evaluation``).

The rule: ops/ sits at the top beside web/ and cli/: it may use everything below, and only
the CLI calls it.
"""

from newssearch.ops.export import export_opensearch
from newssearch.ops.publish import frozen_build, publish

__all__ = ["export_opensearch", "frozen_build", "publish"]
