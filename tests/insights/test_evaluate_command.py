from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.insights.synthetic import churn_table


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("insights", "evaluate", *args, stdout=out)
    return out.getvalue()


def test_it_prints_each_model_beside_the_baseline_with_the_top_drivers(tmp_path):
    path = tmp_path / "accounts.csv"
    churn_table(900, seed=10).to_csv(path, index=False)
    text = _run("--table", str(path), "--label", "churned", "--id", "account", "--time", "month")
    assert "validation: time: 2 expanding folds" in text
    for name in ("baseline (logins alone)", "logistic_l1", "logistic_l2", "gradient_boosting"):
        assert name in text
    assert "top drivers, logistic_l1" in text
    assert "account" not in text.split("top drivers")[1].split()  # the id is never a feature


def test_a_duration_column_adds_a_survival_curve(tmp_path):
    frame = churn_table(600, seed=11).drop(columns=["month"])
    frame["tenure"] = (frame["logins"] // 3).clip(lower=1)
    path = tmp_path / "accounts.csv"
    frame.to_csv(path, index=False)
    text = _run("--table", str(path), "--label", "churned", "--duration", "tenure")
    assert "stratified 5-fold" in text
    assert "survival (Kaplan-Meier" in text


def test_a_wrong_label_is_a_clear_error(tmp_path):
    path = tmp_path / "accounts.csv"
    churn_table(100).to_csv(path, index=False)
    with pytest.raises(CommandError, match="no column 'is_churn'"):
        _run("--table", str(path), "--label", "is_churn")


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _run("--table", str(tmp_path / "nope.csv"), "--label", "x")
