"""What every command needs: settings from the environment and a migrated store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from truceline.cli.output import err_console
from truceline.errors import TrucelineError
from truceline.settings import Settings
from truceline.store.engine import Store

F = TypeVar("F", bound=Callable[..., Any])


def settings() -> Settings:
    return Settings.from_env()


def open_store() -> Store:
    store = Store(settings().database_url)
    store.migrate()
    return store


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a TrucelineError as the user-safe message it is, and exit non-zero."""
    try:
        yield
    except TrucelineError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


class CountingReader:
    """Wrap a binary file so a progress bar can follow the bytes read."""

    def __init__(self, raw: IO[bytes], advance: Callable[[int], None]) -> None:
        self._raw = raw
        self._advance = advance

    def __iter__(self) -> Iterator[bytes]:
        for line in self._raw:
            self._advance(len(line))
            yield line


@contextmanager
def byte_progress(path: Path, label: str) -> Iterator[Callable[[int], None]]:
    """A rich progress bar over a file's bytes (hidden when the file is small)."""
    size = path.stat().st_size
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=err_console, transient=True, disable=size < 2_000_000
    ) as progress:
        task = progress.add_task(label, total=size)
        yield lambda n: progress.advance(task, n)
