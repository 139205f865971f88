"""The documentation holds together: a short README, links that resolve, and the history of
runs kept in docs/ rather than in the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
         *sorted((ROOT / "ament").rglob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def links(text: str) -> list[str]:
    """Targets of Markdown links and images outside code, without their #anchor."""
    targets = []
    for target in LINK.findall(CODE.sub("", text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (http:, mailto:) or an anchor on the same page
        targets.append(target.split("#")[0])
    return targets


def test_links_finds_relative_targets_only():
    text = ("[a](docs/x.md) ![b](docs/y.png) [c](https://e.org) [d](#top) [e](z.md#part)\n"
            "`[not](code.md)`\n```\n[nor](block.md)\n```\n")
    assert links(text) == ["docs/x.md", "docs/y.png", "z.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path):
    missing = [t for t in links(page.read_text()) if not (page.parent / t).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to files that do not exist: {missing}"


def test_readme_is_a_front_page():
    n = len((ROOT / "README.md").read_text().splitlines())
    assert n <= 300, f"README.md has {n} lines: move the detail to a docs/ page and link it"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_do_not_speak_of_the_tracker(page: Path):
    hits = re.findall(r"\b(?:issues?|tickets?)\s*#?\d+|(?<![\w/])#\d+\b", page.read_text(),
                      flags=re.I)
    assert not hits, f"{page.relative_to(ROOT)} refers to tracker numbers: {hits}"


def test_code_carries_no_run_names_or_dates():
    """Figures, run folders and dates belong to the docs page that explains them; a comment says
    what the code does and why."""
    pattern = re.compile(r"\bruns/|\b20\d\d-[01]\d-[0-3]\d\b")
    hits = []
    for package in ("sim", "agent", "ros"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".md", ".json", ".yaml", ".txt") and path.is_file():
                for i, line in enumerate(path.read_text().splitlines(), 1):
                    if pattern.search(line):
                        hits.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not hits, "\n".join(hits)
