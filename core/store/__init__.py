"""Domain state in our own tables (SQLAlchemy 2 + Alembic): deployments, revisions, operations,
check results (``Store.deployments``, ``Store.checks``), API keys (``Store.keys``) and the audit
log (``Store.audit``), each a repository over one shared :class:`core.store.db.Database`. SQLite
file by default, PostgreSQL for several replicas.

Use :class:`Store`; it returns the frozen records below, never ORM objects.
"""

from core.store.records import CheckResultRecord, DeploymentRecord, OperationRecord
from core.store.repository import Store

__all__ = ["Store", "DeploymentRecord", "OperationRecord", "CheckResultRecord"]
