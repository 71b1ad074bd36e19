"""The layout's rules that import-linter cannot state: no import cycles among product modules,
and the ingest path imports no rendering (issue: dependencies one way, README "Architecture")."""

import ast
from pathlib import Path

import grimp

PRODUCT = ("arcadium", "crm", "telephony", "callreports")
ROOT = Path(__file__).resolve().parent.parent


def _product_graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PRODUCT, cache_dir=None)


def _is_product(module: str) -> bool:
    return not module.startswith("telephony.simulator") and ".migrations" not in module


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    modules = sorted(m for m in graph.modules if _is_product(m))
    edges = {
        m: sorted(n for n in graph.find_modules_directly_imported_by(m) if _is_product(n)) for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = [n for n in edges.get(node, []) if n in edges]
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            for child in children:
                if child in on_stack:
                    low[node] = min(low[node], low[child])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_it_has_no_import_cycles_among_product_modules():
    assert _cycles(_product_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.y", imported="a.z")
    assert _cycles(graph) == [["a.x", "a.y"]]


def _imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_ingest_imports_no_rendering():
    rendering = ("django.template", "django.shortcuts")
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imports_of(path) if m.startswith(rendering))
        for path in (ROOT / "telephony" / "ingest").glob("*.py")
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def _in_import_block(line: str) -> bool:
    """An import line, or a line of a parenthesized import's name list."""
    code = line.split("#")[0].strip()
    return code.startswith(("from ", "import ")) or code == ")" or (code.endswith(",") and " " not in code)


def _explained(lines: list[str], at: int) -> bool:
    """A comment on the import's line or just above its block of imports."""
    if "#" in lines[at]:
        return True
    while at > 0 and _in_import_block(lines[at - 1].strip()):
        at -= 1
    return lines[at - 1].strip().startswith("#")


def test_no_product_function_imports_inside_its_body_without_saying_why():
    """Imports inside functions only to break a genuine import-time problem, each with a comment."""
    unexplained = []
    for package in ("crm", "callreports", "telephony"):
        for path in (ROOT / package).rglob("*.py"):
            relative = str(path.relative_to(ROOT))
            if "/simulator/" in relative or "/migrations/" in relative:
                continue
            lines = path.read_text().splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom) and not _explained(
                        lines, inner.lineno - 1
                    ):
                        unexplained.append(f"{relative}:{inner.lineno}")
    assert unexplained == []
