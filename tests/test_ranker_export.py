"""The ranker's exporter (tools/train_ranker.py): the trees the bot loads are the trees trained."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the [train] extra (scikit-learn) is not installed")

from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402

from article_bot.index.rank import FEATURES  # noqa: E402

TOOLS = Path(__file__).resolve().parents[1] / "tools"


@pytest.fixture(scope="module")
def train_ranker() -> ModuleType:
    """tools/train_ranker.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("train_ranker", TOOLS / "train_ranker.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_ranker"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trained(train_ranker: ModuleType) -> tuple[object, np.ndarray]:
    """Tiny forests over the ranker's features, bagged as the trainer bags them (three seeds of
    the early-stopping split), and the rows they were trained on."""
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(300, len(FEATURES)))
    labels = rows[:, 3] + 0.5 * rows[:, 10] * rows[:, 20] + rng.normal(scale=0.3, size=300) > 0.4
    members = [
        HistGradientBoostingClassifier(
            max_iter=20, max_leaf_nodes=7, early_stopping=True, n_iter_no_change=3, random_state=seed
        ).fit(rows, labels)
        for seed in (0, 1, 2)
    ]
    return train_ranker.Bagged(members), rows


def test_the_bagged_forest_averages_its_members_log_odds(
    train_ranker: ModuleType, trained: tuple[object, np.ndarray], tmp_path: Path
) -> None:
    model, rows = trained
    exported = write(train_ranker, model, tmp_path / "ranker.json")

    assert len(exported["trees"]) == sum(member.n_iter_ for member in model.members)
    logits = np.mean([member.decision_function(rows) for member in model.members], axis=0)
    assert np.allclose(model.predict_proba(rows)[:, 1], 1 / (1 + np.exp(-logits)), atol=1e-12)
    alone = model.members[0].predict_proba(rows)[:, 1]
    assert not np.allclose(model.predict_proba(rows)[:, 1], alone)  # the seeds made other trees


def write(train_ranker: ModuleType, model: object, path: Path) -> dict:
    exported = train_ranker.export(model, 0.1, 0.3, {"trained_on": "a test"})
    path.write_text(json.dumps(exported))
    return exported


def test_exported_trees_give_the_trained_probabilities(
    train_ranker: ModuleType, trained: tuple[object, np.ndarray], tmp_path: Path
) -> None:
    model, rows = trained
    write(train_ranker, model, tmp_path / "ranker.json")

    assert train_ranker.check_export(tmp_path / "ranker.json", model, rows) <= 1e-12


def test_an_export_that_differs_from_the_trained_model_is_refused(
    train_ranker: ModuleType, trained: tuple[object, np.ndarray], tmp_path: Path
) -> None:
    model, rows = trained
    exported = write(train_ranker, model, tmp_path / "ranker.json")
    tree = exported["trees"][5]
    leaf = tree["leaf"].index(True)
    tree["value"][leaf] += 1e-6  # one leaf of one tree, slightly off: as a wrong export would be
    (tmp_path / "ranker.json").write_text(json.dumps(exported))

    with pytest.raises(ValueError, match="ranker.json: the exported trees give .* for training row"):
        train_ranker.check_export(tmp_path / "ranker.json", model, rows)
