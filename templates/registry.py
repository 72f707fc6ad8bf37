"""Load and validate every template file once, at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from templates.spec import TemplateSpec

DEFINITIONS = Path(__file__).parent / "definitions"


class TemplateError(ValueError):
    """A template file is invalid; the message reads ``path: field: reason``."""


def load_template(path: Path) -> TemplateSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: top level must be a mapping")
    try:
        spec = TemplateSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top)"
        raise TemplateError(f"{path}: {where}: {err['msg']}") from exc
    if spec.type != path.stem:
        raise TemplateError(f"{path}: type: {spec.type!r} must match the file name")
    return spec


class TemplateRegistry:
    """All document types, by contract type id, in file-name order."""

    def __init__(self, specs: dict[str, TemplateSpec]) -> None:
        self.specs = specs

    @classmethod
    def from_directory(cls, folder: Path) -> TemplateRegistry:
        files = sorted(folder.glob("*.yaml"))
        if not files:
            raise TemplateError(f"{folder}: no template files (*.yaml)")
        return cls({spec.type: spec for spec in map(load_template, files)})

    def get(self, doc_type: str) -> TemplateSpec | None:
        return self.specs.get(doc_type)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.specs.values())


@lru_cache
def default_registry() -> TemplateRegistry:
    return TemplateRegistry.from_directory(DEFINITIONS)
