"""The analysts' workspace: the built single-page app, shipped inside the package.

``static/`` holds the files Vite builds from ``web/`` (``make web``); they are committed,
so a fresh clone serves the workspace without Node. Nothing here loads anything from the
internet at run time: MapLibre GL JS and Chart.js are bundled into ``static/assets``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def static_dir() -> Path:
    """The folder of the built workspace inside the installed package."""
    return Path(str(resources.files("truceline") / "web" / "static"))
