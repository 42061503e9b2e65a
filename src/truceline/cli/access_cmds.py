"""`truceline principals add|list|revoke` and `truceline audit`."""

from __future__ import annotations

from typing import Annotated

import typer

from truceline.cli.context import open_store, user_errors
from truceline.cli.ingest_cmds import FormatOpt
from truceline.cli.output import Format, console, emit
from truceline.clock import now_us
from truceline.services import principals as svc

principals_app = typer.Typer(help="Principals (users and service accounts) and their tokens.")
CLI_ACTOR = "cli"


@principals_app.command("add")
def add(
    name: Annotated[str, typer.Option(help="unique name")],
    nation: Annotated[str, typer.Option(help="nation (ISO alpha-3) or organisation code")],
    role: Annotated[list[str], typer.Option(help="a role; repeat for several")],
    side: Annotated[str | None, typer.Option(help="side code, for a party_liaison")] = None,
    kind: Annotated[str, typer.Option(help="user or service")] = "user",
    expires_in_days: Annotated[int | None, typer.Option(min=1, max=3650)] = None,
) -> None:
    """Add a principal and print its API token once, alone on the last line."""
    with user_errors():
        now = now_us()
        created = svc.add_principal(
            open_store(),
            name=name,
            nation=nation,
            roles=role,
            side=side,
            kind=kind,
            expires_us=now + expires_in_days * 86_400_000_000 if expires_in_days else None,
            now_us=now,
            actor=CLI_ACTOR,
        )
    p = created.principal
    console.print(
        f"principal {p.name} ({p.nation}; {', '.join(sorted(p.roles))}) added; "
        "its token is shown once:",
        highlight=False,
    )
    typer.echo(created.token)


@principals_app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """List principals, their roles and when their tokens were last used."""
    with user_errors(), open_store().read() as conn:
        items = svc.list_principals(conn)
    emit(items, fmt, title=f"{len(items)} principals")


@principals_app.command("revoke")
def revoke(name: str) -> None:
    """Revoke a principal and every token it holds."""
    with user_errors():
        svc.revoke_principal(open_store(), name, now_us=now_us(), actor=CLI_ACTOR)
    console.print(f"principal {name} revoked")


def audit(
    principal: Annotated[str | None, typer.Option(help="only this principal")] = None,
    action: Annotated[str | None, typer.Option(help="actions starting with this")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
    fmt: FormatOpt = Format.table,
) -> None:
    """Query the audit log: who did or read what, when, from where."""
    with user_errors(), open_store().read() as conn:
        items = svc.query_audit(conn, principal=principal, action=action, limit=limit)
    emit(
        items,
        fmt,
        columns=["seq", "time", "principal", "action", "target", "client", "detail"],
        title="audit log",
    )
