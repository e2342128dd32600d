"""JSON and TOML text read so that its shape can only make it malformed, never crash the reader.

`json.loads` and `tomllib.loads` recurse once per level of nesting (a thousand `[`s raise
RecursionError), and both refuse a number of more than 4,300 digits with a plain ValueError.
Both are malformed input like any other: here they raise the decoder's own error, which every
caller already turns into its one-line message.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

_LONG_NUMBER = re.compile(r"[0-9]{4000,}")


def json_value(text: str) -> Any:
    """`json.loads(text)`; json.JSONDecodeError for anything it cannot read."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("arrays or objects nested too deeply", text, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # Python's limit on the digits of an int
        found = _LONG_NUMBER.search(text)
        raise json.JSONDecodeError(
            "a number too long", text, found.start() if found else 0
        ) from None


def toml_document(text: str) -> dict[str, Any]:
    """`tomllib.loads(text)`; tomllib.TOMLDecodeError for anything it cannot read."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError:
        raise
    except ValueError:  # Python's limit on the digits of an int
        raise tomllib.TOMLDecodeError("a number too long") from None
