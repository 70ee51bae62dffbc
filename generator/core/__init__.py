"""Shared vocabulary: errors, the SymPy-free math tree, domains, names, verdicts, the job protocol and settings.

See ARCHITECTURE.md for which package may import which."""
