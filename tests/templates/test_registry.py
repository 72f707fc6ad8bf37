from __future__ import annotations

import re
from pathlib import Path

import pytest

from ocr_server.procedures import REQUIRED_DOCUMENTS
from templates.registry import DEFINITIONS, TemplateError, TemplateRegistry, default_registry

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "RESULT_CONTRACT.md"
MINIMUM_FIELDS = {
    "cccd_front": {"id_number", "full_name", "date_of_birth", "sex", "nationality",
                   "place_of_origin", "place_of_residence", "expiry_date"},
    "cccd_back": {"issue_date", "mrz"},
    "lltp_request_form": {"full_name", "sex", "date_of_birth", "place_of_birth", "nationality",
                          "residence", "id_number", "id_issue_date", "father_name",
                          "mother_name", "purpose"},
    "ct01_residence_form": {"full_name", "date_of_birth", "sex", "id_number", "phone",
                            "content"},
    "birth_certificate": {"full_name", "date_of_birth", "sex", "place_of_birth", "father_name",
                          "mother_name"},
    "household_business_form": {"business_name", "owner_name", "id_number", "address",
                                "business_lines", "capital_vnd"},
    "land_change_form": {"applicant_name", "id_number", "parcel_number", "map_sheet_number",
                         "address", "change_content"},
    "driver_license_form": {"full_name", "date_of_birth", "id_number", "license_number",
                            "license_class"},
}


def test_every_contract_type_has_a_template_with_its_minimum_fields():
    registry = default_registry()
    assert {s.type for s in registry} == set(MINIMUM_FIELDS)
    for doc_type, fields in MINIMUM_FIELDS.items():
        assert fields <= set(registry.get(doc_type).fields), doc_type


def test_procedures_require_known_types():
    types = {s.type for s in default_registry()}
    for required in REQUIRED_DOCUMENTS.values():
        assert set(required) <= types


@pytest.mark.skipif(not CONTRACT.exists(), reason="shared contract not beside the checkout")
def test_minimum_fields_match_the_shared_contract():
    text = CONTRACT.read_text(encoding="utf-8")
    for doc_type, fields in MINIMUM_FIELDS.items():
        row = re.search(rf"^\| `{doc_type}` \| (.+) \|$", text, re.M)
        if row and "`" in row.group(1) and "," in row.group(1):
            assert set(re.findall(r"`(\w+)`", row.group(1))) == fields


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "message"), [
    ("type: x\ntitle: t\nlayout: a4\nclassify: {keywords: [a]}\nfields: {}\n", "fields"),
    ("type: x\ntitle: t\nlayout: a5\nclassify: {keywords: [a]}\nfields: {n: {kind: name}}\n",
     "layout"),
    ("type: x\ntitle: t\nlayout: a4\nclassify: {keywords: [a]}\n"
     "fields: {n: {kind: name, pattern: '(['}}\n", "fields.n.pattern"),
    ("type: x\ntitle: t\nlayout: a4\nclassify: {keywords: [a]}\n"
     "fields: {n: {kind: name, validators: [nope]}}\n", "fields.n.validators"),
    ("type: x\ntitle: t\nlayout: a4\nclassify: {keywords: [a]}\n"
     "fields: {n: {kind: colour}}\n", "fields.n.kind"),
    ("type: y\ntitle: t\nlayout: a4\nclassify: {keywords: [a]}\nfields: {n: {kind: name}}\n",
     "type"),
    ("type: [unclosed\n", "not valid YAML"),
])
def test_a_bad_file_fails_with_path_field_reason(tmp_path, body, message):
    path = _write(tmp_path, "x.yaml", body)
    with pytest.raises(TemplateError) as info:
        TemplateRegistry.from_directory(tmp_path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_templates_are_frozen():
    spec = default_registry().get("cccd_front")
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        spec.title = "x"


def test_definitions_folder_is_the_default():
    assert sorted(p.stem for p in DEFINITIONS.glob("*.yaml")) == sorted(MINIMUM_FIELDS)
