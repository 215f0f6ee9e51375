"""shared/'s imports: no cycle anywhere inside it (TYPE_CHECKING and function-level imports count).

The layers themselves are pyproject.toml's import-linter contract, run by ``make test``
(``lint-imports``); this test also runs it, so that a plain ``pytest`` holds them too.
"""

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]


def import_cycles(package: str) -> list[list[str]]:
    graph = grimp.build_graph(package, include_external_packages=False)
    cycles: dict[frozenset[str], list[str]] = {}
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles.setdefault(frozenset(chain), [module, *chain])
    return list(cycles.values())


def test_no_import_cycle_inside_shared():
    assert import_cycles("shared") == []


def test_the_cycle_finder_sees_type_checking_and_function_level_imports(tmp_path, monkeypatch):
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cyclic import b\n")
    (package / "b.py").write_text("def f():\n    from cyclic import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("cyclic") == [["cyclic.a", "cyclic.b", "cyclic.a"]]


def test_the_layers_contract_is_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail(f"{lint} is missing: `make install` installs import-linter")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout
