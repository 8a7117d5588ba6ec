"""The print-run manifest: one CSV row per letter for the print shop."""

from __future__ import annotations

import csv
import io

import pytest

from creditflow.messages.printing import MANIFEST_COLUMNS, print_manifest_csv


def row(**changes):
    base = {
        "action_id": "A-1",
        "customer_id": "C-1042",
        "name": "J. de Vries",
        "postal_code": "3512 AB",
        "city": "Utrecht",
        "country": "NL",
        "pages": 2,
        "template": "fourteen_day_letter",
    }
    return {**base, **changes}


def test_manifest_has_header_and_one_row_per_letter():
    text = print_manifest_csv([row(), row(action_id="A-2", name="Bakkerij Smit, B.V.", pages=1)])
    records = list(csv.DictReader(io.StringIO(text)))
    assert tuple(records[0]) == MANIFEST_COLUMNS
    assert [r["action_id"] for r in records] == ["A-1", "A-2"]
    assert records[1]["name"] == "Bakkerij Smit, B.V."
    assert records[1]["pages"] == "1"


def test_empty_run_gives_only_the_header():
    assert print_manifest_csv([]) == ",".join(MANIFEST_COLUMNS) + "\n"


def test_cell_that_looks_like_a_formula_is_neutralised():
    text = print_manifest_csv([row(name='=HYPERLINK("http://x")')])
    assert list(csv.DictReader(io.StringIO(text)))[0]["name"] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"pages": 0}, "row 1: pages"),
        ({"pages": "2"}, "row 1: pages"),
    ],
)
def test_bad_pages_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        print_manifest_csv([row(**bad)])


def test_missing_column_names_row_and_column():
    incomplete = row()
    del incomplete["city"]
    with pytest.raises(ValueError, match="row 2: missing city"):
        print_manifest_csv([row(), incomplete])
