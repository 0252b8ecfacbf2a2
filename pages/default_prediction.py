"""Default prediction: score one applicant (with reasons) or a whole CSV batch (with drift)."""

from __future__ import annotations

import streamlit as st

from bankml import formatting
from bankml.default.scoring import applicant_from_loan, score_applicant
from bankml.errors import BankmlError
from dashboard import applicant as applicant_state
from dashboard import batch_view, charts, models, prediction_view, review, safe, store
from dashboard.applicant import number_field, values_tag
from dashboard.prediction_view import field_label

st.title("Default prediction")
st.caption("Probability of default for one applicant or a CSV batch, with the reasons behind it.")
info = store.current_bank()
model, card = models.require_model()
schema = model.schema_
st.caption(prediction_view.model_caption(card, model.cutoff_))
with st.expander("Master scale of risk grades"):
    st.markdown(prediction_view.master_scale_markdown())


def applicant() -> dict:
    """The session's one applicant for this model (see dashboard.applicant)."""
    return applicant_state.current(schema, card)


def replace_applicant(values: dict, scored: bool, new_form: bool, source: str = "") -> None:
    applicant_state.replace(schema, card, values, scored, new_form, source)


def load_applicant() -> None:
    try:
        values = applicant_from_loan(
            store.booked_loans(info), st.session_state.load_loan_id, schema
        )
    except BankmlError as exc:
        st.session_state.load_error = str(exc)
        return
    st.session_state.load_error = None
    source = f"loan {int(st.session_state.load_loan_id)}"
    replace_applicant(values, scored=False, new_form=True, source=source)


def show_result(result) -> None:
    rows = [prediction_view.result_metrics(result, model.refer_band_, model.cutoff_)]
    if result.economics:
        locale = prediction_view.money_locale(info, card)
        rows.append(prediction_view.economics_metrics(result.economics, locale, model.policy_))
    for row in rows:
        for column, (label, value, note) in zip(st.columns(3), row, strict=True):
            column.metric(label, value, help=note)
    reasons = result.reasons(6)
    data, spec = charts.reason_chart(reasons)
    st.vega_lite_chart(data, spec, width="stretch")
    st.caption(model.reasons_note())
    st.markdown(prediction_view.reasons_markdown(list(result.decision_reasons(4)["text"])))
    if result.counterfactual:
        st.info(review.counterfactual_text(result.counterfactual))
    elif result.decision != "approve":
        st.info(prediction_view.NO_COUNTERFACTUAL)


def what_if(base, values: dict) -> None:
    """One field changed on a copy of the applicant; starts at the applicant's own values."""
    st.subheader("What if?")
    tag = values_tag(values)
    field = st.selectbox(
        "Change one field", schema.names, key=f"whatif_feature_{tag}",
        format_func=lambda name: field_label(schema, name),
    )  # fmt: skip
    spec, current = schema.field(field), values[field]
    if hasattr(spec, "levels"):
        new = st.selectbox(
            "New value", spec.levels, index=prediction_view.level_index(spec.levels, current),
            key=f"whatif_{field}_{tag}",
            format_func=formatting.label_text,
        )  # fmt: skip
    else:
        new = number_field(st, "New value", spec, current, f"whatif_{field}_{tag}")
    if new == current:  # nothing to re-score and nothing to point an arrow at
        st.metric("PD after the change", formatting.pd_text(base.pd))
        st.caption(prediction_view.unchanged_caption(field))
        return
    changed = score_applicant({**values, field: new}, model, explain=False)
    st.metric(
        "PD after the change",
        formatting.pd_text(changed.pd),
        delta=formatting.pd_change(base.pd, changed.pd),
        delta_color="inverse",
        help=prediction_view.WHAT_IF_HELP,
    )


def numeric_input(column, spec, shown: dict, version: int):
    """One numeric field of the form, keyed on the applicant's version so a load replaces it."""
    key = f"applicant_{spec.name}_v{version}"
    value = shown.get(spec.name, spec.default)
    hint = prediction_view.numeric_hint(spec)
    return number_field(column, field_label(schema, spec.name), spec, value, key, help=hint)


@st.fragment
def single_applicant() -> None:
    """The form and its result: a submit reruns only this part of the page, not the batch tab."""
    state = applicant()
    if info is not None:
        cols = st.columns([2, 1], vertical_alignment="bottom")
        cols[0].number_input("Load an existing applicant by loan ID", 1, step=1, key="load_loan_id")
        cols[1].button("Load applicant", key="load_loan", on_click=load_applicant)
        if st.session_state.get("load_error"):
            safe.show_error(st.session_state.load_error)
    version, shown = state["version"], state["values"]
    with st.form(f"applicant_form_{version}"):
        values, cols = {}, st.columns(3)
        application, behavioural, economy = prediction_view.field_groups(schema)
        for i, spec in enumerate(application):
            values[spec.name] = numeric_input(cols[i % 3], spec, shown, version)
        for j, spec in enumerate(schema.categorical, start=len(application)):
            value = shown.get(spec.name, spec.default)
            values[spec.name] = cols[j % 3].selectbox(
                field_label(schema, spec.name),
                spec.levels,
                index=prediction_view.level_index(spec.levels, value),
                format_func=formatting.label_text,
                help=prediction_view.level_hint(spec),
                key=f"applicant_{spec.name}_v{version}",
            )
        if behavioural:
            with st.expander(
                f"Transaction behaviour: {len(behavioural)} fields, the customer's own when loaded "
                "by loan ID, else the bank's typical values"
            ):
                inner = st.columns(3)
                for i, spec in enumerate(behavioural):
                    values[spec.name] = numeric_input(inner[i % 3], spec, shown, version)
        if economy:
            with st.expander(
                "Economy in the application month: the loan's own month when loaded by loan ID, "
                "else the training period's typical month"
            ):
                inner = st.columns(3)
                for i, spec in enumerate(economy):
                    values[spec.name] = numeric_input(inner[i % 3], spec, shown, version)
        if st.form_submit_button("Score applicant", type="primary"):
            replace_applicant(values, scored=True, new_form=False)
    state = applicant()
    if state["scored"]:
        try:
            base = score_applicant(state["values"], model)
            show_result(base)
            what_if(base, state["values"])
        except BankmlError as exc:
            safe.show_error(exc)
    elif state.get("source"):
        st.caption(prediction_view.loaded_caption(state["source"]))


single, batch = st.tabs(["Single applicant", "Batch"])
with single:
    single_applicant()

with batch:
    st.download_button(
        "Download a CSV template", models.applicant_template(model, card), "applicants_template.csv", "text/csv",
        key="template_download", on_click="ignore",
    )  # fmt: skip
    upload = st.file_uploader(
        "Applicants CSV (comma, semicolon, tab or pipe; UTF-8, UTF-16 or Latin-1)",
        type=["csv", "txt", "tsv"], key="batch_upload", max_upload_size=50,
    )  # fmt: skip
    if upload is not None:
        try:
            result = models.score_upload(upload.getvalue(), upload.name, model, card, info)
        except BankmlError as exc:
            safe.show_error(exc)
        else:
            batch_view.show_batch(result, upload.name, model.cutoff_)
