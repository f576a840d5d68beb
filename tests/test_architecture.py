"""The shape of the code: the model graph runs one way; imports sit at module level; test modules
import helpers, never each other.

`python -m tests.test_architecture` prints the function-level imports of the application code."""

import ast
from pathlib import Path

from models import catalogue

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
TESTS = ROOT / "tests"
# Not application code: tests, migrations (peewee-migrate loads them itself), benchmarks.
NOT_APPLICATION = {"tests", "migrations", "bench", ".venv", ".git", "node_modules"}
# Third-party libraries loaded on first use: seconds of start-up for every worker and CLI call
# otherwise (WeasyPrint ~3 s, fhir.resources ~1.4 s, zxcvbn and openpyxl ~0.6 s each).
LAZY_LIBRARIES = ("weasyprint", "fhir.resources", "openpyxl", "zxcvbn")
# A function-level import of anything else says why on its line or the line above it.
CYCLE_COMMENT = "# import here:"


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


def application_files():
    for path in sorted(ROOT.rglob("*.py")):
        if not NOT_APPLICATION & set(path.relative_to(ROOT).parts):
            yield path


def function_level_imports(path):
    """(line, imported module names, source lines) of each import inside a function of `path`."""
    source = path.read_text()
    lines = source.split("\n")
    found = []

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                names = [child.module or ""] if isinstance(child, ast.ImportFrom) else [a.name for a in child.names]
                found.append((child.lineno, names, lines[max(child.lineno - 2, 0) : child.end_lineno]))
            walk(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    walk(ast.parse(source), False)
    return found


def _lazy_library(names):
    return all(any(n == lib or n.startswith(f"{lib}.") for lib in LAZY_LIBRARIES) for n in names)


def test_imports_sit_at_module_level_unless_they_break_a_cycle():
    """An import inside a function hides a dependency and costs a lookup per call: it is allowed
    for a heavy library of LAZY_LIBRARIES, or with a `# import here: <cycle>` comment."""
    unexplained = []
    for path in application_files():
        for line, names, source in function_level_imports(path):
            if not _lazy_library(names) and not any(CYCLE_COMMENT in text for text in source):
                unexplained.append(f"{path.relative_to(ROOT)}:{line}: {', '.join(names)}")
    assert unexplained == [], "move these to module level, or say which cycle they break"


def _display_names():
    """The Danish display names of the default lists: text for people, never for code to compare."""
    names = {name for known in catalogue.codes_by_table().values() for _code, name in known}
    return names | {name for _code, name, _required in catalogue.END_CRITERIA}


# Where the display names are data: the catalogue itself, the demo data, migrations (excluded above).
NAMES_ARE_DATA = {"models/catalogue.py", "demo.py", "plugins/intake/demo.py"}


def test_code_compares_list_codes_never_display_names():
    names = _display_names()
    compared = []
    for path in application_files():
        relative = str(path.relative_to(ROOT))
        if relative in NAMES_ARE_DATA:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            for operand in [node.left, *node.comparators]:
                elements = operand.elts if isinstance(operand, ast.Tuple | ast.List | ast.Set) else [operand]
                for element in elements:
                    if isinstance(element, ast.Constant) and element.value in names:
                        compared.append(f"{relative}:{node.lineno}: {element.value!r}")
    assert compared == [], "compare the entry's code (models/catalogue.py), not its Danish name"


if __name__ == "__main__":
    total = 0
    for path in application_files():
        for line, names, _source in function_level_imports(path):
            total += 1
            print(f"{path.relative_to(ROOT)}:{line}: {', '.join(names)}")
    print(f"{total} function-level imports in application code")
