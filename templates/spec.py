"""Template specifications: what a document type looks like and which fields it carries.

Parsed from ``templates/definitions/*.yaml`` into frozen pydantic models at start-up.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FieldKind = Literal["date", "id_number", "name", "sex", "money", "text", "phone", "code", "mrz"]
VALIDATORS = ("id_structure", "past_date", "future_date", "mrz_check_digits", "phone_vn",
              "person_name")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldSpec(_Frozen):
    """How to find and read one field.

    Attributes:
        kind: normalizer to apply (formats in RESULT_CONTRACT.md).
        labels: printed labels, any of which introduces the value (matched fuzzily, without
            diacritics). Empty for fields found by ``pattern`` over all lines, or MRZ.
        pattern: regular expression the value must contain; its match is the value.
        below: the value may be printed on the line under the label (ID cards).
        required: a missing value sends the document to review.
        validators: names of checks beyond the normalizer (see ``VALIDATORS``).
        needs_confirmation: accept only when another source agrees (parts of an MRZ, such as
            the name, carry no check digit).
    """

    kind: FieldKind
    labels: tuple[str, ...] = ()
    pattern: str | None = None
    below: bool = False
    required: bool = True
    validators: tuple[str, ...] = ()
    needs_confirmation: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return value

    @field_validator("validators")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in VALIDATORS]
        if unknown:
            raise ValueError(f"unknown validators {unknown}; known: {list(VALIDATORS)}")
        return value


class ClassifySpec(_Frozen):
    """Printed phrases that identify the type; the share found is the classification score.

    Attributes:
        keywords: phrases (matched fuzzily, without diacritics).
        min_score: below this share of keywords the page is not this type.
    """

    keywords: tuple[str, ...] = Field(min_length=1)
    min_score: float = Field(default=0.5, gt=0.0, le=1.0)


class TemplateSpec(_Frozen):
    """One document type (a contract type id) and its fields."""

    type: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    layout: Literal["a4", "id_card"]
    classify: ClassifySpec
    fields: dict[str, FieldSpec] = Field(min_length=1)
