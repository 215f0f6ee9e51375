"""``make build``: each function directory has its handler, shared/ and the dependencies, nothing else."""

import subprocess

import pytest

from tools.build_functions import ROOT, build, functions, python310


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    build(out)
    return out


def test_every_function_is_built_with_handler_shared_and_dependencies(built):
    assert functions() and sorted(p.name for p in built.iterdir()) == functions()
    for name in functions():
        folder = built / name
        assert (folder / "index.py").read_text() == (ROOT / "functions" / name / "index.py").read_text()
        assert (folder / "shared" / "__init__.py").is_file()
        assert (folder / "python" / "alibabacloud_dysmsapi20170525").is_dir()
        assert (folder / "python" / "pydantic_core").is_dir()
        assert list((folder / "shared" / "elements" / "__pycache__").glob("app.cpython-310.pyc"))


def test_no_tests_emulator_or_dev_files_are_shipped(built):
    shipped = {p.relative_to(built).parts[1] for p in built.glob("*/*")}
    assert shipped == {"index.py", "shared", "python", "__pycache__"}
    assert not list(built.glob("*/shared/**/*.pyc.*"))
    assert not list(built.glob("**/emulator")) and not list(built.glob("*/tests"))
    assert not list(built.glob("*/shared/**/test_*.py"))


DEV_ONLY = ("fc2", "emulator", "tests", "tools", "pytest", "yaml", "jsonschema", "playwright")


def test_no_shipped_module_imports_a_dev_only_package(built):
    """A developer tool (like the fc2 invoke cli) in shared/ would ship to FC without its dependencies."""
    for module in built.glob("*/shared/**/*.py"):
        for line in module.read_text().splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from"):
                assert words[1].split(".")[0] not in DEV_ONLY, f"{module}: {line.strip()}"


def test_the_built_handler_imports_on_python310_with_only_what_was_built(built):
    for name in functions():
        folder = built / name
        code = (f"import sys; sys.path[:0] = [{str(folder)!r}, {str(folder / 'python')!r}]; "
                "import index, shared.elements.app, alibabacloud_dysmsapi20170525.client, alibabacloud_oss_v2, redis; "
                "assert callable(index.handler)")
        result = subprocess.run([python310(), "-I", "-c", code], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr


def test_every_module_ships_bytecode_python_never_checks_against_its_source(built):
    """PEP 552 unchecked-hash .pyc, valid whatever time the deploy zip gives a source back (its DOS
    times are 2-second): a stale timestamp .pyc is compiled again at every cold start on FC's read-only /code."""
    sources = list(built.glob("send_sms/**/*.py"))
    assert len(sources) > 100
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-310.pyc"
        flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
        assert flags == 0b01, f"{compiled}: flags {flags:#b}, not unchecked-hash"
