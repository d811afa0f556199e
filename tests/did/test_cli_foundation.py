import subprocess
import sys

from click.testing import CliRunner

from did.cli import cli


def test_the_did_command_answers_version_and_help():
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.startswith("did, version")
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Diagnostic Imaging Data Set" in result.output


def fresh_python_prints(code: str) -> str:
    """What `code` prints in a new interpreter (so no module is already imported)."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_engine_never_imports_django():
    code = (
        "import importlib, pkgutil, sys, did\n"
        "for m in pkgutil.walk_packages(did.__path__, 'did.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('django' in sys.modules)"
    )
    assert fresh_python_prints(code) == "False"


def test_help_lists_every_sub_command_but_one_command_imports_only_its_module():
    result = CliRunner().invoke(cli, ["--help"])
    for name in ("codes-import", "publish", "synth", "validate"):
        assert f"  {name}  " in result.output
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from did.cli import cli\n"
        "assert CliRunner().invoke(cli, ['validate', '--help']).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('did.commands.')))"
    )
    assert fresh_python_prints(code) == "['did.commands.validate']"
