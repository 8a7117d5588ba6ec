"""Statutory interest: rate changes split periods, yearly compounding, the table as data."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from creditflow.compliance.interest import (
    RateTable,
    commercial_default_date,
    statutory_interest,
)
from creditflow.money import Money


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


@pytest.fixture(scope="module")
def table() -> RateTable:
    return RateTable.load()


def test_shipped_table_has_the_dated_rates(table: RateTable) -> None:
    assert table.rate_on(date(2023, 6, 30), "commercial") == Decimal("10.5")
    assert table.rate_on(date(2023, 7, 1), "commercial") == Decimal("12")
    assert table.rate_on(date(2024, 7, 1), "commercial") == Decimal("12.25")
    assert table.rate_on(date(2025, 1, 1), "consumer") == Decimal("6")
    assert table.rate_on(date(2026, 3, 1), "commercial") == Decimal("10.15")
    # 2024-07-01 does not change the consumer rate, so it is no change for consumers
    assert date(2024, 7, 1) not in table.changes("consumer")
    assert date(2024, 7, 1) in table.changes("commercial")


def test_consumer_interest_across_a_rate_change(table: RateTable) -> None:
    # EUR 1,000 due 2024-12-15; interest from 2024-12-16.
    # 2024-12-16..2024-12-31: 16 days at 7%: 1000 * 0.07 * 16 / 365 = 3.0685 -> 3.07
    # 2025-01-01..2025-01-31: 31 days at 6%: 1000 * 0.06 * 31 / 365 = 5.0959 -> 5.10
    result = statutory_interest(
        eur("1000"), date(2024, 12, 15), date(2025, 1, 31), "consumer", table
    )
    assert [(p.start, p.end, p.days, p.rate, p.amount) for p in result.periods] == [
        (date(2024, 12, 16), date(2024, 12, 31), 16, Decimal("7"), eur("3.07")),
        (date(2025, 1, 1), date(2025, 1, 31), 31, Decimal("6"), eur("5.10")),
    ]
    assert result.total == eur("8.17")


def test_consumer_interest_compounds_after_a_full_year(table: RateTable) -> None:
    # EUR 1,000 due 2024-01-31; the first year runs 2024-02-01..2025-01-31.
    # 2024-02-01..2024-12-31: 335 days at 7%: 1000 * 0.07 * 335 / 365 = 64.2466 -> 64.25
    # 2025-01-01..2025-01-31:  31 days at 6%: 1000 * 0.06 *  31 / 365 =  5.0959 ->  5.10
    # year's interest 69.35 is added: base 1,069.35 from 2025-02-01
    # 2025-02-01..2025-03-31:  59 days at 6%: 1069.35 * 0.06 * 59 / 365 = 10.3712 -> 10.37
    # total 64.25 + 5.10 + 10.37 = 79.72
    result = statutory_interest(
        eur("1000"), date(2024, 1, 31), date(2025, 3, 31), "consumer", table
    )
    assert [(p.start, p.days, p.base, p.amount) for p in result.periods] == [
        (date(2024, 2, 1), 335, eur("1000"), eur("64.25")),
        (date(2025, 1, 1), 31, eur("1000"), eur("5.10")),
        (date(2025, 2, 1), 59, eur("1069.35"), eur("10.37")),
    ]
    assert result.total == eur("79.72")


def test_commercial_interest_across_the_july_2023_change(table: RateTable) -> None:
    # EUR 10,000 due 2023-05-31.
    # 2023-06-01..2023-06-30: 30 days at 10.5%: 10000 * 0.105 * 30 / 365 = 86.3014 -> 86.30
    # 2023-07-01..2023-07-31: 31 days at 12%:   10000 * 0.12  * 31 / 365 = 101.9178 -> 101.92
    result = statutory_interest(
        eur("10000"), date(2023, 5, 31), date(2023, 7, 31), "commercial", table
    )
    assert [p.amount for p in result.periods] == [eur("86.30"), eur("101.92")]
    assert result.total == eur("188.22")


def test_default_on_29_february_compounds_on_28_february(table: RateTable) -> None:
    # EUR 1,000 due 2024-02-29; the first year runs 2024-03-01..2025-02-28.
    # 2024-03-01..2024-12-31: 306 days at 7%: 1000 * 0.07 * 306 / 365 = 58.6849 -> 58.68
    # 2025-01-01..2025-02-28:  59 days at 6%: 1000 * 0.06 *  59 / 365 =  9.6986 ->  9.70
    # base 1,068.38 from 2025-03-01
    # 2025-03-01..2025-03-02:   2 days at 6%: 1068.38 * 0.06 * 2 / 365 = 0.3512 -> 0.35
    result = statutory_interest(eur("1000"), date(2024, 2, 29), date(2025, 3, 2), "consumer", table)
    assert [(p.start, p.end, p.base, p.amount) for p in result.periods] == [
        (date(2024, 3, 1), date(2024, 12, 31), eur("1000"), eur("58.68")),
        (date(2025, 1, 1), date(2025, 2, 28), eur("1000"), eur("9.70")),
        (date(2025, 3, 1), date(2025, 3, 2), eur("1068.38"), eur("0.35")),
    ]
    assert result.total == eur("68.73")


def test_periods_cover_every_interest_day_once(table: RateTable) -> None:
    default, until = date(2016, 3, 10), date(2026, 3, 10)
    result = statutory_interest(eur("2500"), default, until, "commercial", table)
    assert sum(p.days for p in result.periods) == (until - default).days
    for earlier, later in zip(result.periods, result.periods[1:], strict=False):
        assert (later.start - earlier.end).days == 1
    # anniversaries 2017-03-10 .. 2025-03-10 each give a new base from the next day; the
    # 10th (2026-03-10) is the last interest day itself, so it starts no period
    assert len({p.base for p in result.periods}) == 10


@pytest.mark.parametrize("until", [date(2025, 3, 1), date(2025, 2, 28)])
def test_no_interest_on_or_before_the_default_date(table: RateTable, until: date) -> None:
    result = statutory_interest(eur("500"), date(2025, 3, 1), until, "consumer", table)
    assert result.total == eur("0")
    assert result.periods == []


def test_first_interest_day_alone(table: RateTable) -> None:
    # 1 day at 6%: 1000 * 0.06 / 365 = 0.1644 -> 0.16
    result = statutory_interest(eur("1000"), date(2025, 3, 1), date(2025, 3, 2), "consumer", table)
    assert result.total == eur("0.16")


@pytest.mark.parametrize(
    ("principal", "default", "kind", "message"),
    [
        (eur("100"), date(2025, 1, 1), "business", "kind"),
        (eur("-1"), date(2025, 1, 1), "consumer", "negative"),
        (eur("100"), date(2014, 1, 1), "consumer", "table starts on 2015-07-01"),
    ],
)
def test_statutory_interest_errors(
    table: RateTable, principal: Money, default: date, kind: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        statutory_interest(principal, default, date(2026, 1, 1), kind, table)


def test_caller_gives_its_own_table(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("valid_from,consumer,commercial\n2020-01-01,10,20\n", encoding="utf-8")
    table = RateTable.load(path)
    # 73 days at 10%: 1000 * 0.10 * 73 / 365 = 20.00 exactly
    result = statutory_interest(eur("1000"), date(2021, 1, 1), date(2021, 3, 15), "consumer", table)
    assert result.total == eur("20.00")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("valid_from,consumer\n2020-01-01,2\n", "missing column"),
        ("valid_from,consumer,commercial\n2020-13-01,2,8\n", "line 2: valid_from"),
        ("valid_from,consumer,commercial\n2020-01-01,2,8\n2021-01-01,x,8\n", "line 3 consumer"),
        ("valid_from,consumer,commercial\n2021-01-01,2,8\n2020-01-01,3,8\n", "not after"),
        ("valid_from,consumer,commercial\n", "no rows"),
    ],
)
def test_bad_rate_tables_are_refused_with_the_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        RateTable.load(path)


def test_commercial_default_date() -> None:
    assert commercial_default_date(date(2026, 1, 10), date(2026, 1, 31)) == date(2026, 1, 31)
    assert commercial_default_date(date(2026, 1, 10)) == date(2026, 2, 9)  # receipt + 30 days


def test_commercial_rate_from_july_2015_is_the_ecb_rate_plus_eight(table: RateTable) -> None:
    # ECB main refinancing rate 0.05% (2014-09-10 .. 2016-03-15) + 8 points = 8.05%
    assert table.rate_on(date(2015, 7, 1), "commercial") == Decimal("8.05")
    assert table.rate_on(date(2015, 12, 31), "commercial") == Decimal("8.05")
    assert table.rate_on(date(2016, 6, 30), "commercial") == Decimal("8.05")
    assert table.rate_on(date(2016, 7, 1), "commercial") == Decimal("8")
    # 2015-07-01 .. 2016-06-30 is one commercial period: no change on 2016-01-01
    assert date(2016, 1, 1) not in table.changes("commercial")


def test_every_row_of_the_shipped_table_names_its_source(table: RateTable) -> None:
    assert all(row.source for row in table.rows), [
        row.valid_from for row in table.rows if not row.source
    ]
    years = {row.valid_from for row in table.rows if row.valid_from.year == 2026}
    assert years == {date(2026, 1, 1), date(2026, 7, 1)}
    for row in table.rows:
        if row.valid_from.year == 2026:
            assert "unverified" in row.note


def test_commercial_interest_split_exactly_at_the_2016_rate_change(table: RateTable) -> None:
    # A business owes EUR 10,000, due 2016-05-31; interest from 2016-06-01.
    # 2016-06-01..2016-06-30: 30 days at 8.05%: 10000 * 0.0805 * 30 / 365 = 66.1644 -> 66.16
    # 2016-07-01..2016-08-31: 62 days at 8.00%: 10000 * 0.08 * 62 / 365 = 135.8904 -> 135.89
    result = statutory_interest(
        eur("10000"), date(2016, 5, 31), date(2016, 8, 31), "commercial", table
    )
    assert [(p.start, p.end, p.days, p.rate, p.amount) for p in result.periods] == [
        (date(2016, 6, 1), date(2016, 6, 30), 30, Decimal("8.05"), eur("66.16")),
        (date(2016, 7, 1), date(2016, 8, 31), 62, Decimal("8"), eur("135.89")),
    ]
    assert result.total == eur("202.05")


def test_commercial_interest_in_the_second_half_of_2015(table: RateTable) -> None:
    # EUR 1,000 due 2015-06-30: 2015-07-01..2015-12-31 is 184 days at 8.05%:
    # 1000 * 0.0805 * 184 / 365 = 40.5808 -> 40.58 (it was 40.33 at the wrong 8%)
    result = statutory_interest(
        eur("1000"), date(2015, 6, 30), date(2015, 12, 31), "commercial", table
    )
    assert result.total == eur("40.58")
