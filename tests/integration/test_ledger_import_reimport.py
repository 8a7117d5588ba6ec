"""Re-importing a customers file never undoes what the debtor asked for since.

C001 replied STOP to an SMS after the first import, and C002 asked to be forgotten
(GDPR). The finance system still exports both, unchanged, the next night; then with
a new e-mail address for C001.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from creditflow.compliance.consent import handle_inbound_text, record_consent
from creditflow.compliance.gdpr import forget_customer
from creditflow.db import transaction
from creditflow.ledger.imports import import_customers
from tests.support.compliance_ledger import customer_pk, rows

HEADER = "customer_id,name,kind,language,country,email,phone,address_line1,postal_code,city,opt_out"
C001 = "C001,Jan de Vries,consumer,nl,NL,{email},0612345678,Dorpsstraat 1,1234 AB,Utrecht,{opt_out}"
C002 = "C002,Anna Bakker,consumer,nl,NL,anna@example.nl,0687654321,Markt 3,3511 AA,Utrecht,"
STOP_AT = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)


def customers_file(folder: Path, email: str = "jan@example.nl", opt_out: str = "") -> Path:
    path = folder / "customers.csv"
    lines = [HEADER, C001.format(email=email, opt_out=opt_out), C002]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def opt_outs(engine, customer_id: str) -> tuple[list[str], dict[str, bool]]:
    [row] = rows(engine, "SELECT opt_out FROM customer WHERE customer_id = :c", c=customer_id)
    points = rows(
        engine,
        "SELECT p.channel, p.address, p.opted_out FROM contact_point p "
        "JOIN customer c ON c.id = p.customer_id WHERE c.customer_id = :c",
        c=customer_id,
    )
    value = row["opt_out"]
    if isinstance(value, str):
        import json

        value = json.loads(value)
    return sorted(value or []), {
        f"{p['channel']}:{p['address']}": bool(p["opted_out"]) for p in points
    }


def stop_by_sms(engine, customer_id: str) -> None:
    with transaction(engine) as session:
        assert handle_inbound_text(
            session, customer_pk(engine, customer_id), "sms", "STOP", STOP_AT
        )


def test_a_stop_by_sms_survives_a_changed_re_import(engine, settings, tmp_path):
    assert import_customers(engine, customers_file(tmp_path), settings).imported == 2
    stop_by_sms(engine, "C001")

    unchanged = import_customers(engine, customers_file(tmp_path), settings)
    changed = import_customers(engine, customers_file(tmp_path, "jan@new.example.nl"), settings)

    assert (unchanged.updated, unchanged.unchanged) == (0, 2)
    assert (changed.updated, changed.unchanged) == (1, 1), changed.line()
    channels, points = opt_outs(engine, "C001")
    assert channels == ["sms"]
    assert points["sms:+31612345678"] is True
    assert points["email:jan@new.example.nl"] is False
    # the register still ends with the debtor's own withdrawal, not an import row
    [last] = rows(
        engine,
        "SELECT granted, source FROM consent WHERE customer_id = :pk AND channel = 'sms' "
        "ORDER BY id DESC LIMIT 1",
        pk=customer_pk(engine, "C001"),
    )
    assert (bool(last["granted"]), last["source"]) == (False, "sms reply")


def test_the_file_opt_out_column_is_added_to_the_register_opt_outs(engine, settings, tmp_path):
    import_customers(engine, customers_file(tmp_path), settings)
    stop_by_sms(engine, "C001")

    summary = import_customers(engine, customers_file(tmp_path, opt_out="whatsapp"), settings)

    assert summary.updated == 1
    assert opt_outs(engine, "C001")[0] == ["sms", "whatsapp"]


def test_consent_given_again_after_a_stop_lets_the_file_decide(engine, settings, tmp_path):
    import_customers(engine, customers_file(tmp_path), settings)
    stop_by_sms(engine, "C001")
    with transaction(engine) as session:
        record_consent(session, customer_pk(engine, "C001"), "sms", "portal", None, STOP_AT)

    import_customers(engine, customers_file(tmp_path, "jan@new.example.nl"), settings)

    channels, points = opt_outs(engine, "C001")
    assert channels == []
    assert points["sms:+31612345678"] is False


def test_an_opt_out_from_an_earlier_file_is_lifted_when_the_file_drops_it(
    engine, settings, tmp_path
):
    import_customers(engine, customers_file(tmp_path, opt_out="sms"), settings)
    assert opt_outs(engine, "C001")[0] == ["sms"]

    import_customers(engine, customers_file(tmp_path), settings)

    assert opt_outs(engine, "C001")[0] == []


def test_a_pseudonymised_customer_gets_no_personal_data_back(engine, settings, tmp_path):
    import_customers(engine, customers_file(tmp_path), settings)
    with transaction(engine) as session:
        report = forget_customer(
            session, settings, customer_pk(engine, "C002"), "privacy officer", STOP_AT
        )

    summary = import_customers(engine, customers_file(tmp_path), settings)

    assert (summary.imported, summary.updated, summary.unchanged, summary.rejected) == (0, 0, 2, 0)
    assert "customer_id C002: pseudonymised on request; not re-imported" in summary.warnings
    assert summary.rejects_path is None
    [c002] = rows(
        engine,
        "SELECT name, address_line1, city, pseudonymised_at FROM customer "
        "WHERE customer_id = 'C002'",
    )
    assert c002["name"] == report.pseudonym
    assert (c002["address_line1"], c002["city"]) == (None, None)
    assert c002["pseudonymised_at"] is not None
    with engine.connect() as conn:
        points = conn.execute(
            text(
                "SELECT count(*) FROM contact_point p JOIN customer c ON c.id = p.customer_id "
                "WHERE c.customer_id = 'C002'"
            )
        ).scalar_one()
    assert points == 0


def test_a_pseudonymised_customer_in_a_file_with_other_changes_keeps_exit_code_zero(
    engine, settings, tmp_path
):
    from typer.testing import CliRunner

    from creditflow.cli import app

    import_customers(engine, customers_file(tmp_path), settings)
    with transaction(engine) as session:
        forget_customer(session, settings, customer_pk(engine, "C002"), "dpo", STOP_AT)
    path = customers_file(tmp_path, "jan@new.example.nl")

    result = CliRunner().invoke(
        app, ["import", "customers", str(path), "--db", settings.database_url]
    )

    assert result.exit_code == 0, result.output
    assert "imported 0, updated 1, unchanged 1, rejected 0" in result.output
    assert "C002" in result.output
