"""Rules of the code's shape, checked on the source with ``ast`` (nothing is imported):

- no import cycles among academy's modules, deferred imports included;
- no module over MAX_LINES lines, but for the listed ones, each with its reason;
- services never touch the request's state, and commit only where listed with a reason.

web -> services -> models: a view loads, checks access, calls one service and commits
once, so a service that read the request or committed would hide that from its callers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "academy"

MAX_LINES = 500
# {path: why it may be longer}. An entry must go once the file is split or gone: the
# test fails on stale entries too.
LONG_MODULES: Mapping[str, str] = {}

SERVICES = "academy/services"
# Request state a service must neither import nor use: it is called from the CLI and
# from other services too, where there is no request.
REQUEST_STATE = {
    "flask": {"request", "session", "g"},
    "flask.globals": {"request", "session", "g"},
    "flask_login": {"current_user"},
    "flask_login.utils": {"current_user"},
}
# {path: why this service commits}. Every other service leaves the commit to its caller.
COMMITTING_SERVICES: Mapping[str, str] = {
    "academy/services/delivery.py": (
        "the outbox worker commits each claim before sending, so that no other worker "
        "sends the same mail; it takes a session factory, not the caller's session"
    ),
    "academy/services/certificates.py": (
        "each PDF is rendered and stored in a transaction of its own after the issuing "
        "commit (render_pending, render_missing for the CLI), and the first download "
        "stores a PDF whose render had failed (stored_pdf)"
    ),
}


# --- the import graph -----------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (a folder under ``root``) by dotted name."""
    return {
        module_name(path, root): path
        for path in sorted((root / package).rglob("*.py"))
        if "migrations" not in path.relative_to(root).parts
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_statements(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import, at any depth (in functions too), but those under ``if TYPE_CHECKING:``
    (which never run); an ``else:`` of such an ``if`` does run, so it counts."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _resolve(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module a ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def module_imports(path: Path, module: str, known: Mapping[str, Path]) -> set[str]:
    """The modules of ``known`` that ``module`` depends on.

    ``from pkg import name`` depends on ``pkg.name`` when that is a module, else on
    ``pkg``'s ``__init__``. Importing ``pkg.mod`` also runs the ``__init__`` of every
    package above it, so it depends on those too, unless the importer is inside that
    package (whose ``__init__`` has then already run).
    """
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in _import_statements(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = _resolve(node, module, is_package)
        submodules = {f"{base}.{alias.name}" for alias in node.names} & known.keys()
        targets |= submodules
        if len(submodules) < len(node.names):
            targets.add(base)
    depends: set[str] = set()
    for target in targets & known.keys():
        parts = target.split(".")
        for end in range(1, len(parts) + 1):
            ancestor = ".".join(parts[:end])
            inside = module == ancestor or module.startswith(ancestor + ".")
            if ancestor in known and (ancestor == target or not inside):
                depends.add(ancestor)
    depends.discard(module)
    return depends


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    modules = package_modules(root, package)
    return {module: module_imports(path, module, modules) for module, path in modules.items()}


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per group of modules that import each other."""
    edges = {node: sorted(set(targets) & graph.keys()) for node, targets in graph.items()}
    cycles = []
    for component in _strongly_connected(edges):
        start = min(component)
        members = set(component)
        # Breadth-first from start back to start, within the component: a shortest cycle.
        previous: dict[str, str] = {}
        queue = [start]
        while queue:
            node = queue.pop(0)
            if start in edges[node]:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                cycles.append([*reversed(path), start])
                break
            for target in edges[node]:
                if target in members and target not in previous and target != start:
                    previous[target] = node
                    queue.append(target)
    return sorted(cycles)


def _strongly_connected(edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's components with more than one node or a self-loop (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in edges[node]:
                        components.append(sorted(component))
    return components


def test_academy_has_no_import_cycles():
    cycles = find_cycles(import_graph(ROOT, PACKAGE))

    assert not cycles, "import cycles (deferred imports count):\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles
    )


def test_the_cycle_finder_finds_cycles_in_a_small_graph():
    graph = {
        "a": {"b"},
        "b": {"c", "d"},
        "c": {"a"},
        "d": set(),
        "e": {"e"},
        "f": {"a", "g"},
        "g": {"f"},
    }

    assert find_cycles(graph) == [["a", "b", "c", "a"], ["e", "e"], ["f", "g", "f"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) == []


def write_package(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_graph_counts_deferred_imports_but_not_type_checking_ones(tmp_path):
    write_package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from . import b\n",
            "pkg/b.py": "def later():\n    from .a import thing\n",
            "pkg/c.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n"
            ),
            "pkg/d.py": "import pkg.c\n",
        },
    )

    graph = import_graph(tmp_path, "pkg")

    assert graph["pkg.b"] == {"pkg.a"}
    assert graph["pkg.c"] == set()
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"]]


def test_importing_a_submodule_depends_on_its_package_init(tmp_path):
    write_package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            # The package registers its views: importing pkg.sub.access runs this first.
            "pkg/sub/__init__.py": "def register():\n    from . import views\n",
            "pkg/sub/access.py": "",
            "pkg/sub/views.py": "from ..photos import show\n",
            "pkg/photos.py": "from .sub.access import allowed\n",
        },
    )

    graph = import_graph(tmp_path, "pkg")

    assert graph["pkg.photos"] == {"pkg.sub", "pkg.sub.access"}
    # Inside pkg.sub, importing a sibling does not depend on pkg.sub's __init__ again.
    assert graph["pkg.sub.views"] == {"pkg.photos"}
    assert find_cycles(graph) == [["pkg.photos", "pkg.sub", "pkg.sub.views", "pkg.photos"]]


def test_a_submodule_importing_from_its_package_init_is_a_cycle(tmp_path):
    write_package(
        tmp_path,
        {
            "pkg/__init__.py": "from .views import page\nbp = object()\n",
            "pkg/views.py": "from . import bp\n",
        },
    )

    assert find_cycles(import_graph(tmp_path, "pkg")) == [["pkg", "pkg.views", "pkg"]]


# --- module length --------------------------------------------------------------------------


def line_counts(root: Path, package: str) -> dict[str, int]:
    return {
        path.relative_to(root).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in package_modules(root, package).values()
    }


def test_no_module_is_over_the_line_limit():
    too_long = {
        path: lines
        for path, lines in line_counts(ROOT, PACKAGE).items()
        if lines > MAX_LINES and path not in LONG_MODULES
    }

    assert not too_long, f"over {MAX_LINES} lines (split them by concern): {too_long}"


def test_every_long_module_exception_is_still_needed():
    counts = line_counts(ROOT, PACKAGE)
    stale = {
        path: counts.get(path, "gone") for path in LONG_MODULES if counts.get(path, 0) <= MAX_LINES
    }

    assert not stale, f"remove these from LONG_MODULES (gone or short now): {stale}"


# --- services -------------------------------------------------------------------------------


def request_state_uses(tree: ast.AST) -> list[str]:
    """Where ``tree`` imports or uses flask's request, session, g or current_user."""
    found = []
    aliases: dict[str, str] = {}  # local name -> module, for ``import flask as f``
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in REQUEST_STATE:
            found += [
                f"line {node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name in REQUEST_STATE[node.module]
            ]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in REQUEST_STATE:
                    aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            module = ast.unparse(node.value)
            if node.attr in REQUEST_STATE.get(aliases.get(module, ""), ()):
                found.append(f"line {node.lineno}: {module}.{node.attr}")
    return found


def commits(tree: ast.AST) -> list[int]:
    """The lines of ``tree`` that call ``.commit()`` on anything."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def service_trees() -> dict[str, ast.AST]:
    return {
        path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / SERVICES).rglob("*.py"))
    }


def test_services_never_touch_the_request_state():
    uses = {
        path: found for path, tree in service_trees().items() if (found := request_state_uses(tree))
    }

    assert not uses, f"services must take what they need as arguments: {uses}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from flask import current_app, request\n", ["line 1: from flask import request"]),
        ("import flask\nflask.g.user\n", ["line 2: flask.g"]),
        (
            "from flask_login import current_user as me\n",
            ["line 1: from flask_login import current_user"],
        ),
        ("from flask import current_app\nsession.add(x)\n", []),
    ],
)
def test_the_request_state_finder(source, expected):
    assert request_state_uses(ast.parse(source)) == expected


def test_services_commit_only_where_listed():
    committing = {path: lines for path, tree in service_trees().items() if (lines := commits(tree))}
    unlisted = {
        path: lines for path, lines in committing.items() if path not in COMMITTING_SERVICES
    }
    stale = sorted(COMMITTING_SERVICES.keys() - committing.keys())

    assert not unlisted, f"services leave the commit to the view or command: {unlisted}"
    assert not stale, f"remove these from COMMITTING_SERVICES (they no longer commit): {stale}"


# A merge's conflict markers at the start of a line (seven characters and a space, or a
# lone "=======" between them), in any text file git tracks.
_CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ", "||||||| ")


def test_no_tracked_file_holds_merge_conflict_markers():
    import subprocess

    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True)
        .stdout.decode()
        .split("\0")
    )
    found = []
    for name in filter(None, tracked):
        path = ROOT / name
        if (
            path.suffix
            not in {
                ".py",
                ".html",
                ".md",
                ".po",
                ".pot",
                ".css",
                ".yaml",
                ".txt",
                ".toml",
                ".cfg",
                ".ini",
                ".json",
                ".js",
                ".svg",
            }
            or not path.is_file()
        ):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if line.startswith(_CONFLICT_MARKERS):
                found.append(f"{name}:{number}")
    assert found == [], f"merge conflict markers left in: {', '.join(found)}"
