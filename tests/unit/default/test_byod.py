"""bankml.default.byod.model_is_stale: the one staleness rule the sidebar and every page apply."""

from __future__ import annotations

from bankml.default.byod import model_is_stale


def test_a_bank_model_is_stale_only_against_another_bank():
    card = {"source": "bank data/bank.duckdb (seed 7)", "data_hash": "aaa"}
    assert not model_is_stale(card, "aaa")
    assert model_is_stale(card, "bbb")


def test_a_csv_model_is_never_stale_against_the_bank():
    card = {"source": "csv german.csv", "data_hash": "ccc"}
    assert not model_is_stale(card, "aaa")
    assert not model_is_stale({}, "aaa")  # a card without a source is not claimed stale either
