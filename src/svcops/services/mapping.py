"""The mapping file of `import-log`: which of an event log's columns and values mean what."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svcops.domain.errors import InvalidInput
from svcops.domain.fields import IMPORTED_TEXT
from svcops.domain.kinds import lifecycle


@dataclass(frozen=True)
class Mapping:
    kind: str
    case: str
    time: str
    stage: str
    stages: dict[str, str]
    fields: dict[str, str]
    unmapped: str
    time_format: str | None
    dayfirst: bool
    hold_reason: str | None
    delimiter: str


def read_mapping(path: str) -> Mapping:
    import tomllib

    from svcops.domain.documents import toml_document

    try:
        raw = toml_document(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read mapping {path}: {exc}") from None
    known = {"kind", "case", "time", "stage", "stages", "fields", "unmapped", "time_format",
             "dayfirst", "hold_reason", "delimiter"}  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInput(f"mapping {path}: unknown setting {unknown[0]!r}",
                           hint="settings: " + ", ".join(sorted(known)))  # fmt: skip
    for name in ("kind", "case", "time", "stage", "stages"):
        if name not in raw:
            raise InvalidInput(f"mapping {path}: {name!r} is missing")
    if not isinstance(raw["kind"], str):
        raise InvalidInput(f"mapping {path}: kind must be str, not {raw['kind']!r}")
    life = lifecycle(raw["kind"])
    stages = {str(k): str(v) for k, v in dict(raw["stages"]).items()}
    for value, stage in stages.items():
        try:
            life.stage(stage)
        except InvalidInput as exc:
            raise InvalidInput(f"mapping {path}: [stages] {value!r}: {exc.message}") from None

    def need(name: str, kind: type, value: Any) -> None:
        if not isinstance(value, kind):
            raise InvalidInput(f"mapping {path}: {name} must be {kind.__name__}, not {value!r}")

    for name in ("kind", "case", "time", "stage"):
        need(name, str, raw[name])
    need("stages", dict, raw["stages"])
    need("fields", dict, raw.get("fields", {}))
    for table_name in ("stages", "fields"):
        for key, value in dict(raw.get(table_name, {})).items():
            need(f"[{table_name}] {key}", str, value)
    need("dayfirst", bool, raw.get("dayfirst", False))
    need("delimiter", str, raw.get("delimiter", ","))
    if len(str(raw.get("delimiter", ","))) != 1:
        raise InvalidInput(f"mapping {path}: delimiter must be one character")
    if raw.get("time_format") is not None:
        need("time_format", str, raw["time_format"])
    if raw.get("hold_reason") is not None and raw["hold_reason"] not in life.hold_reasons:
        reasons = ", ".join(life.hold_reasons) or "nothing (this kind has no holds)"
        raise InvalidInput(
            f"mapping {path}: hold_reason {raw['hold_reason']!r} is not one of {reasons}"
        )
    fields = {str(k): str(v) for k, v in dict(raw.get("fields", {})).items()}
    allowed = (*IMPORTED_TEXT, "impact", "urgency", "channel")
    for name in fields:
        if name not in allowed:
            raise InvalidInput(f"mapping {path}: [fields] {name!r} is not a field svcops imports",
                               hint="fields: " + ", ".join(allowed))  # fmt: skip
    unmapped = str(raw.get("unmapped", "error"))
    if unmapped not in ("skip", "error"):
        raise InvalidInput(f'mapping {path}: unmapped must be "skip" or "error"')
    return Mapping(
        kind=life.kind, case=str(raw["case"]), time=str(raw["time"]), stage=str(raw["stage"]),
        stages=stages, fields=fields, unmapped=unmapped,
        time_format=raw.get("time_format"), dayfirst=bool(raw.get("dayfirst", False)),
        hold_reason=raw.get("hold_reason"), delimiter=str(raw.get("delimiter", ",")),
    )  # fmt: skip
