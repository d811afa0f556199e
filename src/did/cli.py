"""The `did` command-line tool."""

import click

from did import __version__


@click.group()
@click.version_option(__version__, prog_name="did")
def cli() -> None:
    """Validate, generate and publish Diagnostic Imaging Data Set files."""


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
