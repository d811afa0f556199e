"""The `did` command-line tool. Sub-commands live in did/commands/, one module each.

A sub-command's module is imported only when that command runs (or help lists it):
`did validate` should not pay for importing the publication and synthesis code.
"""

import importlib
import os
import pkgutil
import sys

import click

from did import __version__, commands


def _module_names() -> dict[str, str]:
    """Command name -> module name: the module `codes_import` is `did codes-import`. A
    module whose name starts with _ is a command's own (did/commands/_validate_run.py)."""
    modules = sorted(
        m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")
    )
    return {name.replace("_", "-"): name for name in modules}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_module_names())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _module_names().get(cmd_name)
        if module is None:
            return None
        return importlib.import_module(f"did.commands.{module}").command


@click.group(cls=_LazyGroup)
@click.version_option(__version__, prog_name="did")
def cli() -> None:
    """Validate, generate and publish Diagnostic Imaging Data Set files."""


def main() -> None:
    """The console script. Ends the process without tearing down the interpreter: freeing
    every Polars buffer and thread pool one by one adds a tenth of a second to each run
    of `did validate`, and nothing is left to flush but standard output and error."""
    try:
        cli()
        status = 0
    except SystemExit as exit_:
        status = _exit_status(exit_.code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # what SystemExit does with a message
    return 1


if __name__ == "__main__":
    main()
