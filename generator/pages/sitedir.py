"""Atomic site output: build into a staging folder, then swap it in whole.

A build that fails leaves the previous ``site/`` byte-identical; a build that
succeeds replaces it in one rename (plus the removal of the old tree).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def make_staging(site_dir: Path) -> Path:
    """A fresh, empty folder beside ``site_dir`` (same filesystem, so the swap is a rename)."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-staging-", dir=site_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a published site is world-readable
    return staging


def publish(staging: Path, site_dir: Path) -> None:
    """Replace ``site_dir`` with ``staging``."""
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-old-", dir=site_dir.parent))
        os.rmdir(old)
        os.replace(site_dir, old)
    os.replace(staging, site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
