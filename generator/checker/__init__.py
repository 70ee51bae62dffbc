"""Decides checks inside worker processes: the only package that imports SymPy or NumPy.

See ARCHITECTURE.md for which package may import which."""
