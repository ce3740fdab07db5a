"""The docs say what is so: every test and file they cite exists, and they cite nothing outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CITED_FILE = re.compile(r"`((?:tests|roster_tui|benchmarks|docs|styles)/[\w./-]+?\.(?:py|md|tcss))(?:::(\w+))?")


def test_cited_files_and_tests_exist() -> None:
    missing = []
    for doc in DOCS:
        for path, test in CITED_FILE.findall(doc.read_text()):
            file = ROOT / path
            if not file.exists():
                missing.append(f"{doc.name}: {path}")
            elif test and not re.search(rf"def {test}\b", file.read_text()):
                missing.append(f"{doc.name}: {path}::{test}")
    assert not missing, missing


def test_nothing_outside_the_repository_is_cited() -> None:
    outside = re.compile(r"shared/|DOMAIN\.md|MEASURING\.md|\.\./")
    sources = [*DOCS, *(ROOT / "roster_tui").rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    cited = [str(p.relative_to(ROOT)) for p in sources if outside.search(p.read_text())]
    assert cited == []
