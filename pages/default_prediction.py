"""Default prediction: score one applicant (with reasons) or a whole CSV batch (with drift)."""

from __future__ import annotations

import hashlib

import streamlit as st

from bankml import formatting
from bankml.default import batch_summary, behaviour
from bankml.default.cutoff import master_scale
from bankml.default.drift import TOO_FEW
from bankml.default.scoring import applicant_from_loan, score_applicant
from bankml.errors import BankmlError
from dashboard import charts, models, review, safe, store

st.title("Default prediction")
st.caption("Probability of default for one applicant or a CSV batch, with the reasons behind it.")
info = store.current_bank()
model, card = models.require_model()
schema = model.schema_
st.caption(
    f"Model {card.get('id', '?')} ({card.get('algorithm', '')}), "
    f"cut-off PD {formatting.pd_text(model.cutoff_)}"
)
with st.expander("Master scale of risk grades"):
    scale = master_scale()
    st.table(
        scale.assign(
            pd_from=scale["pd_from"].map(formatting.pd_text),
            pd_to=scale["pd_to"].map(formatting.pd_text),
        )
        .rename(columns={"grade": "Grade", "pd_from": "PD from", "pd_to": "PD below"})
        .set_index("Grade")
    )


def applicant() -> dict:
    """The session's one applicant: its values, a form version and whether it has been scored.

    Loading, editing and scoring all go through this object. The form's widget keys carry the
    version, so values pushed in from outside (a loaded loan) replace whatever the browser still
    holds for the old widgets; derived widgets (what-if) are keyed on the values themselves, so
    they reset whenever the applicant changes. A new model starts a new applicant.
    """
    state = st.session_state.get("applicant")
    if not isinstance(state, dict) or state.get("model") != card.get("sha256"):
        version = state["version"] + 1 if isinstance(state, dict) else 0
        state = {"values": shown_defaults(), "version": version, "scored": False}
        state["model"] = card.get("sha256")
        st.session_state.applicant = state
    return state


def shown_defaults() -> dict:
    """The model's typical applicant at the precision the form shows (what you see is scored)."""
    values = schema.defaults()
    for spec in schema.numeric:
        places = formatting.decimal_places(spec.step, spec.integer)
        values[spec.name] = round(float(values[spec.name]), places)
    return values


def replace_applicant(values: dict, scored: bool, new_form: bool, source: str = "") -> None:
    """Swap in new applicant values; new_form re-keys the form so it shows exactly these values."""
    state = applicant()
    version = state["version"] + 1 if new_form else state["version"]
    st.session_state.applicant = {
        **state, "values": dict(values), "version": version, "scored": scored, "source": source
    }  # fmt: skip


def values_tag(values: dict) -> str:
    """A short digest of the applicant's values: the key suffix of every derived widget."""
    return hashlib.sha1(repr(sorted(values.items())).encode()).hexdigest()[:12]


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


def show_result(result) -> None:
    cols = st.columns(3)
    cols[0].metric(
        "Probability of default",
        formatting.pd_text(result.pd),
        help="Chance this loan defaults, calibrated on past loans; always between 0.03% and 99.9%.",
    )
    scale = master_scale().set_index("grade")
    low, high = scale.loc[result.grade, "pd_from"], scale.loc[result.grade, "pd_to"]
    cols[1].metric(
        "Risk grade",
        result.grade,
        help=f"A (safest) to {scale.index[-1]} on the fixed master scale: grade {result.grade} is a "
        f"PD from {formatting.pd_text(low)} to below {formatting.pd_text(high)}.",
    )
    refer_low, refer_high = model.refer_band_
    cols[2].metric(
        "Decision",
        result.decision.title(),
        help=f"Approve below a PD of {formatting.pd_text(refer_low)}, refer to an underwriter up to "
        f"{formatting.pd_text(refer_high)}, decline from there: the band around the cut-off "
        f"{formatting.pd_text(model.cutoff_)} where the decision is worth little expected profit.",
    )
    if result.economics:
        money = result.economics
        bank = info is not None and str(card.get("source", "")).startswith("bank ")
        locale = info.locale if bank else None
        cols = st.columns(3)
        cols[0].metric(
            "Exposure at default",
            formatting.money(money["ead"], locale),
            help="Mean amortising balance over the horizon: what a default would leave unpaid.",
        )
        cols[1].metric(
            "Break-even PD",
            formatting.pd_text(money["break_even_pd"]),
            help="The PD at which this loan's expected profit is zero, from its own rate and term.",
        )
        cols[2].metric(
            "Expected profit",
            formatting.money(money["expected_profit"], locale, signed=True),
            help=f"(1 - PD) x profit if repaid - PD x loss if it defaults. {model.policy_}.",
        )
    reasons = result.reasons(6)
    data, spec = charts.reason_chart(reasons)
    st.vega_lite_chart(data, spec, width="stretch")
    st.caption(model.reasons_note())
    stated = result.decision_reasons(4)["text"]
    st.markdown("\n".join(f"- {safe.literal(text)}" for text in stated))
    if result.counterfactual:
        st.info(review.counterfactual_text(result.counterfactual))
    elif result.decision != "approve":
        st.info("No allowed change of loan amount or term brings this applicant under the cut-off.")


def what_if(base, values: dict) -> None:
    """One field changed on a copy of the applicant; starts at the applicant's own values."""
    st.subheader("What if?")
    tag = values_tag(values)
    field = st.selectbox(
        "Change one field", schema.names, key=f"whatif_feature_{tag}",
        format_func=lambda name: schema.descriptions.get(name, name).capitalize(),
    )  # fmt: skip
    spec, current = schema.field(field), values[field]
    if hasattr(spec, "levels"):
        start = spec.levels.index(current) if current in spec.levels else 0
        new = st.selectbox(
            "New value", spec.levels, index=start, key=f"whatif_{field}_{tag}",
            format_func=formatting.label_text,
        )  # fmt: skip
    else:
        new = number_field(st, "New value", spec, current, f"whatif_{field}_{tag}")
    if new == current:  # nothing to re-score and nothing to point an arrow at
        st.metric("PD after the change", formatting.pd_text(base.pd))
        st.caption(f"Unchanged: this is the applicant's own {field.replace('_', ' ')}.")
        return
    changed = score_applicant({**values, field: new}, model, explain=False)
    st.metric(
        "PD after the change",
        formatting.pd_text(changed.pd),
        delta=formatting.pd_change(base.pd, changed.pd),
        delta_color="inverse",
        help="Change in percentage points (pp) from the applicant's PD; red when risk rises.",
    )


def numeric_input(column, spec, shown: dict, version: int):
    """One numeric field of the form, keyed on the applicant's version so a load replaces it."""
    label = schema.descriptions.get(spec.name, spec.name).capitalize()
    hint = f"{spec.help or spec.name}: from {spec.minimum:g} to {spec.maximum:g}"
    key = f"applicant_{spec.name}_v{version}"
    return number_field(column, label, spec, shown.get(spec.name, spec.default), key, help=hint)


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
        behavioural = set(behaviour.behaviour_columns([f.name for f in schema.numeric]))
        application = [f for f in schema.numeric if f.name not in behavioural]
        for i, spec in enumerate(application):
            values[spec.name] = numeric_input(cols[i % 3], spec, shown, version)
        for j, spec in enumerate(schema.categorical, start=len(application)):
            value = shown.get(spec.name, spec.default)
            values[spec.name] = cols[j % 3].selectbox(
                schema.descriptions.get(spec.name, spec.name).capitalize(),
                spec.levels,
                index=spec.levels.index(value) if value in spec.levels else 0,
                format_func=formatting.label_text,
                help=f"{spec.help or spec.name}: one of the {len(spec.levels)} values seen in training",
                key=f"applicant_{spec.name}_v{version}",
            )
        if behavioural:
            with st.expander(
                f"Transaction behaviour: {len(behavioural)} fields, the customer's own when loaded "
                "by loan ID, else the bank's typical values"
            ):
                inner = st.columns(3)
                shown_fields = [f for f in schema.numeric if f.name in behavioural]
                for i, spec in enumerate(shown_fields):
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
        st.caption(f"Loaded {state['source']}: check the fields, then score it.")


def show_batch(result, name: str) -> None:
    """Results first: the outcome, the decisions counted, then identifier, PD, grade, decision."""
    summary = result.summary()
    kind, text = batch_summary.outcome(
        summary["rows_in"], summary["scored"], summary["rejected"], summary["warnings"]
    )
    {"success": st.success, "warning": st.warning, "error": st.error}[kind](safe.literal(text))
    if len(result.scored):
        counts = batch_summary.decision_counts(result.scored)
        cols = st.columns(4)
        for col, (decision, n) in zip(cols, counts.items(), strict=False):
            share = formatting.percent(n / len(result.scored))
            col.metric(decision.title(), formatting.count(n), help=f"{share} of the scored rows")
        mean_pd = formatting.pd_text(summary["mean_pd"])
        cols[3].metric(
            "Mean PD", mean_pd, help="Average probability of default of the scored rows."
        )
        st.subheader("Scored applicants")
        st.dataframe(
            batch_summary.for_export(result.scored),
            hide_index=True,
            column_config={
                "pd": st.column_config.NumberColumn(
                    "PD", format="percent", help="Probability of default"
                ),
                "reason_1": st.column_config.TextColumn("Top reason"),
            },
        )
        st.altair_chart(charts.pd_chart(result.scored["pd"], model.cutoff_), width="stretch")
        st.download_button(
            "Download scored CSV", batch_summary.export_csv(result.scored),
            f"scored_{name.rsplit('.', 1)[0]}.csv", "text/csv", key="batch_download",
            on_click="ignore",
        )  # fmt: skip
    if len(result.issues()):
        st.subheader("Rows with problems (not scored unless marked warning)")
        st.dataframe(result.issues(), hide_index=True)
    if result.report.extra_columns:
        extra = ", ".join(result.report.extra_columns)
        st.caption(f"Carried through, not used by the model: {safe.literal(extra)}")
    if len(result.scored) and result.drift is not None:
        st.subheader("Drift against the training data")
        st.caption(
            "PSI per input on bins from the training data, the PD's first: below 0.10 stable, "
            "0.10-0.25 moderate, above significant; a PSI within the noise level cannot be told "
            "from chance."
        )
        st.dataframe(
            result.drift, hide_index=True, key="batch_drift", column_config=review.DRIFT_COLUMNS
        )
        if (result.drift["band"] == TOO_FEW).any():
            st.caption(
                f"{TOO_FEW.capitalize()}: with this few rows even a batch from the training "
                "population would show a PSI this large, so no verdict is given."
            )


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
            show_batch(result, upload.name)
