"""The command line: thin Typer commands; the only package that imports typer or rich."""
