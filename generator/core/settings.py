"""Build settings: the one definition, the one set of defaults, the one precedence rule.

A setting comes from the environment (``DERIVATIONS_TIMEOUT``, used by
``derivations serve --timeout`` to reach the plugin), else from the ``derivations``
plugin's options in ``mkdocs.yml``, else from the default written here. The CLI and
the MkDocs plugin both call :func:`options_from`; workers receive :class:`CheckSettings`
as it is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

TIMEOUT_VARIABLE = "DERIVATIONS_TIMEOUT"


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """How checks run."""

    timeout: float = 10.0
    """Seconds one check may take before it ends as *timeout*."""
    points: int = 24
    """Random points for the numeric fallback (at least 20)."""
    digits: int = 30
    """Significant digits of numeric evaluation."""
    jobs: int = 0
    """Worker processes; 0 means one per core (at most 8)."""
    memory_mb: int = 2048
    """Memory cap of each worker process."""


@dataclass(frozen=True, slots=True)
class PathSettings:
    """Where sources, templates and caches live, relative to the project root."""

    content_dir: str = "content"
    templates_dir: str = "templates"
    cache_dir: str = ""
    """Empty means the user's cache folder (see :func:`default_cache_dir`)."""


DEFAULT_CHECKS = CheckSettings()
DEFAULT_PATHS = PathSettings()


def default_cache_dir() -> Path:
    """The user's cache folder, outside any repository.

    A cache inside the repository could be committed: a pull request could then plant a
    "proven" verdict for a false claim. Outside it, only this machine's own checks fill it.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "derivations"


@dataclass
class Options:
    """Everything one build needs to know: folders and check settings."""

    root: Path
    content_dir: Path
    templates_dir: Path
    cache_dir: Path | None
    settings: CheckSettings = field(default_factory=CheckSettings)

    @classmethod
    def at(cls, root: Path, **overrides: Any) -> Options:
        """Defaults for a project at ``root``, with ``overrides`` applied."""
        root = root.resolve()
        options = cls(
            root,
            root / DEFAULT_PATHS.content_dir,
            root / DEFAULT_PATHS.templates_dir,
            default_cache_dir(),
        )
        for name, value in overrides.items():
            setattr(options, name, value)
        return options


def check_settings_from(
    config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> CheckSettings:
    """Environment > ``config`` (the plugin's options) > default, for every check setting."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for item in fields(CheckSettings):
        default = getattr(DEFAULT_CHECKS, item.name)
        value = config.get(item.name, default)
        values[item.name] = type(default)(value)
    if environ.get(TIMEOUT_VARIABLE):
        values["timeout"] = float(environ[TIMEOUT_VARIABLE])
    return CheckSettings(**values)


def options_from(
    root: Path, config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> Options:
    """The build's options from the plugin's ``config`` in ``mkdocs.yml`` (and the environment)."""
    root = root.resolve()
    content = config.get("content_dir") or DEFAULT_PATHS.content_dir
    templates = config.get("templates_dir") or DEFAULT_PATHS.templates_dir
    cache = config.get("cache_dir") or DEFAULT_PATHS.cache_dir
    return Options(
        root,
        root / content,
        root / templates,
        root / cache if cache else default_cache_dir(),
        check_settings_from(config, environ),
    )
