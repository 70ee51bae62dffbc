"""Parsers: text (Python-like expressions, displayed TeX) to the SymPy-free tree.

See ARCHITECTURE.md for which package may import which."""
