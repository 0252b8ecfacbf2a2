"""The Default prediction page's one applicant, kept in the session: values, form version, scored.

Loading, editing and scoring all go through `current` and `replace`. The form's widget keys carry
the version, so values pushed in from outside (a loaded loan) replace whatever the browser still
holds for the old widgets; derived widgets (what-if) are keyed on `values_tag`, so they reset
whenever the applicant changes. A new model (another card sha256) starts a new applicant.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from bankml import formatting


def shown_defaults(schema) -> dict:
    """The model's typical applicant at the precision the form shows (what you see is scored)."""
    values = schema.defaults()
    for spec in schema.numeric:
        places = formatting.decimal_places(spec.step, spec.integer)
        values[spec.name] = round(float(values[spec.name]), places)
    return values


def current(schema, card: dict) -> dict:
    """The session's applicant for this model, a fresh one (next form version) for a new model."""
    state = st.session_state.get("applicant")
    if not isinstance(state, dict) or state.get("model") != card.get("sha256"):
        version = state["version"] + 1 if isinstance(state, dict) else 0
        state = {"values": shown_defaults(schema), "version": version, "scored": False}
        state["model"] = card.get("sha256")
        st.session_state.applicant = state
    return state


def replace(
    schema, card: dict, values: dict, scored: bool, new_form: bool, source: str = ""
) -> None:
    """Swap in new applicant values; new_form re-keys the form so it shows exactly these values."""
    state = current(schema, card)
    version = state["version"] + 1 if new_form else state["version"]
    st.session_state.applicant = {
        **state, "values": dict(values), "version": version, "scored": scored, "source": source
    }  # fmt: skip


def values_tag(values: dict) -> str:
    """A short digest of the applicant's values: the key suffix of every derived widget."""
    return hashlib.sha1(repr(sorted(values.items())).encode()).hexdigest()[:12]


def number_field(container, label: str, spec, value, key: str, **kwargs):
    """A number input with the validator's bounds and step (ints for whole-number fields),
    showing enough decimals that a loaded value reads exactly as it is scored."""
    kind = int if spec.integer else float
    bounds = dict(min_value=kind(spec.minimum), max_value=kind(spec.maximum), step=kind(spec.step))
    places = formatting.decimal_places(spec.step, spec.integer)
    shown = "%d" if spec.integer else f"%.{places}f"
    return container.number_input(
        label, value=kind(value), key=key, format=shown, **bounds, **kwargs
    )
