"""``derivations new SLUG``: a commented starter file that passes ``derivations check`` as written."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .source.load import SLUG, load_content

TEMPLATE = "new-derivation.yaml.j2"


class ScaffoldError(Exception):
    pass


def next_order(content_dir: Path, root: Path) -> int:
    """Ten past the largest order in use, so a new page goes last in the navigation."""
    content = load_content(content_dir, root)
    orders = [s.model.order for s in content.sources]
    return (max(orders) // 10 + 1) * 10 if orders else 10


def title_from_slug(slug: str) -> str:
    return " ".join(word.capitalize() for word in slug.split("-"))


def new_derivation(slug: str, content_dir: Path, templates_dir: Path, root: Path) -> Path:
    if not SLUG.match(slug):
        raise ScaffoldError(
            f"{slug!r} is not a valid name: use lowercase letters, digits and hyphens"
        )
    target = content_dir / f"{slug}.yaml"
    if target.exists():
        raise ScaffoldError(f"{target.relative_to(root)} already exists")
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # renders YAML, not HTML
    )
    text = env.get_template(TEMPLATE).render(
        slug=slug, title=title_from_slug(slug), order=next_order(content_dir, root)
    )
    content_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
