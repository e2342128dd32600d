"""The output formats (PRODUCT.md section 4): what --format, SVCOPS_FORMAT and the config
file's display.format accept."""

from __future__ import annotations

FORMATS = ("table", "json", "ndjson", "csv", "tsv", "md")
