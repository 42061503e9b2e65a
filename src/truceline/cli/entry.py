"""The ``truceline`` executable: the fusion tools start without the service stack.

``fuse``, ``simulate`` and ``evaluate`` read and write files only. Importing every command
(store, server, ledger, reports: about a second) before running them would be a large
part of a short ``fuse`` run, and ``fuse`` is measured end to end (docs/benchmarks.md). They
run from a small app of their own; every other command goes through the full one
(:mod:`truceline.cli.main`), whose help lists them too.
"""

from __future__ import annotations

import importlib
import sys

import typer

STANDALONE = {
    "fuse": "truceline.cli.fuse_cmd",
    "warm-up": "truceline.cli.fuse_cmd",
    "simulate": "truceline.cli.simulate_cmd",
    "evaluate": "truceline.cli.simulate_cmd",
}


def standalone_app(command: str) -> typer.Typer:
    """A Typer app holding only the commands of ``command``'s module."""
    app = typer.Typer(name="truceline", add_completion=False, pretty_exceptions_enable=False)
    app.callback()(lambda: None)  # a group, so `truceline fuse …` parses as in the full app
    importlib.import_module(STANDALONE[command]).register(app)
    return app


def main() -> None:
    """Run ``truceline`` with the arguments of this process."""
    args = sys.argv[1:]
    if args and args[0] in STANDALONE:
        standalone_app(args[0])(args=args, prog_name="truceline")
        return
    from truceline.cli.main import main as full

    full()
