"""The layers of docs/architecture.md, checked on the source (``ast``), so they stay kept.

* Only ``transaction()`` commits: services, views, hooks, jobs and commands never call
  ``.commit()`` (a refused use case then leaves nothing half-written, and use cases
  compose).
* Views (``routes.py``, ``*_routes.py``, ``blueprint.py``) never touch ``db``: they
  call services and query functions.
* No feature imports another feature's views (routes, ``*_routes``, blueprint).
* An import inside a function says why it is there ("# Imported here: why" above it,
  or a comment on its line).

The import rules between packages (no cycles, pure domain, views apart) are
import-linter contracts in pyproject.toml, run by ``make lint``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rekruttering"

#: View modules that still hold queries, each with the reason. Nothing may be added
#: here without one; an entry whose module no longer touches ``db`` fails the test, so
#: the list only shrinks.
VIEWS_NOT_YET_MOVED: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if "migrations" not in p.relative_to(PACKAGE).parts
    )


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _is_view_module(path: Path) -> bool:
    return path.name in ("routes.py", "blueprint.py") or path.name.endswith("_routes.py")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _commits(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]


def _db_uses(tree: ast.Module) -> list[int]:
    """Lines that use ``db`` (db.session, db.paginate …) or import it."""
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "db"
    ]
    lines += [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module == "rekruttering.extensions"
        and any(alias.name == "db" for alias in node.names)
    ]
    return sorted(lines)


#: Modules that may call ``commit()``: ``transaction()``, and read_only_commit, which ends
#: an app context's transaction with COMMIT only when it ran nothing but plain reads.
COMMITTERS = ("transaction.py", "read_only_commit.py")


def test_only_transaction_commits() -> None:
    """No service, view, request hook, job or command commits by itself."""
    found = {
        _name(path): lines
        for path in _modules()
        if path.name not in COMMITTERS and (lines := _commits(_tree(path)))
    }
    assert found == {}, f"commit outside transaction(): {found}"


def test_views_hold_no_queries() -> None:
    found = {
        _name(path): lines
        for path in _modules()
        if _is_view_module(path) and (lines := _db_uses(_tree(path)))
    }
    unexplained = {name: lines for name, lines in found.items() if name not in VIEWS_NOT_YET_MOVED}
    assert unexplained == {}, (
        f"views using db (move the query to a service/queries module): {unexplained}"
    )
    stale = sorted(set(VIEWS_NOT_YET_MOVED) - set(found))
    assert stale == [], f"no longer using db, take them off VIEWS_NOT_YET_MOVED: {stale}"
    assert all(reason.strip() for reason in VIEWS_NOT_YET_MOVED.values())


def _imported_modules(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _is_view_module_name(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last in ("routes", "blueprint") or last.endswith("_routes")


def test_no_feature_imports_another_features_views() -> None:
    """A feature uses another through its services and queries, never its blueprint."""
    found = {}
    for path in _modules():
        parts = path.relative_to(PACKAGE).parts
        own = parts[0] if len(parts) > 1 else None
        lines = [
            line
            for line, module in _imported_modules(_tree(path))
            if module.startswith("rekruttering.")
            and module.count(".") >= 2
            and module.split(".")[1] != own
            and _is_view_module_name(module)
        ]
        if lines:
            found[_name(path)] = lines
    assert found == {}, f"imports of another feature's views: {found}"


def _function_imports_without_reason(path: Path) -> list[int]:
    source = path.read_text(encoding="utf-8").splitlines()
    missing = []
    for function in ast.walk(_tree(path)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        imports = [
            node for node in ast.walk(function) if isinstance(node, ast.Import | ast.ImportFrom)
        ]
        if not imports:
            continue
        first = min(node.lineno for node in imports)
        # From the def line to the first import: "Imported here: why", or a comment on
        # the import line itself.
        preamble = "\n".join(source[function.lineno - 1 : first]).lower()
        if "imported here" not in preamble and "#" not in source[first - 1]:
            missing.append(first)
    return missing


def test_function_level_imports_say_why() -> None:
    found = {
        _name(path): lines
        for path in _modules()
        if (lines := _function_imports_without_reason(path))
    }
    assert found == {}, f"imports inside functions without an 'Imported here: why' comment: {found}"


def test_the_checks_see_what_they_look_for(tmp_path: Path) -> None:
    """The checks themselves: a commit, a query in a view and a silent local import."""
    source = tmp_path / "routes.py"
    source.write_text(
        "from rekruttering.extensions import db\n"
        "def view():\n"
        "    from x import y\n"
        "    db.session.add(y)\n"
        "    db.session.commit()\n",
        encoding="utf-8",
    )
    tree = _tree(source)
    assert _commits(tree) == [5]
    assert _db_uses(tree) == [1, 4, 5]
    assert _function_imports_without_reason(source) == [3]
    assert (3, "x.y") in _imported_modules(tree)
    assert _is_view_module_name("rekruttering.partners.staff_routes")
    assert not _is_view_module_name("rekruttering.partners.referrals")
    source.write_text("def view():\n    # Imported here: heavy.\n    import x\n", encoding="utf-8")
    assert _function_imports_without_reason(source) == []
    source.write_text("def view():\n    import x  # optional\n", encoding="utf-8")
    assert _function_imports_without_reason(source) == []
