"""The Default prediction page's texts and tables (dashboard.prediction_view) without a browser."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from bankml.data import BankInfo
from bankml.default.cutoff import master_scale
from dashboard import prediction_view


def spec(name: str, **kw) -> SimpleNamespace:
    return SimpleNamespace(
        name=name, help=kw.get("help", ""), minimum=0, maximum=1.5, levels=["a", "b"]
    )


def test_master_scale_table_lists_every_grade_with_pd_percentages():
    table = prediction_view.master_scale_table()
    scale = master_scale()
    assert list(table.index) == list(scale["grade"]) and table.index.name == "Grade"
    assert list(table.columns) == ["PD from", "PD below"]
    assert all(text.endswith("%") for text in table["PD from"])


def test_master_scale_markdown_is_the_table_as_one_markdown_table():
    table = prediction_view.master_scale_table()
    lines = prediction_view.master_scale_markdown().splitlines()
    assert lines[0] == "| Grade | PD from | PD below |" and len(lines) == 2 + len(table)
    for line, (grade, row) in zip(lines[2:], table.iterrows(), strict=True):
        assert line == f"| {grade} | {row['PD from']} | {row['PD below']} |"


def test_grade_and_decision_help_quote_the_scale_the_band_and_the_cut_off():
    scale = master_scale()
    last = scale["grade"].iloc[-1]
    second = scale.iloc[1]
    text = prediction_view.grade_help(second["grade"])
    assert text.startswith(
        f"A (safest) to {last} on the fixed master scale: grade {second['grade']}"
    )
    decision = prediction_view.decision_help((0.05, 0.12), 0.08)
    assert decision.startswith("Approve below a PD of 5.0%, refer to an underwriter up to 12.0%")
    assert "cut-off 8.0%" in decision


def test_money_has_the_banks_currency_only_for_a_model_trained_on_the_bank():
    info = BankInfo(
        path=Path("b"), content_hash="h", seed=1, customers=1, locale="de_DE", created_at="",
        default_rate_target=0.1, realised_default_rate=0.1, oracle_auc=0.8, row_counts={},
        generator_version="2", has_truth=True,
    )  # fmt: skip
    assert prediction_view.money_locale(info, {"source": "bank abc"}) == "de_DE"
    assert prediction_view.money_locale(info, {"source": "upload x.csv"}) is None
    assert prediction_view.money_locale(None, {"source": "bank abc"}) is None


def test_field_groups_split_application_behaviour_and_economy_in_schema_order():
    numeric = [spec(n) for n in ("dti", "beh_txn_count", "macro_policy_rate", "age", "beh_fees")]
    schema = SimpleNamespace(numeric=numeric, descriptions={"dti": "debt-to-income"})
    application, behavioural, economy = prediction_view.field_groups(schema)
    assert [f.name for f in application] == ["dti", "age"]
    assert [f.name for f in behavioural] == ["beh_txn_count", "beh_fees"]
    assert [f.name for f in economy] == ["macro_policy_rate"]
    assert prediction_view.field_label(schema, "dti") == "Debt-to-income"
    assert prediction_view.field_label(schema, "age") == "Age"


def test_field_hints_name_the_range_or_the_levels():
    assert prediction_view.numeric_hint(spec("dti", help="debt over income")) == (
        "debt over income: from 0 to 1.5"
    )
    assert (
        prediction_view.level_hint(spec("purpose"))
        == "purpose: one of the 2 values seen in training"
    )


def test_result_and_economics_metrics_carry_their_figures_and_help():
    result = SimpleNamespace(pd=0.129, grade="D", decision="refer")
    metrics = prediction_view.result_metrics(result, (0.1, 0.2), 0.15)
    assert [(label, value) for label, value, _ in metrics] == [
        ("Probability of default", "12.9%"),
        ("Risk grade", "D"),
        ("Decision", "Refer"),
    ]
    assert "grade D" in metrics[1][2] and "refer to an underwriter up to 20.0%" in metrics[2][2]
    money = {"ead": 12_500, "break_even_pd": 0.2, "expected_profit": -340}
    economics = prediction_view.economics_metrics(money, "en_US", "Own rate and term")
    assert [value for _, value, _ in economics] == ["$12,500", "20.0%", "-$340"]
    assert economics[2][2].endswith("Own rate and term.")
    assert "$" not in prediction_view.economics_metrics(money, None, "p")[0][1]


def test_small_texts_of_the_form_and_the_what_if():
    card = {"id": "20261126-abc", "algorithm": "logistic"}
    assert prediction_view.model_caption(card, 0.215) == (
        "Model 20261126-abc (logistic), cut-off PD 21.5%"
    )
    assert prediction_view.reasons_markdown(["debt *high*", "short history"]) == (
        "- debt \\*high\\*\n- short history"
    )
    assert prediction_view.level_index(["a", "b"], "b") == 1
    assert prediction_view.level_index(["a", "b"], "zz") == 0
    assert prediction_view.unchanged_caption("loan_amount") == (
        "Unchanged: this is the applicant's own loan amount."
    )
    assert prediction_view.loaded_caption("loan 5") == (
        "Loaded loan 5: check the fields, then score it."
    )
