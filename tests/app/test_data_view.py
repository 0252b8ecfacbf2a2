"""The Data page's logic (dashboard.data_view) without a browser: the regenerate form's starting
values, the messages after a regeneration or a training, the target column preselected."""

from __future__ import annotations

from pathlib import Path

from bankml.bank import SUPPORTED_LOCALES
from bankml.data import BankInfo
from dashboard import data_view


def bank(content_hash: str = "abc123def456", locale: str = "de_DE") -> BankInfo:
    return BankInfo(
        path=Path("bank.duckdb"), content_hash=content_hash, seed=11, customers=20_000,
        locale=locale, created_at="2026-11-26", default_rate_target=0.08,
        realised_default_rate=0.0812, oracle_auc=0.81, row_counts={"customers": 20_000},
        generator_version="2.0", has_truth=True,
    )  # fmt: skip


def test_form_starts_from_the_bank_in_use():
    start = data_view.form_start(bank(), {})
    assert start == {
        "gen_for": "abc123def456",
        "gen_customers": 20_000,
        "gen_seed": 11,
        "gen_default_rate": 0.08,
        "gen_locale": "de_DE",
    }
    assert set(data_view.FORM_KEYS) < set(start)


def test_form_is_left_alone_while_the_bank_is_the_same_and_reset_after_a_regeneration():
    shown = {"gen_for": "abc123def456", "gen_customers": 5_000}  # the user's edit, same bank
    assert data_view.form_start(bank(), shown) is None
    assert data_view.form_start(bank("fff000"), shown)["gen_for"] == "fff000"
    # another page dropped the widget's state: the form starts from the bank again
    assert data_view.form_start(bank(), {"gen_for": "abc123def456"})["gen_customers"] == 20_000
    assert data_view.form_start(None, {}) is None


def test_an_unknown_locale_falls_back_to_the_first_supported():
    assert data_view.form_start(bank(locale="xx_XX"), {})["gen_locale"] == SUPPORTED_LOCALES[0]


def test_regeneration_messages_warn_only_when_a_bank_model_goes_stale():
    new = bank("fff000111222")
    success = ("success", "New bank in use: 20,000 customers, hash fff0001112, default rate 8.1%.")
    assert data_view.regeneration_messages(new, None) == [success]
    old_bank_model = {"source": "bank abc123def4", "data_hash": "abc123def456"}
    assert data_view.regeneration_messages(new, old_bank_model) == [
        success,
        ("warning", data_view.STALE_AFTER_REGENERATION),
    ]
    csv_model = {"source": "upload loans.csv", "data_hash": "0123"}  # not stale: not the bank's
    assert data_view.regeneration_messages(new, csv_model) == [success]


def test_target_index_and_trained_message():
    assert data_view.target_index(["sex", "bad_loan"], "bad_loan") == 1
    assert data_view.target_index(["sex", "bad_loan"], None) is None
    assert data_view.trained_message("20261126T1200-ab", "blend", 0.8123, 3_000) == (
        "success",
        "Model 20261126T1200-ab (blend) is now active: ROC AUC 0.812 on 3,000 rows.",
    )


def test_tables_text_lists_every_table_with_its_rows():
    text = data_view.tables_text({"customers": 12_000, "loans": 9_500})
    assert text == (
        "Tables of this bank: customers (12,000 rows), loans (9,500 rows), and meta (how it was "
        "generated)."
    )
