"""Default prediction: score one applicant (with reasons) or a whole CSV batch (with drift)."""

from __future__ import annotations

import streamlit as st

from bankml.default.scoring import applicant_from_loan, score_applicant
from bankml.errors import BankmlError
from pages import _shared, _ui

st.title("Default prediction")
st.caption("Probability of default for one applicant or a CSV batch, with the reasons behind it.")
info = _shared.current_bank()
model, card = _shared.require_model()
schema = model.schema_
st.caption(
    f"Model {card.get('id', '?')} ({card.get('algorithm', '')}), cut-off PD {model.cutoff_:.1%}"
)


def load_applicant() -> None:
    try:
        values = applicant_from_loan(
            _shared.loan_frame(info), st.session_state.load_loan_id, schema
        )
    except BankmlError as exc:
        st.session_state.load_error = str(exc)
        return
    st.session_state.load_error = None
    st.session_state.update({f"applicant_{name}": value for name, value in values.items()})


def number_field(container, label: str, spec, value, key: str, **kwargs):
    """A number input whose bounds and step are the validator's (ints for whole-number fields)."""
    kind = int if spec.integer else float
    bounds = dict(min_value=kind(spec.minimum), max_value=kind(spec.maximum), step=kind(spec.step))
    return container.number_input(label, value=kind(value), key=key, **bounds, **kwargs)


def show_result(result) -> None:
    cols = st.columns(3)
    cols[0].metric("Probability of default", f"{result.pd:.1%}")
    cols[1].metric("Risk grade", result.grade)
    cols[2].metric("Decision", result.decision.title())
    reasons = result.reasons(6)
    data, spec = _ui.reason_chart(reasons)
    st.vega_lite_chart(data, spec, width="stretch")
    stated = result.decision_reasons(4)["text"]
    st.markdown("\n".join(f"- {_shared.literal(text)}" for text in stated))
    if result.counterfactual:
        cf = result.counterfactual
        st.info(
            f"{_shared.literal(cf['text'])}: the PD would be {cf['pd']:.1%}, under the cut-off."
        )
    elif result.decision != "approve":
        st.info("No small change to loan amount, term or debt-to-income approves this applicant.")


def what_if(base) -> None:
    st.subheader("What if?")
    field = st.selectbox("Change one field", schema.names, key="whatif_feature")
    spec, current = schema.field(field), st.session_state.applicant[field]
    if hasattr(spec, "levels"):
        new = st.selectbox("New value", spec.levels, key=f"whatif_value_{field}")
    else:
        new = number_field(st, "New value", spec, current, f"whatif_value_{field}")
    changed = (  # the field starts at the applicant's value: nothing to re-score until it moves
        base
        if new == current
        else score_applicant({**st.session_state.applicant, field: new}, model, explain=False)
    )
    delta = f"{changed.pd - base.pd:+.1%}"
    st.metric("PD after the change", f"{changed.pd:.1%}", delta=delta, delta_color="inverse")


@st.fragment
def single_applicant() -> None:
    """The form and its result: a submit reruns only this part of the page, not the batch tab."""
    if info is not None:
        cols = st.columns([2, 1], vertical_alignment="bottom")
        cols[0].number_input("Load an existing applicant by loan ID", 1, step=1, key="load_loan_id")
        cols[1].button("Load applicant", key="load_loan", on_click=load_applicant)
        if st.session_state.get("load_error"):
            _shared.show_error(st.session_state.load_error)
    with st.form("applicant_form"):
        values, cols = {}, st.columns(3)
        for i, spec in enumerate(schema.numeric):
            label = schema.descriptions.get(spec.name, spec.name).capitalize()
            hint = f"{spec.help or spec.name}: from {spec.minimum:g} to {spec.maximum:g}"
            key = f"applicant_{spec.name}"
            values[spec.name] = number_field(cols[i % 3], label, spec, spec.default, key, help=hint)
        for j, spec in enumerate(schema.categorical, start=len(schema.numeric)):
            values[spec.name] = cols[j % 3].selectbox(
                schema.descriptions.get(spec.name, spec.name).capitalize(),
                spec.levels,
                index=spec.levels.index(spec.default) if spec.default in spec.levels else 0,
                help=f"{spec.help or spec.name}: one of the {len(spec.levels)} values seen in training",
                key=f"applicant_{spec.name}",
            )
        if st.form_submit_button("Score applicant", type="primary"):
            st.session_state.applicant = values
    if "applicant" in st.session_state:
        try:
            base = score_applicant(st.session_state.applicant, model)
            show_result(base)
            what_if(base)
        except BankmlError as exc:
            _shared.show_error(exc)


single, batch = st.tabs(["Single applicant", "Batch"])
with single:
    single_applicant()

with batch:
    st.download_button(
        "Download a CSV template", _shared.applicant_template(model, card), "applicants_template.csv", "text/csv",
        key="template_download", on_click="ignore",
    )  # fmt: skip
    upload = st.file_uploader(
        "Applicants CSV (comma, semicolon, tab or pipe; UTF-8, UTF-16 or Latin-1)",
        type=["csv", "txt", "tsv"], key="batch_upload", max_upload_size=50,
    )  # fmt: skip
    if upload is not None:
        try:
            result = _shared.score_upload(upload.getvalue(), upload.name, model, card, info)
        except BankmlError as exc:
            _shared.show_error(exc)
        else:
            st.success(_shared.literal(result.report.summary()))
            if len(result.issues()):
                st.subheader("Rows with problems (not scored unless marked warning)")
                st.dataframe(result.issues(), hide_index=True)
            if result.report.extra_columns:
                extra = ", ".join(result.report.extra_columns)
                st.caption(f"Carried through, not used by the model: {_shared.literal(extra)}")
            if len(result.scored):
                st.subheader("Scored applicants")
                st.dataframe(result.scored, hide_index=True)
                st.altair_chart(_ui.pd_chart(result.scored["pd"], model.cutoff_), width="stretch")
                if result.drift is not None:
                    st.subheader("Drift against the training data")
                    st.caption(
                        "PSI per feature: below 0.10 stable, 0.10-0.25 moderate, above significant."
                    )
                    st.dataframe(result.drift, hide_index=True)
                st.download_button(
                    "Download scored CSV", result.to_csv(), f"scored_{upload.name.rsplit('.', 1)[0]}.csv", "text/csv",
                    key="batch_download", on_click="ignore",
                )  # fmt: skip
