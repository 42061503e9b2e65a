"""Which stored rows the tamper-evident log covers, and how a row becomes a ledger record.

A *ledger kind* ties a leaf's ``kind`` to the table that holds its records, so that
``ledger verify`` can recompute every leaf from what is stored today. The ledger record of
a row is every stored column EXCEPT those that derive from others (``markings``, which
the leaf commits separately; ``audience``, derived from the markings; ``content_hash``,
derived from the record; and database-assigned sequence numbers that are not known when
the row is written). Committing every other column means that an edit of any of them,
``raw`` included, changes the recomputed leaf.

Other capabilities register their tables here with :func:`register_kind` (for example
``register_kind(table_kind("event", tables.events))``) so that verification covers them;
leaves of kinds nobody registered are counted, placed in the tree and checked for order,
but their content cannot be recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, or_

from truceline.errors import ConfigError
from truceline.services.alert_tables import alerts
from truceline.services.report_table import reports
from truceline.store import tables

__all__ = [
    "DERIVED_COLUMNS",
    "LedgerKind",
    "get_kind",
    "is_access_change",
    "kinds",
    "register_kind",
    "table_kind",
]

DERIVED_COLUMNS = frozenset({"markings", "audience", "content_hash"})
"""Columns never committed as part of a record (see the module docstring)."""

IdOf = Callable[[Mapping[str, Any]], str]
WhereIds = Callable[[Sequence[str]], ColumnElement[bool]]


@dataclass(frozen=True, slots=True)
class LedgerKind:
    """How leaves of one kind map to rows of one table."""

    name: str
    table: Table
    fields: tuple[str, ...]
    id_of: IdOf
    where_ids: WhereIds
    scope: ColumnElement[bool] | None = None

    @property
    def marked(self) -> bool:
        """Whether rows carry their own ``markings`` column (else the leaf commits ``{}``)."""
        return "markings" in self.table.c

    def record_of(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The ledger record of ``row``: its committed columns, by name."""
        try:
            return {name: row[name] for name in self.fields}
        except KeyError as exc:
            raise ConfigError(
                f"ledger: a {self.name} row lacks column {exc.args[0]!r}; "
                "every committed column must be set when the row is written"
            ) from None

    def markings_text(self, row: Mapping[str, Any]) -> str:
        """The row's markings as stored (JSON text); ``{}`` for kinds without markings."""
        return str(row["markings"]) if self.marked else "{}"

    def originator_of(self, row: Mapping[str, Any]) -> str | None:
        value = row.get("originator") if "originator" in self.table.c else None
        return str(value) if value is not None else None


def _by_column(table: Table, column: str, *, as_int: bool = False) -> tuple[IdOf, WhereIds]:
    col = table.c[column]

    def id_of(row: Mapping[str, Any]) -> str:
        return str(row[column])

    def where_ids(ids: Sequence[str]) -> ColumnElement[bool]:
        if not as_int:
            return col.in_(list(ids))
        values = [int(i) for i in ids if i.lstrip("-").isdigit()]
        return col.in_(values) if values else false()

    return id_of, where_ids


def table_kind(
    name: str,
    table: Table,
    *,
    key: str = "id",
    int_key: bool = False,
    exclude: Sequence[str] = (),
    id_of: IdOf | None = None,
    where_ids: WhereIds | None = None,
    scope: ColumnElement[bool] | None = None,
) -> LedgerKind:
    """A kind whose records are the rows of ``table``, identified by column ``key``.

    ``exclude`` names extra columns not to commit (database-assigned sequence numbers);
    ``id_of`` / ``where_ids`` replace the single-column identity for composite keys;
    ``scope`` restricts which rows must have a leaf (default: every row).
    """
    if len(name) > 32:
        raise ConfigError(f"ledger kind {name!r} is longer than 32 characters")
    skip = DERIVED_COLUMNS | set(exclude)
    fields = tuple(str(c.name) for c in table.columns if c.name not in skip)  # plain str
    default_id, default_where = _by_column(table, key, as_int=int_key)
    return LedgerKind(name, table, fields, id_of or default_id, where_ids or default_where, scope)


def _agreement_id(row: Mapping[str, Any]) -> str:
    return f"{row['id']}@v{row['version']}"


def _agreement_where(ids: Sequence[str]) -> ColumnElement[bool]:
    t = tables.agreements
    clauses = []
    for rid in ids:
        base, sep, version = rid.rpartition("@v")
        if sep and version.isdigit():
            clauses.append(and_(t.c.id == base, t.c.version == int(version)))
    return or_(*clauses) if clauses else false()


ACCESS_ACTIONS = ("principal.add", "principal.revoke")
"""Audit actions that change who may do what (besides every ``access.*`` action)."""


def is_access_change(action: str) -> bool:
    """Whether an audit entry with ``action`` is an access-control change (gets a leaf)."""
    return action in ACCESS_ACTIONS or action.startswith("access.")


_ACCESS_SCOPE = or_(
    tables.audit_log.c.action.in_(ACCESS_ACTIONS), tables.audit_log.c.action.like("access.%")
)

_KINDS: dict[str, LedgerKind] = {}


def register_kind(kind: LedgerKind) -> None:
    """Make ``kind`` known to appends and to verification (idempotent for the same table)."""
    old = _KINDS.get(kind.name)
    if old is not None and old.table is not kind.table:
        raise ConfigError(f"ledger kind {kind.name!r} is already registered for another table")
    _KINDS[kind.name] = kind


def get_kind(name: str) -> LedgerKind | None:
    """The registered kind called ``name``, or None."""
    return _KINDS.get(name)


def kinds() -> list[LedgerKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


for _kind in (
    table_kind("sensors", tables.sensors),
    table_kind("detections", tables.detections),
    table_kind("weather", tables.weather, key="time_us", int_key=True),
    table_kind("observations", tables.observations),
    table_kind("tracks", tables.tracks),
    table_kind("agreement", tables.agreements, id_of=_agreement_id, where_ids=_agreement_where),
    table_kind("sensor_status", tables.sensor_status, key="content_hash", exclude=("seq",)),
    table_kind(
        "access_change",
        tables.audit_log,
        key="seq",
        int_key=True,
        exclude=("seq",),
        scope=_ACCESS_SCOPE,
    ),
    # derived records: each is written once; incident changes are new incident_versions
    table_kind("event", tables.events),
    table_kind("finding", tables.findings),
    table_kind("decision", tables.decisions),
    table_kind("incident_version", tables.incident_versions),
    table_kind("release", tables.releases),
    # published reports: every column but the bytes, whose SHA-256 (``sha256``) is committed
    table_kind("report", reports, exclude=("content",)),
    table_kind("alert", alerts),
):
    register_kind(_kind)
