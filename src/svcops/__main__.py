from svcops.cli.app import run

run()
