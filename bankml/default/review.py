"""The reviews `train_default` attaches to its result: the scorecard's points and screening
(in use, blend member or challenger) and the fair-lending notice with its proxy check."""

from __future__ import annotations

from bankml.default import fairness, scorecard
from bankml.default.blend import BlendModel
from bankml.default.estimator import DefaultModel


def fair_lending(frame, spec, use_protected: tuple[str, ...], random_state: int) -> dict:
    """The protected-column notice and the proxy check of the inputs against each attribute."""
    excluded = fairness.protected_columns(spec.protected)
    excluded.update({c: "named by the user" for c in spec.protected if c not in excluded})
    out: dict = {"protected_notice": fairness.protected_notice(excluded, use_protected)}
    present = [c for c in spec.protected if c in frame.columns]
    if present:
        out["proxy_check"] = fairness.proxy_check(
            frame, list(spec.features), present, random_state=random_state
        )
    return out


def scorecard_review(model, compared, X, y, folds, spec, cv, random_state) -> tuple:
    """The scorecard's points and screening: the model in use, a blend's member, or a
    challenger refitted for review when another model decides."""
    card, role = None, "in use"
    if isinstance(model, BlendModel):
        if "scorecard" in list(model.members):
            card = model.members_[list(model.members).index("scorecard")]
            role = "blend member"
    elif model.candidate_.kind == "scorecard":
        card = model
    if card is None:
        if "scorecard" not in compared:
            return None, {}
        card = DefaultModel(spec=spec, candidate="scorecard", cv=cv, random_state=random_state)
        card.fit(X, y, oof_proba=compared["scorecard"].proba, folds=folds)
        role = "challenger"
    diagnostics = {
        "scorecard_screening": scorecard.screening_table(card._clf()),
        "scorecard_scaling": {
            "pdo": scorecard.PDO,
            "base_score": scorecard.BASE_SCORE,
            "base_odds": scorecard.BASE_ODDS,
            "min_iv": scorecard.MIN_IV,
            "max_correlation": scorecard.MAX_CORRELATION,
            "text": scorecard.SCALING_TEXT,
            "role": role,
        },
    }
    return card.scorecard_table(role), diagnostics
