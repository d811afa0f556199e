"""The `did` command-line tool. Sub-commands live in did/commands/, one module each."""

import importlib
import pkgutil

import click

from did import __version__, commands


@click.group()
@click.version_option(__version__, prog_name="did")
def cli() -> None:
    """Validate, generate and publish Diagnostic Imaging Data Set files."""


for _module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    cli.add_command(importlib.import_module(f"did.commands.{_module.name}").command)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
