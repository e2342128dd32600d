"""svcops: a command-line service-operations toolkit."""

__version__ = "0.1.0"
