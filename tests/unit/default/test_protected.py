"""Fair lending by default: protected columns found by name, excluded unless opted in; proxies."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bankml.default import fairness, train_default
from bankml.errors import InputError


@pytest.fixture(scope="module")
def card_csv() -> pd.DataFrame:
    """A UCI credit-card style table: SEX, AGE and MARRIAGE beside the credit inputs."""
    rng = np.random.default_rng(4)
    n = 1_500
    age = rng.integers(21, 70, n)
    pay = rng.integers(-1, 4, n)
    limit = np.round(rng.lognormal(11, 0.6, n), -3)
    risk = 0.9 * pay - 0.4 * np.log(limit / 50_000) - 2.2 + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "ID": np.arange(1, n + 1),
            "LIMIT_BAL": limit,
            "PAY_0": pay,
            "BILL_AMT1": np.round(limit * rng.uniform(0, 0.9, n)),
            "EDUCATION": rng.choice(["graduate", "university", "high school"], n),
            "SEX": rng.choice([1, 2], n),
            "AGE": age,
            "MARRIAGE": rng.choice([1, 2, 3], n),
            "default.payment.next.month": (risk > 0).astype(int),
        }
    )


def test_protected_names_are_found_by_whole_tokens():
    found = fairness.protected_columns(
        ["SEX", "AGE", "MARRIAGE", "personal_status_and_sex", "age_in_years", "applicantAge",
         "date_of_birth", "Race", "foreign_worker", "religion", "mortgage", "percentage",
         "average_balance", "usage", "PAY_0", "LIMIT_BAL"]
    )  # fmt: skip
    assert set(found) == {
        "SEX", "AGE", "MARRIAGE", "personal_status_and_sex", "age_in_years", "applicantAge",
        "date_of_birth", "Race", "foreign_worker", "religion",
    }  # fmt: skip
    assert found["MARRIAGE"] == "marital status" and found["foreign_worker"] == "nationality"


def test_a_csv_with_sex_age_marriage_excludes_them_by_default(card_csv):
    target = "default.payment.next.month"
    result = train_default(card_csv, target=target, candidates=["logistic"], cv=3)
    features = set(result.model.features_)
    assert not features & {"SEX", "AGE", "MARRIAGE"}
    assert {"LIMIT_BAL", "PAY_0"} <= features
    assert {"SEX", "AGE", "MARRIAGE"} <= set(result.spec.protected)
    notice = result.diagnostics["protected_notice"]
    assert all(c in notice for c in ("SEX", "AGE", "MARRIAGE")) and "opt in" in notice
    proxies = result.diagnostics["proxy_check"]
    assert set(proxies["attribute"]) == {"SEX", "AGE", "MARRIAGE"}
    # the fairness report still groups by them
    from bankml.default import fairness_by_group

    assert {"SEX", "AGE band", "MARRIAGE"} <= set(fairness_by_group(result.validation, 0.5))


def test_opting_in_uses_the_column_and_says_so(card_csv):
    target = "default.payment.next.month"
    result = train_default(
        card_csv, target=target, candidates=["logistic"], cv=3, use_protected=("AGE",)
    )
    assert "AGE" in result.model.features_
    assert not {"SEX", "MARRIAGE"} & set(result.model.features_)
    assert "used as inputs at the user's request: AGE" in result.diagnostics["protected_notice"]
    with pytest.raises(InputError, match="'AGEE'"):
        train_default(card_csv, target=target, candidates=["logistic"], use_protected=("AGEE",))


def test_proxy_check_flags_an_input_that_reveals_the_attribute(card_csv):
    frame = card_csv.assign(
        YEARS_AT_ADDRESS=card_csv["AGE"] - 18 + np.random.default_rng(1).integers(0, 3, 1_500)
    )
    table = fairness.proxy_check(
        frame, ["LIMIT_BAL", "PAY_0", "YEARS_AT_ADDRESS", "EDUCATION"], ["AGE", "SEX"]
    ).set_index("attribute")
    assert table.loc["AGE", "flagged"] and table.loc["AGE", "strongest_input"] == "YEARS_AT_ADDRESS"
    assert table.loc["AGE", "proxy_auc"] >= fairness.STRONG_PROXY_AUC
    assert not table.loc["SEX", "flagged"] and table.loc["SEX", "proxy_auc"] < 0.6


def test_cli_flags_exclude_and_opt_in_protected_columns(card_csv, tmp_path, capsys):
    """The CLI's flags, run in this process (the subprocess run below is the slow tier's)."""
    from bankml.cli import main

    csv = tmp_path / "cards.csv"
    card_csv.to_csv(csv, index=False)
    base = ["evaluate", "--csv", str(csv), "--target", "default.payment.next.month"]
    assert main([*base, "--models", "logistic", "--cv", "3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert not {"SEX", "AGE", "MARRIAGE"} & set(payload["columns_used"])
    assert "MARRIAGE (marital status)" in payload["protected_notice"]
    opted = [*base, "--models", "logistic", "--cv", "3", "--use-protected", "AGE", "--json"]
    assert main(opted) == 0
    assert "AGE" in json.loads(capsys.readouterr().out)["columns_used"]
    assert main([*base, "--models", "logistic", "--use-protected", "AGEE"]) == 2
    wrong = capsys.readouterr().err.strip().splitlines()
    assert "AGEE" in wrong[-1] and wrong[-1].startswith("bankml evaluate: error:"), wrong


@pytest.mark.slow  # three interpreter start-ups: the in-process test above keeps the flags fast
def test_cli_excludes_protected_columns_unless_opted_in(bankml_cli, card_csv, tmp_path):
    csv = tmp_path / "cards.csv"
    card_csv.to_csv(csv, index=False)
    base = ("evaluate", "--csv", str(csv), "--target", "default.payment.next.month")
    done = bankml_cli(*base, "--models", "logistic", "--cv", "3", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert not {"SEX", "AGE", "MARRIAGE"} & set(payload["columns_used"])
    assert "MARRIAGE (marital status)" in payload["protected_notice"]
    opted = bankml_cli(
        *base, "--models", "logistic", "--cv", "3", "--use-protected", "AGE", "--json"
    )
    assert opted.returncode == 0, opted.stderr
    assert "AGE" in json.loads(opted.stdout)["columns_used"]
    wrong = bankml_cli(*base, "--models", "logistic", "--use-protected", "AGEE")
    assert wrong.returncode == 2 and "AGEE" in wrong.stderr and "Traceback" not in wrong.stderr
