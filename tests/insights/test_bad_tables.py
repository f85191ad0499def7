from __future__ import annotations

import pandas as pd
import pytest

from csops.insights import modelling


def test_a_missing_label_column_is_named_with_the_columns_there_are():
    with pytest.raises(modelling.ModellingError, match="no column 'churn'.*columns: a, b"):
        modelling.dataset_from_frame(pd.DataFrame({"a": [1], "b": [0]}), label="churn")


def test_a_label_that_is_not_binary_names_the_rows():
    frame = pd.DataFrame({"x": [1, 2, 3], "churn": ["yes", "maybe", "no"]})
    with pytest.raises(modelling.ModellingError, match=r"rows \[3\]"):
        modelling.dataset_from_frame(frame, label="churn")


def test_a_label_with_one_value_has_nothing_to_predict():
    with pytest.raises(modelling.ModellingError, match="only one value"):
        modelling.dataset_from_frame(pd.DataFrame({"x": [1, 2], "churn": [0, 0]}), label="churn")


def test_an_unreadable_date_names_its_row():
    frame = pd.DataFrame({"x": [1, 2], "churn": [0, 1], "when": ["2025-01-01", "soon"]})
    with pytest.raises(modelling.ModellingError, match=r"time column 'when' is not a date on rows \[3\]"):
        modelling.dataset_from_frame(frame, label="churn", time_col="when")
