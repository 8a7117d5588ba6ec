"""Provider adapters against local servers speaking Mollie's and Tikkie's documented APIs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from creditflow.config import ConfigError, Settings, settings_from
from creditflow.config.sections import PaymentsSettings
from creditflow.money import Money
from creditflow.payments.providers import PaymentOrder, ProviderError, build_providers
from creditflow.payments.providers.mollie import MollieProvider
from creditflow.payments.providers.tikkie import TikkieProvider
from tests.support.mollie_emulator import MollieEmulator
from tests.support.serve_asgi import serving
from tests.support.tikkie_emulator import PREFIX, TikkieEmulator

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def order(amount: str = "150.50", currency: str = "EUR", country: str = "NL") -> PaymentOrder:
    return PaymentOrder(
        request_id=42,
        amount=Money(Decimal(amount), currency),
        description="Factuur INV-1001, INV-1002",
        customer_id="C001",
        country=country,
        language="nl",
        redirect_url="https://pay.example.nl/p/TOKEN?r=42",
        webhook_url="https://pay.example.nl/webhooks/mollie",
        reference="creditflow-42",
        expires_at=datetime.now(UTC) + timedelta(days=14),
    )


@pytest.fixture
def mollie() -> Iterator[tuple[MollieEmulator, MollieProvider]]:
    emulator = MollieEmulator()
    with serving(emulator.app) as base:
        yield emulator, MollieProvider(emulator.api_key, base_url=f"{base}/v2")


@pytest.fixture
def tikkie() -> Iterator[tuple[TikkieEmulator, TikkieProvider]]:
    emulator = TikkieEmulator()
    with serving(emulator.app) as base:
        yield (
            emulator,
            TikkieProvider(emulator.api_key, emulator.app_token, base_url=f"{base}{PREFIX}"),
        )


def test_mollie_creates_an_ideal_payment_for_a_dutch_customer(mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = mollie
    created = provider.create_payment(order())
    assert created.provider_id.startswith("tr_")
    assert created.status == "open"
    assert created.checkout_url and created.checkout_url.startswith(
        "https://www.mollie.com/checkout/"
    )
    sent = emulator.requests[0]["body"]
    assert sent["amount"] == {"currency": "EUR", "value": "150.50"}
    assert sent["method"] == "ideal"
    assert sent["locale"] == "nl_NL"
    assert sent["metadata"]["payment_request"] == 42
    assert sent["redirectUrl"] == "https://pay.example.nl/p/TOKEN?r=42"
    assert sent["webhookUrl"] == "https://pay.example.nl/webhooks/mollie"


def test_mollie_lets_other_customers_choose_their_method(mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = mollie
    provider.create_payment(order(country="DE"))
    assert "method" not in emulator.requests[0]["body"]


def test_mollie_sends_whole_amounts_with_two_decimals(mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = mollie
    provider.create_payment(order(amount="40"))
    assert emulator.requests[0]["body"]["amount"]["value"] == "40.00"


@pytest.mark.parametrize(
    ("mollie_status", "ours"),
    [
        ("open", "open"),
        ("pending", "pending"),
        ("authorized", "pending"),
        ("paid", "paid"),
        ("failed", "failed"),
        ("expired", "expired"),
        ("canceled", "canceled"),
    ],
)
def test_mollie_status_is_fetched(mollie, mollie_status: str, ours: str) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = mollie
    created = provider.create_payment(order())
    emulator.set_status(created.provider_id, mollie_status)
    fetched = provider.fetch_payment(created.provider_id)
    assert fetched.status == ours
    assert fetched.amount == Money(Decimal("150.50"), "EUR")
    assert fetched.metadata["payment_request"] == 42
    if ours == "paid":
        assert fetched.paid_at is not None and fetched.paid_at.tzinfo is not None
        assert fetched.method == "ideal"
    else:
        assert fetched.paid_at is None


def test_mollie_payment_link(mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = mollie
    provider.api = "payment-links"
    created = provider.create_payment(order())
    assert created.provider_id.startswith("pl_")
    assert created.checkout_url and "payment-links.mollie.com" in created.checkout_url
    assert emulator.requests[0]["body"]["expiresAt"]
    assert provider.fetch_payment(created.provider_id).status == "open"
    emulator.set_status(created.provider_id, "paid")
    paid = provider.fetch_payment(created.provider_id)
    assert (paid.status, paid.amount) == ("paid", Money(Decimal("150.50"), "EUR"))


def test_mollie_errors_name_the_problem(mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = mollie
    with pytest.raises(ProviderError) as missing:
        provider.fetch_payment("tr_doesnotexist")
    assert missing.value.status_code == 404
    wrong_key = MollieProvider("test_wrong", base_url=provider._base)
    with pytest.raises(ProviderError) as refused:
        wrong_key.create_payment(order())
    assert refused.value.status_code == 401 and "authenticate" in str(refused.value)
    with pytest.raises(ProviderError, match="invalid id"):
        provider.fetch_payment("../payments")


def test_mollie_unreachable_is_a_provider_error() -> None:
    provider = MollieProvider("test_x", base_url="http://127.0.0.1:9/v2", timeout=2)
    with pytest.raises(ProviderError, match="failed"):
        provider.create_payment(order())


def test_tikkie_creates_a_payment_request(tikkie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = tikkie
    created = provider.create_payment(order())
    assert created.status == "open"
    assert created.checkout_url and created.checkout_url.startswith("https://tikkie.me/pay/")
    body = emulator.bodies[0]
    assert body["amountInCents"] == 15050
    assert body["referenceId"] == "creditflow-42"
    assert len(body["description"]) <= 35
    assert body["expiryDate"] == order().expires_at.date().isoformat()  # type: ignore[union-attr]


def test_tikkie_paid_request_reports_amount_and_time(tikkie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = tikkie
    created = provider.create_payment(order())
    assert provider.fetch_payment(created.provider_id).status == "open"
    emulator.pay(created.provider_id)
    paid = provider.fetch_payment(created.provider_id)
    assert paid.status == "paid"
    assert paid.amount == Money(Decimal("150.50"), "EUR")
    assert paid.paid_at is not None


def test_tikkie_partial_then_expired(tikkie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = tikkie
    created = provider.create_payment(order())
    emulator.pay(created.provider_id, 5000)
    assert provider.fetch_payment(created.provider_id).status == "pending"
    emulator.expire(created.provider_id)
    assert provider.fetch_payment(created.provider_id).status == "expired"


def test_tikkie_refuses_other_currencies_and_bad_credentials(tikkie) -> None:  # type: ignore[no-untyped-def]
    emulator, provider = tikkie
    with pytest.raises(ProviderError, match="only EUR"):
        provider.create_payment(order(currency="USD"))
    wrong = TikkieProvider("wrong", emulator.app_token, base_url=provider._base)
    with pytest.raises(ProviderError) as refused:
        wrong.create_payment(order())
    assert refused.value.status_code == 401 and "ERR_2005_002" in str(refused.value)
    with pytest.raises(ProviderError) as missing:
        provider.fetch_payment("unknown-token")
    assert missing.value.status_code == 404


def test_registry_builds_configured_providers_with_secrets_from_environment(
    settings: Settings,
) -> None:
    from sqlalchemy.orm import sessionmaker

    configured = replace(
        settings,
        providers={
            "mollie": {"api_key_env": "MY_MOLLIE_KEY"},
            "tikkie": {"api_key": "k", "app_token_env": "MY_TIKKIE_APP"},
        },
        payments=PaymentsSettings(provider="mollie"),
    )
    built = build_providers(
        configured, sessionmaker(), {"MY_MOLLIE_KEY": "test_abc", "MY_TIKKIE_APP": "app"}
    )
    assert sorted(built) == ["mollie", "tikkie"], "the sandbox only when named"
    assert configured.payments.provider == "mollie"
    assert settings.payments.provider is None, "no provider unless one is configured"
    sandbox = replace(settings, payments=PaymentsSettings(provider="sandbox"))
    assert sorted(build_providers(sandbox, sessionmaker(), {})) == ["sandbox"]
    with pytest.raises(ConfigError, match="MY_MOLLIE_KEY"):
        build_providers(configured, sessionmaker(), {"MY_TIKKIE_APP": "app"})
    with pytest.raises(ConfigError, match="unknown setting"):
        build_providers(
            replace(settings, providers={"mollie": {"api_key": "x", "colour": 1}}),
            sessionmaker(),
            {},
        )
    with pytest.raises(ConfigError, match="no \\[providers.tikkie\\]"):
        settings_from({"payments": {"provider": "tikkie"}}, environ={})


@pytest.mark.parametrize(
    ("status", "wanted", "paid", "ours"),
    [
        ("OPEN", 15050, 0, "open"),
        ("OPEN", 15050, 5000, "pending"),
        ("OPEN", 15050, 15050, "paid"),
        ("CLOSED", 15050, 15050, "paid"),
        ("MAX_AMOUNT_REACHED", 15050, 15050, "paid"),
        ("EXPIRED", 15050, 0, "expired"),
        ("CLOSED", 15050, 0, "canceled"),
    ],
)
def test_tikkie_status_table(status: str, wanted: int, paid: int, ours: str) -> None:
    from creditflow.payments.providers.tikkie import tikkie_status

    assert tikkie_status(status, wanted, paid) == ours


@pytest.mark.parametrize(
    ("current", "new", "forward"),
    [
        ("open", "pending", True),
        ("open", "paid", True),
        ("pending", "failed", True),
        ("failed", "paid", True),
        ("paid", "open", False),
        ("paid", "failed", False),
        ("failed", "open", False),
        ("expired", "canceled", False),
        ("open", "open", False),
    ],
)
def test_statuses_only_move_forward(current: str, new: str, forward: bool) -> None:
    from creditflow.payments.providers.base import is_progress

    assert is_progress(current, new) is forward


def test_unknown_statuses_and_non_positive_amounts_are_refused() -> None:
    from creditflow.payments.providers.base import ProviderPayment
    from creditflow.payments.providers.mollie import mollie_status
    from creditflow.payments.providers.tikkie import tikkie_status

    with pytest.raises(ProviderError, match="unknown payment status 'chargeback'"):
        mollie_status("chargeback")
    with pytest.raises(ProviderError, match="unknown payment request status"):
        tikkie_status("WEIRD", 100, 0)
    with pytest.raises(ValueError, match="status 'done'"):
        ProviderPayment(provider_id="x", status="done")
    with pytest.raises(ValueError, match="payment request 42: amount must be positive"):
        order(amount="0.00")
