"""The synthetic company ledger: import-file columns, valid values, realistic shares."""

from __future__ import annotations

import csv
import re
import time
from datetime import date
from decimal import Decimal

import phonenumbers
import polars as pl
import pytest
from email_validator import validate_email
from schwifty import IBAN
from stdnum.nl import btw

from creditflow.money import parse_amount
from creditflow.simulation.company import SampleLedger, generate_company, organisation
from creditflow.simulation.schema import (
    CUSTOMER_COLUMNS,
    INVOICE_COLUMNS,
    PAYER_TYPES,
    PAYMENT_COLUMNS,
    REQUIRED_CUSTOMER_COLUMNS,
    REQUIRED_INVOICE_COLUMNS,
    REQUIRED_PAYMENT_COLUMNS,
)

AS_OF = date(2026, 3, 2)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TWO_DECIMALS = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture(scope="module")
def ledger() -> SampleLedger:
    return generate_company(3000, as_of=AS_OF, seed=11)


def test_the_files_have_exactly_the_columns_of_design_4_3(ledger: SampleLedger) -> None:
    assert tuple(ledger.customers.columns) == CUSTOMER_COLUMNS
    assert tuple(ledger.invoices.columns) == INVOICE_COLUMNS
    assert tuple(ledger.payments.columns) == PAYMENT_COLUMNS
    assert CUSTOMER_COLUMNS[:3] == ("customer_id", "name", "kind")
    for frame in (ledger.customers, ledger.invoices, ledger.payments):
        assert all(dtype == pl.String for dtype in frame.dtypes)


@pytest.mark.parametrize(
    ("name", "required"),
    [
        ("customers", REQUIRED_CUSTOMER_COLUMNS),
        ("invoices", REQUIRED_INVOICE_COLUMNS),
        ("payments", REQUIRED_PAYMENT_COLUMNS),
    ],
)
def test_required_columns_are_always_filled(
    ledger: SampleLedger, name: str, required: tuple[str, ...]
) -> None:
    frame = getattr(ledger, name)
    assert frame.height > 0
    for column in required:
        values = frame[column]
        assert values.null_count() == 0, column
        assert (values.str.strip_chars() != "").all(), column


def test_ids_and_invoice_numbers_are_unique(ledger: SampleLedger) -> None:
    assert ledger.customers["customer_id"].is_unique().all()
    assert ledger.invoices["invoice_number"].is_unique().all()
    assert ledger.payments["payment_id"].is_unique().all()
    known = set(ledger.customers["customer_id"])
    assert set(ledger.invoices["customer_id"]) <= known
    assert set(ledger.payments["customer_id"]) <= known


def test_every_iban_is_valid_for_schwifty(ledger: SampleLedger) -> None:
    ibans = ledger.customers["iban"].drop_nulls().to_list()
    assert len(ibans) > 2000
    for text in ibans:
        iban = IBAN(text)  # raises on a wrong check digit or BBAN format
        assert iban.country_code in ("NL", "BE")
    assert any(text.startswith("BE") for text in ibans)


def test_phone_numbers_are_valid_mobiles_of_the_customers_country(ledger: SampleLedger) -> None:
    rows = ledger.customers.filter(pl.col("phone").is_not_null())
    assert rows.height > 1500
    for phone, country in rows.select("phone", "country").iter_rows():
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.region_code_for_number(number) == country, phone
        if country == "NL":
            assert re.fullmatch(r"\+316\d{8}", phone)
            assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def test_whatsapp_numbers_are_phone_numbers_of_the_same_customer(ledger: SampleLedger) -> None:
    rows = ledger.customers.filter(pl.col("whatsapp").is_not_null())
    assert rows.height > 300
    assert (rows["whatsapp"] == rows["phone"]).all()


def test_email_addresses_are_valid_and_never_deliverable(ledger: SampleLedger) -> None:
    emails = ledger.customers["email"].drop_nulls().to_list()
    for email in emails:
        validate_email(email, check_deliverability=False)
        assert email.endswith(".example")  # RFC 2606: no real mailbox gets demo mail


def test_addresses_use_each_countrys_postal_code_format(ledger: SampleLedger) -> None:
    formats = {"NL": r"[1-9]\d{3} [A-Z]{2}", "BE": r"\d{4}", "DE": r"\d{5}", "US": r"\d{5}"}
    rows = ledger.customers.filter(pl.col("address_line1").is_not_null())
    assert rows.height / ledger.customers.height > 0.95
    for postal, country, city in rows.select("postal_code", "country", "city").iter_rows():
        assert re.fullmatch(formats[country], postal), (postal, country)
        assert city
        if country == "NL":
            assert postal[-2:] not in ("SA", "SD", "SS")


def test_mix_of_kinds_languages_countries_and_time_zones(ledger: SampleLedger) -> None:
    customers = ledger.customers
    share = customers["kind"].value_counts(normalize=True)
    consumers = share.filter(pl.col("kind") == "consumer")["proportion"][0]
    assert 0.65 < consumers < 0.75
    english = (customers["language"] == "en").mean()
    assert english is not None and 0.10 < float(english) < 0.20
    assert set(customers["country"]) == {"NL", "BE", "DE", "US"}
    assert (customers["country"] == "NL").mean() > 0.9  # type: ignore[operator]
    us = customers.filter(pl.col("country") == "US")
    assert set(us["timezone"]) == {"America/New_York"}
    business_names = customers.filter(pl.col("kind") == "business")["name"]
    assert business_names.str.contains(r"(B\.V\.|V\.O\.F\.)$").mean() > 0.9  # type: ignore[operator]
    assert customers["name"].str.contains(r" (van|de|van der|van den) ").any()


def test_opt_outs_preferences_and_tags_use_known_values(ledger: SampleLedger) -> None:
    customers = ledger.customers
    assert set(customers["opt_out"].drop_nulls()) == {"sms", "whatsapp;sms"}
    assert set(customers["preferred_channel"].drop_nulls()) == {
        "email",
        "sms",
        "whatsapp",
        "letter",
    }
    tags = {tag for text in customers["tags"].drop_nulls() for tag in text.split(";")}
    assert {"vip", "new"} <= tags
    # A preferred channel is one the customer can be reached on and did not opt out of.
    for row in customers.filter(pl.col("preferred_channel").is_not_null()).iter_rows(named=True):
        channel = row["preferred_channel"]
        assert channel not in (row["opt_out"] or "").split(";")
        needed = {"email": "email", "sms": "phone", "whatsapp": "whatsapp"}.get(channel)
        assert needed is None or row[needed], row


def test_the_hidden_payer_type_is_not_in_the_customers_file(ledger: SampleLedger) -> None:
    assert "payer_type" not in ledger.customers.columns
    assert ledger.traits.columns == ["customer_id", "payer_type"]
    assert set(ledger.traits["payer_type"]) == set(PAYER_TYPES)
    joined = ledger.customers_with_traits()
    assert joined["payer_type"].null_count() == 0


def test_invoice_dates_amounts_and_statuses_are_well_formed(ledger: SampleLedger) -> None:
    for row in ledger.invoices.iter_rows(named=True):
        assert ISO_DATE.match(row["issue_date"]) and ISO_DATE.match(row["due_date"])
        issue = date.fromisoformat(row["issue_date"])
        due = date.fromisoformat(row["due_date"])
        assert (due - issue).days in (14, 30), row
        assert 0 <= (AS_OF - issue).days < 125, row
        assert issue.weekday() < 5, row
        assert TWO_DECIMALS.match(row["amount"]), row
        amount = parse_amount(row["amount"])
        assert amount > 0
        assert row["status"] in ("open", "paid", "disputed")
        assert (row["dispute_reason"] is not None) == (row["status"] == "disputed"), row
        if row["open_amount"] is not None:
            assert row["status"] == "open"
            assert TWO_DECIMALS.match(row["open_amount"])
            assert Decimal(0) < parse_amount(row["open_amount"]) < amount
        assert row["currency"] in ("EUR", "USD")


def test_invoice_amounts_lie_in_the_ranges_of_consumers_and_businesses(
    ledger: SampleLedger,
) -> None:
    frame = ledger.invoices.join(ledger.customers.select("customer_id", "kind"), on="customer_id")
    frame = frame.with_columns(value=pl.col("amount").cast(pl.Float64))
    consumers = frame.filter(pl.col("kind") == "consumer")["value"]
    firms = frame.filter(pl.col("kind") == "business")["value"]
    assert consumers.min() >= 50 and consumers.max() <= 1500  # type: ignore[operator]
    assert firms.min() >= 200 and firms.max() <= 25_000  # type: ignore[operator]
    assert firms.median() > 3 * consumers.median()  # type: ignore[operator]


def test_payments_add_up_to_the_paid_invoices_and_part_payments(ledger: SampleLedger) -> None:
    invoices = {row["invoice_number"]: row for row in ledger.invoices.iter_rows(named=True)}
    paid_per_invoice: dict[str, Decimal] = {}
    for row in ledger.payments.iter_rows(named=True):
        assert TWO_DECIMALS.match(row["amount"])
        paid_at = date.fromisoformat(row["paid_at"][:10])
        invoice = invoices[row["invoice_number"]]
        assert row["customer_id"] == invoice["customer_id"]
        assert row["currency"] == invoice["currency"]
        assert date.fromisoformat(invoice["issue_date"]) <= paid_at < AS_OF
        if "T" in row["paid_at"]:
            assert row["method"] == "ideal"
        key = row["invoice_number"]
        paid_per_invoice[key] = paid_per_invoice.get(key, Decimal(0)) + parse_amount(row["amount"])
    for number, invoice in invoices.items():
        amount = parse_amount(invoice["amount"])
        paid = paid_per_invoice.get(number, Decimal(0))
        if invoice["status"] == "paid":
            assert paid == amount, number
        else:
            assert paid < amount, number
    part_paid = [
        n for n, inv in invoices.items() if inv["status"] == "open" and n in paid_per_invoice
    ]
    assert part_paid, "some open invoices carry a part-payment"


def test_the_history_has_late_and_on_time_payments(ledger: SampleLedger) -> None:
    due = ledger.invoices.select("invoice_number", "due_date", "status")
    paid = ledger.payments.join(due, on="invoice_number").filter(pl.col("status") == "paid")
    late = paid.select(
        (pl.col("paid_at").str.slice(0, 10).str.to_date() - pl.col("due_date").str.to_date())
        .dt.total_days()
        .alias("days_late")
    )["days_late"]
    on_time = (late <= 0).mean()
    assert on_time is not None and 0.3 < float(on_time) < 0.8  # type: ignore[arg-type]
    assert late.max() > 30  # type: ignore[operator]
    statuses = ledger.invoices["status"].value_counts(normalize=True)
    shares = dict(statuses.iter_rows())
    assert 0.4 < shares["paid"] < 0.85
    assert 0.005 < shares["disputed"] < 0.05


def test_the_same_seed_gives_the_same_ledger_and_another_seed_another() -> None:
    first = generate_company(300, as_of=AS_OF, seed=5)
    again = generate_company(300, as_of=AS_OF, seed=5)
    other = generate_company(300, as_of=AS_OF, seed=6)
    for name in ("customers", "invoices", "payments", "traits"):
        assert getattr(first, name).equals(getattr(again, name)), name
    assert not first.customers.equals(other.customers)
    assert not first.invoices.equals(other.invoices)


def test_write_csv_writes_three_files_with_the_contract_headers(
    ledger: SampleLedger, tmp_path
) -> None:
    small = generate_company(40, as_of=AS_OF, seed=3)
    written = small.write_csv(tmp_path / "out")
    assert set(written) == {"customers", "invoices", "payments"}
    assert not (tmp_path / "out" / "traits.csv").exists()
    expected = {"customers": CUSTOMER_COLUMNS, "invoices": INVOICE_COLUMNS}
    expected["payments"] = PAYMENT_COLUMNS
    for name, path in written.items():
        assert path.name == f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == expected[name]
        assert len(rows) - 1 == getattr(small, name).height
    assert "payer_type" not in written["customers"].read_text(encoding="utf-8")
    with_traits = small.write_csv(tmp_path / "t", with_traits=True)
    assert with_traits["traits"].read_text(encoding="utf-8").startswith("customer_id,payer_type")


def test_organisation_is_a_plausible_dutch_creditor() -> None:
    org = organisation()
    assert org["name"] == "Zonnepaneel Service Nederland B.V."
    iban = IBAN(str(org["iban"]))
    assert iban.country_code == "NL"
    assert str(org["bic"]).startswith(iban.bank_code)
    assert phonenumbers.is_valid_number(phonenumbers.parse(str(org["phone"])))
    assert btw.is_valid(str(org["vat_number"]))
    assert re.fullmatch(r"\d{8}", str(org["kvk"]))
    validate_email(str(org["email"]), check_deliverability=False)
    assert str(org["website"]).startswith("https://")
    address = org["address"]
    assert isinstance(address, dict) and re.fullmatch(r"\d{4} [A-Z]{2}", address["postal_code"])


@pytest.mark.parametrize(
    ("n_customers", "per_customer", "message"),
    [(0, 5, "n_customers"), (10, -1, "invoices_per_customer")],
)
def test_impossible_sizes_are_refused(n_customers: int, per_customer: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_company(n_customers, invoices_per_customer=per_customer, as_of=AS_OF)


@pytest.mark.slow
def test_a_million_invoices_are_generated_in_seconds() -> None:
    started = time.perf_counter()
    big = generate_company(200_000, invoices_per_customer=5, as_of=AS_OF)
    elapsed = time.perf_counter() - started
    assert 900_000 < big.invoices.height < 1_100_000
    assert elapsed < 30, f"took {elapsed:.1f} s"
