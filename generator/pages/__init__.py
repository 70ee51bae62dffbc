"""Checked content to Markdown, and the MkDocs plugin that publishes it.

See ARCHITECTURE.md for which package may import which."""
