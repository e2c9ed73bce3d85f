"""The domain knows no framework (STYLE idea 1): it imports the standard library and itself.

Two independent checks, no import-linter needed:

* statically, every ``import`` in every module under ``src/tierline/domain`` (including ones
  inside functions or ``TYPE_CHECKING`` blocks, and relative ones) must name a standard-library
  module (``sys.stdlib_module_names``) or ``tierline.domain``;
* dynamically, importing every domain module in a fresh interpreter must not load any other
  ``tierline`` package (policy, store, service, api…) nor any third-party distribution.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import tierline.domain

DOMAIN = Path(tierline.domain.__file__).parent
MODULES = sorted(DOMAIN.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(DOMAIN.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imported_names(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, relative ones resolved.

    ``source`` stands in for the file's text (to check the checker on made-up code).
    """
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(path).split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # ``from tierline import policy`` imports tierline.policy: report module.name.
            found.extend(
                (node.lineno, module if alias.name == "*" else f"{module}.{alias.name}")
                for alias in node.names
            )
        elif isinstance(node, ast.Call):
            func = node.func
            dynamic = (isinstance(func, ast.Name) and func.id == "__import__") or (
                isinstance(func, ast.Attribute) and func.attr == "import_module"
            )
            if dynamic:
                arg = node.args[0] if node.args else None
                text = str(arg.value) if isinstance(arg, ast.Constant) else "<computed>"
                found.append((node.lineno, str(text)))
    return found


def allowed(module: str) -> bool:
    if module == "tierline.domain" or module.startswith("tierline.domain."):
        return True
    return module.split(".")[0] in sys.stdlib_module_names


def test_the_domain_has_modules_to_check() -> None:
    names = {p.stem for p in MODULES}
    assert {"calendar", "clocks", "triggers", "policy", "plan", "case"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_modules_import_only_the_standard_library_and_the_domain(path: Path) -> None:
    bad = [
        f"{path.name}:{line} imports {name}"
        for line, name in imported_names(path)
        if not allowed(name)
    ]
    assert bad == [], "the domain must stay framework-free:\n" + "\n".join(bad)


def test_the_checker_itself_catches_forbidden_imports() -> None:
    """A checker that cannot fail is no check: feed it the imports it must refuse."""
    source = (
        "import yaml\n"
        "from pydantic import BaseModel\n"
        "from tierline.policy import loader\n"
        "from .. import store\n"
        "from . import clocks\n"
        "import datetime, zoneinfo\n"
        "def f():\n"
        "    import sqlalchemy\n"
        "    importlib.import_module('tierline.service')\n"
    )
    names = [name for _, name in imported_names(DOMAIN / "probe.py", source)]
    assert [n for n in names if not allowed(n)] == [
        "yaml",
        "pydantic.BaseModel",
        "tierline.policy.loader",
        "tierline.store",
        "sqlalchemy",
        "tierline.service",
    ]
    assert {"tierline.domain.clocks", "datetime", "zoneinfo"} <= set(names)


def test_importing_the_domain_loads_no_other_tierline_package_and_no_third_party_code() -> None:
    modules = [_module_name(p) for p in MODULES]
    script = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        f"for name in {modules!r}:\n"
        "    __import__(name)\n"
        "new = set(sys.modules) - before\n"
        "loaded = {m: getattr(sys.modules[m], '__file__', None) for m in new}\n"
        "print(json.dumps(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    loaded: dict[str, str | None] = json.loads(out)
    other_tierline = sorted(
        m for m in loaded if m.startswith("tierline") and not m.startswith("tierline.domain")
    )
    assert other_tierline in ([], ["tierline"])  # the bare package, which imports nothing
    stdlib_dirs = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}

    def third_party(name: str, file: str | None) -> bool:
        top = name.split(".")[0]
        if top == "tierline" or top in sys.stdlib_module_names:
            return False
        in_stdlib_dir = file is not None and any(file.startswith(d) for d in stdlib_dirs)
        # Private stdlib helpers such as _sysconfigdata_* live in the stdlib directory.
        return not in_stdlib_dir or "site-packages" in Path(file or "").parts

    assert sorted(m for m, f in loaded.items() if third_party(m, f)) == []
