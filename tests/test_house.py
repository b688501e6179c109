"""The house rules of kit/ (issue #18), measured on the source: imports point one way, SQL lives in
kit.store, modules and functions stay short enough to read.

Each rule walks the AST of every module under kit/, so an import inside a
function or under ``TYPE_CHECKING`` counts like any other.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

KIT = Path(__file__).resolve().parents[1] / "kit"
CAPABILITIES = ("kit.metadata", "kit.hashing", "kit.matching", "kit.detectors", "kit.spread", "kit.importers")
ABOVE_CAPABILITIES = ("kit.case", "kit.casedb", "kit.casework", "kit.report", "kit.widgets", "kit.viz", "kit.cli",
                      "kit.pipeline", "kit.demo")
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 80

# A statement, not prose: a keyword followed by what SQL puts after it.
SQL = re.compile(r"\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|"
                 r"CREATE\s+(TEMP\s+)?(TABLE|TRIGGER|INDEX|VIEW)\b|DROP\s+(TABLE|TRIGGER|INDEX)\b|PRAGMA\s+\w+|"
                 r"VACUUM\b|BEGIN\s+IMMEDIATE\b|ALTER\s+TABLE\b)")


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(KIT.rglob("*.py")):
        parts = list(p.relative_to(KIT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The kit module an imported name lives in (a package's ``__init__`` for its attributes)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> set[str]:
    """Every kit module ``module`` imports, wherever the import statement is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        out |= {t for n in names if n.split(".")[0] == "kit" and (t := _resolve(n)) and t != module}
    return out


def _import_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for module, path in MODULES.items():
        g.add_node(module)
        g.add_edges_from((module, t) for t in _imports(module, path))
    return g


def test_the_import_graph_has_no_cycle():
    cycles = [sorted(c) for c in nx.strongly_connected_components(_import_graph()) if len(c) > 1]
    assert cycles == [], f"import cycles in kit/: {cycles}"


def test_the_import_walker_sees_imports_inside_functions_and_type_checking(tmp_path):
    """The rule is only as good as its walker: a cycle through in-function and TYPE_CHECKING imports is found."""
    src = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kit.case import Case\n"
           "def f():\n    from . import digest\n    import kit.store.schema\n")
    p = tmp_path / "m.py"
    p.write_text(src)
    assert _imports("kit.spread.m", p) == {"kit.case", "kit.spread", "kit.store.schema"}


def test_capabilities_do_not_import_the_case_or_anything_above_them():
    g = _import_graph()
    wrong = sorted((m, t) for m, t in g.edges if m.startswith(CAPABILITIES)
                   and any(t == a or t.startswith(a + ".") for a in ABOVE_CAPABILITIES))
    assert wrong == [], f"capability modules importing the case layer or above: {wrong}"


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant and f-string literal part, with its line."""
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_sql_outside_the_store():
    found = []
    for module, path in MODULES.items():
        if module == "kit.store" or module.startswith("kit.store."):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        found += [f"{path.relative_to(KIT.parent)}:{line}: {text[:60]!r}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  for line, text in [(node.lineno, node.value)] if SQL.search(text)]
    assert found == [], "SQL outside kit/store:\n" + "\n".join(found)


@pytest.mark.parametrize("text,is_sql", [
    ("SELECT a, b FROM t", True), ("INSERT OR REPLACE INTO t VALUES (?)", True), ("PRAGMA user_version", True),
    ("UPDATE posts SET parent_post_id = ?", True), ("VACUUM INTO ?", True),
    ("the database refuses UPDATE and DELETE on the table", False), ("select the best match", False),
])
def test_the_sql_pattern_tells_statements_from_prose(text, is_sql):
    assert bool(SQL.search(text)) is is_sql


def test_no_module_or_function_is_too_long():
    long = []
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        n = len(text.splitlines())
        if n > MAX_MODULE_LINES:
            long.append(f"module {module}: {n} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long.append(f"function {module}.{node.name}: {size} lines")
    assert long == [], f"over {MAX_MODULE_LINES} lines a module or {MAX_FUNCTION_LINES} a function:\n" + "\n".join(long)


def test_the_case_connection_is_private(tmp_path):
    """Nothing outside the store layer reaches for ``case.conn``: reads and writes go through ``case.rows``."""
    users = [f"{p.relative_to(KIT.parent)}:{n.lineno}" for m, p in MODULES.items()
             for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
             if isinstance(n, ast.Attribute) and n.attr == "conn" and isinstance(n.value, ast.Name)
             and n.value.id == "case"]
    assert users == []
    from kit.case import Case

    with Case.create(tmp_path / "case", analyst="ana") as case:
        assert not hasattr(case, "conn") and case.rows.meta()["analyst"] == "ana"
