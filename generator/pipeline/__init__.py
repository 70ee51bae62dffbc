"""The build-process side of checking: verdict cache, worker pool, the checked result.

See ARCHITECTURE.md for which package may import which."""
