"""Make the fusion tests' synthetic-data helper importable as ``fusion_synth``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
