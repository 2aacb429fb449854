"""The documentation stays in step with the code it describes."""

from __future__ import annotations

import re

from support import ROOT


def test_docs_module_map_lists_every_module():
    package = ROOT / "src" / "lodpub"
    modules = {str(p.relative_to(package)) for p in package.rglob("*.py")
               if p.name != "__init__.py" or p.parent != package}
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    architecture = architecture.split("\n## Modules (`src/lodpub/`)", 1)[1]
    mapped = set(re.findall(r"^\| `([\w/]+\.py)` \|", architecture, flags=re.MULTILINE))
    assert modules - mapped == set(), "modules missing from docs/architecture.md's module map"
    assert mapped - modules == set(), "docs/architecture.md maps modules that do not exist"
