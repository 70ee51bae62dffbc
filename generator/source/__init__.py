"""content/*.yaml to typed, resolved sources. Plans checks; never runs them. SymPy-free.

See ARCHITECTURE.md for which package may import which."""
