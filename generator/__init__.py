"""Machine-checked derivations: YAML sources → SymPy verdicts → MkDocs pages."""

from __future__ import annotations

__version__ = "0.1.0"
