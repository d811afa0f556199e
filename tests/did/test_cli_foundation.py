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


def test_the_engine_never_imports_django():
    code = (
        "import importlib, pkgutil, sys, did\n"
        "for m in pkgutil.walk_packages(did.__path__, 'did.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('django' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
