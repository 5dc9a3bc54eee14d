"""Hostile form templates and catalogues end in typed errors only (issue 18, Deliver 9).

The shipped files are mutated line by line (a value replaced by another TOML/YAML value of any
type — ``inf``, huge numbers, lists, tables, control characters — a line dropped, doubled or cut
short) and loaded: the answer is a loaded template/catalogue or ``TemplateError`` /
``CatalogueInvalid``, never ``TypeError``, ``ValueError`` or ``OverflowError``. The default run
tries a few hundred mutations; ``-m slow`` tries 10,000 of each.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhanhe_counter.adapters.catalogue import CatalogueInvalid, load_catalogue
from zhanhe_counter.adapters.printing.templates import TemplateError, forms_dir, load_template
from zhanhe_counter.adapters.resources import resources_dir

FORMS = {path.stem: path.read_text(encoding="utf-8") for path in sorted(forms_dir().glob("*.toml"))}
CATALOGUE = (resources_dir() / "catalogue/sample-matters.yaml").read_text(encoding="utf-8")
_FOLDER = Path(tempfile.mkdtemp(prefix="zhanhe-fuzz-"))

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
# Values as TOML literals: every type a key could wrongly get.
toml_values = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e308", "0.5", "-0.0", "1979-05-27", "07:32:00"]),
    st.booleans().map(lambda b: "true" if b else "false"),
    _text.map(json.dumps),
    st.lists(st.integers(-5, 10**6).map(str) | _text.map(json.dumps), max_size=4).map(
        lambda items: "[" + ", ".join(items) + "]"
    ),
    st.sampled_from(["{}", "{ a = 1 }", '{ key = "x", label = 3 }', "[{}]", '[{ key = "k" }]']),
)
# Values as YAML flow literals.
yaml_values = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(
        [".inf", "-.inf", ".nan", "99999999", "-1", "0", "~", "null", "[]", "{}", "true", "'x'"]
    ),
    _text.map(json.dumps),
    st.lists(st.integers(-3, 10**9).map(str), max_size=4).map(lambda i: "[" + ", ".join(i) + "]"),
    st.sampled_from(
        ["{value: 99999999, unit: 工作日}", "{value: x}", "{unit: 年}", "[{name: 1}]", "*a", "&a 1"]
    ),
)


def _mutate(text: str, data: st.DataObject, values: st.SearchStrategy[str], sep: str) -> str:
    lines = text.splitlines()
    editable = [
        i for i, line in enumerate(lines) if sep in line and not line.lstrip().startswith("#")
    ]
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        index = data.draw(st.sampled_from(editable), label="line")
        action = data.draw(st.sampled_from(["value", "drop", "double", "cut"]), label="action")
        line = lines[index]
        if action == "value":
            key = line.split(sep, 1)[0]
            lines[index] = f"{key}{sep} {data.draw(values, label='value')}"
        elif action == "drop":
            lines[index] = ""
        elif action == "double":
            lines.insert(index, line)
        else:
            lines[index] = line[: data.draw(st.integers(0, max(0, len(line) - 1)), label="cut")]
    return "\n".join(lines) + "\n"


def _template_survives(form_id: str, text: str) -> None:
    folder = _FOLDER / "forms"
    folder.mkdir(exist_ok=True)
    path = folder / f"{form_id}.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_template(path)
    except TemplateError as error:  # the only failure allowed; anything else fails the test
        message = error.user_message
        assert message.startswith("模板 "), message


def _catalogue_survives(text: str) -> None:
    path = _FOLDER / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_catalogue(path, departments=resources_dir() / "catalogue/departments.yaml")
    except CatalogueInvalid as error:  # the only failure allowed; anything else fails the test
        message = error.user_message
        assert message, "a refusal always says why"


_QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SOAK = settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))


@_QUICK
@given(form_id=st.sampled_from(sorted(FORMS)), data=st.data())
def test_mutated_templates_raise_template_errors_only(form_id: str, data: st.DataObject) -> None:
    _template_survives(form_id, _mutate(FORMS[form_id], data, toml_values, " ="))


@pytest.mark.slow
@_SOAK
@given(form_id=st.sampled_from(sorted(FORMS)), data=st.data())
def test_mutated_templates_soak(form_id: str, data: st.DataObject) -> None:
    _template_survives(form_id, _mutate(FORMS[form_id], data, toml_values, " ="))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_catalogues_raise_catalogue_errors_only(data: st.DataObject) -> None:
    _catalogue_survives(_mutate(CATALOGUE, data, yaml_values, ":"))


@pytest.mark.slow
@_SOAK
@given(data=st.data())
def test_mutated_catalogues_soak(data: st.DataObject) -> None:
    _catalogue_survives(_mutate(CATALOGUE, data, yaml_values, ":"))


@pytest.mark.parametrize(
    ("declaration", "expected"),
    [
        ("max_length = inf", "max_length 应为 1 到"),
        ("max_length = -3", "max_length 应为 1 到"),
        ("max_length = 1e400", "max_length 应为 1 到"),
        ('max_length = "200"', "max_length 应为 1 到"),
        ("max_items = 99999999999", "max_items 应为 1 到"),
        ("choices = 7", "类型或取值不合要求"),
    ],
)
def test_the_reported_template_mutations_are_named(declaration: str, expected: str) -> None:
    with pytest.raises(TemplateError) as raised:
        _template_survives_strict("intake_receipt", _declare(FORMS["intake_receipt"], declaration))
    assert expected in raised.value.user_message


def _declare(text: str, declaration: str) -> str:
    """``text`` with ``declaration`` set in its first field (replacing the key if present)."""
    header = re.search(r"^\[fields\.\w+\]\n", text, re.MULTILINE)
    assert header is not None
    end = text.find("\n[", header.end())
    section = text[header.end() : end]
    key = declaration.split("=", 1)[0].strip()
    kept = [line for line in section.splitlines() if line.split("=", 1)[0].strip() != key]
    return text[: header.end()] + "\n".join([declaration, *kept]) + text[end:]


def _template_survives_strict(form_id: str, text: str) -> None:
    path = _FOLDER / "strict" / f"{form_id}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    load_template(path)


def test_render_with_a_broken_forms_folder_prints_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from zhanhe_counter.cli.app import main

    (tmp_path / "intake_receipt.toml").write_text(
        _declare(FORMS["intake_receipt"], "max_length = inf"), "utf-8"
    )
    assert main(["render", "--forms", str(tmp_path), "--list"]) == 2
    err = capsys.readouterr().err
    assert "intake_receipt.toml" in err
    assert "Traceback" not in err
