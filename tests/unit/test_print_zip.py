"""The print shop's ZIP as a pure function of the letters (dispatch/print_zip.py)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from pypdf import PdfWriter

from creditflow.dispatch.print_zip import PrintLetter, postage_zone, print_shop_zip

DAY = date(2026, 3, 2)


def pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def letter(file: str, pages: int, country: str = "NL", name: str = "Jan") -> PrintLetter:
    return PrintLetter(file, file[5:-4], "C1", name, "Kerkstraat 1", "", "1011 AA",
                       "Amsterdam", country, "reminder", pdf(pages))  # fmt: skip


@pytest.mark.parametrize(
    ("country", "home", "zone"),
    [("NL", "NL", "domestic"), ("nl", "NL", "domestic"), ("", "NL", "domestic"),
     ("BE", "NL", "europe"), ("NL", "BE", "europe"), ("US", "NL", "world")],
)  # fmt: skip
def test_the_postage_zone_of_an_address(country, home, zone):
    assert postage_zone(country, home) == zone


def test_the_manifest_names_each_pdf_with_its_pages_and_hash_in_order():
    letters = [letter("0001-a.pdf", 1), letter("0002-b.pdf", 3, "DE", "=cmd")]
    with zipfile.ZipFile(io.BytesIO(print_shop_zip(DAY, letters))) as archive:
        assert archive.namelist() == ["0001-a.pdf", "0002-b.pdf", "manifest.csv", "manifest.json"]
        lines = archive.read("manifest.csv").decode().splitlines()
        summary = json.loads(archive.read("manifest.json"))
    assert lines[0].split(",")[:3] == ["file", "action_id", "customer_id"]
    assert "'=cmd" in lines[2] and ",europe,3," in lines[2]
    assert (summary["letters"], summary["pages"]) == (2, 4)
    assert summary["items"][1]["sha256"] == hashlib.sha256(letters[1].pdf).hexdigest()


def test_the_same_letters_give_the_same_bytes():
    letters = [letter("0001-a.pdf", 2)]
    assert print_shop_zip(DAY, letters) == print_shop_zip(DAY, list(letters))


def test_two_letters_with_one_file_name_are_refused():
    with pytest.raises(ValueError, match="own file name"):
        print_shop_zip(DAY, [letter("0001-a.pdf", 1), letter("0001-a.pdf", 1)])
    with pytest.raises(ValueError, match="own file name"):
        print_shop_zip(DAY, [letter("manifest.csv", 1)])
