"""The shape of the code: the model graph runs one way; test modules import helpers, never each other."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
TESTS = ROOT / "tests"


def _model_imports(path):
    """The models.* modules `path` imports, at any level (a function-level import is a cycle too)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("models."):
            yield node.module
        elif isinstance(node, ast.ImportFrom) and node.module == "models":
            yield from (f"models.{alias.name}" for alias in node.names if (MODELS / f"{alias.name}.py").exists())


def test_the_import_graph_of_models_has_no_cycle():
    graph = {f"models.{p.stem}": set(_model_imports(p)) for p in MODELS.glob("*.py") if p.stem != "__init__"}
    visiting, done, cycles = set(), set(), []

    def visit(node, path):
        if node in done:
            return
        if node in visiting:
            cycles.append(" → ".join([*path[path.index(node) :], node]))
            return
        visiting.add(node)
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node])
        visiting.discard(node)
        done.add(node)

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []


def test_no_test_module_imports_another():
    """Shared data and helpers live in modules of their own (access_policy, access_probes,
    plugin_data, factories, conftest), so running one test file never runs another's setup."""
    offending = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module in ("tests", "tests.plugins", "tests.e2e"):
                names += [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_"):
                    offending.append(f"{path.relative_to(ROOT)}: {name}")
    assert offending == []
