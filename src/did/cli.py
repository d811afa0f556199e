"""The `did` command-line tool. Sub-commands live in did/commands/, one module each.

A sub-command's module is imported only when that command runs (or help lists it):
`did validate` should not pay for importing the publication and synthesis code.
"""

import importlib
import pkgutil

import click

from did import __version__, commands


def _module_names() -> dict[str, str]:
    """Command name -> module name: the module `codes_import` is `did codes-import`."""
    modules = sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
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
    cli()


if __name__ == "__main__":
    main()
