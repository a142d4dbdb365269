"""The floors of intake/ import only downward: the faces (api/, web/) never import each other, and
the application floor (services/, queries/) imports no face and no Flask."""
import ast
from pathlib import Path

import pytest

INTAKE = Path(__file__).resolve().parents[2] / "intake"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function, by its full dotted name."""
    package = ".".join(path.relative_to(INTAKE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # from intake import api
    return found


def arrows(floor: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{path.relative_to(INTAKE.parent)} imports {module}"
                  for path in (INTAKE / floor).rglob("*.py")
                  for module in imported_modules(path)
                  if any(module == name or module.startswith(name + ".") for name in forbidden))


@pytest.mark.parametrize("floor, forbidden", [
    ("web", ("intake.api",)),
    ("api", ("intake.web",)),
    ("services", ("intake.api", "intake.web", "flask")),
    ("queries", ("intake.api", "intake.web", "flask")),
])
def test_a_floor_imports_no_face_beside_or_above_it(floor, forbidden):
    assert arrows(floor, forbidden) == []


def test_the_check_sees_an_import_inside_a_function_and_a_relative_one(tmp_path, monkeypatch):
    web = tmp_path / "intake" / "web"
    web.mkdir(parents=True)
    (web / "page.py").write_text("def view():\n    from intake.api.cases import history\n"
                                 "from ..api import reads\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["INTAKE"]), "INTAKE", tmp_path / "intake")
    assert arrows("web", ("intake.api",)) == ["intake/web/page.py imports intake.api",
                                              "intake/web/page.py imports intake.api.cases",
                                              "intake/web/page.py imports intake.api.cases.history",
                                              "intake/web/page.py imports intake.api.reads"]


def test_the_supervisors_pages_do_not_import_each_other_in_a_circle():
    audit = imported_modules(INTAKE / "web" / "supervisor_audit.py")
    assert not {"intake.web.supervisor", "intake.web.supervisor.bp"} & audit
