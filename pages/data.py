"""Data: regenerate the synthetic bank and browse its tables."""

from __future__ import annotations

import streamlit as st

from bankml import formatting
from bankml.bank import MAX_DEFAULT_RATE, MIN_CUSTOMERS, MIN_DEFAULT_RATE, SUPPORTED_LOCALES
from bankml.default import fairness
from bankml.errors import BankmlError
from dashboard import data_view, review, safe, sidebar, store

NOTICE = "byod_protected_notice"

st.title("Data")
st.caption("Regenerate the synthetic bank that feeds every page, and look inside its tables.")
sidebar.show_flash()
# The form shows the bank in use (see data_view.form_start)
if (start := data_view.form_start(store.current_bank(), st.session_state)) is not None:
    st.session_state.update(start)

with st.form("regenerate"):
    st.subheader("Regenerate the synthetic bank")
    cols = st.columns(4)
    customers = cols[0].number_input(
        "Customers",
        min_value=MIN_CUSTOMERS,
        max_value=1_000_000,
        step=1_000,
        key="gen_customers",
        help="How many customers the bank has (about one loan each).",
    )
    seed = cols[1].number_input(
        "Seed",
        min_value=0,
        max_value=2**32 - 1,
        step=1,
        key="gen_seed",
        help="Same seed and settings give an identical bank.",
    )
    default_rate = cols[2].number_input(
        "Default rate",
        min_value=MIN_DEFAULT_RATE,
        max_value=MAX_DEFAULT_RATE,
        step=0.01,
        format="%.3f",
        key="gen_default_rate",
        help="Share of loans that default; the true risk model's intercept is solved to hit it.",
    )
    locale = cols[3].selectbox(
        "Locale", SUPPORTED_LOCALES, key="gen_locale", help="Faker locale for names and places."
    )
    ceilings = st.checkbox(
        "Compute the model ceilings",
        value=True,
        key="gen_report",
        help="Also fit the application-only logistic, the behaviour model and the segment "
        "classifier against the hidden truth (a few seconds): the difficulty figures below.",
    )
    submitted = st.form_submit_button("Regenerate", type="primary")

if submitted:
    bar = st.progress(0.0, text="starting")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(fraction, 1.0), text=message)

    try:
        new = data_view.regenerate_bank(customers, seed, default_rate, locale, ceilings, progress)
    except BankmlError as exc:
        bar.empty()
        st.error(str(exc))
    else:
        data_view.after_regeneration(progress)
        card = data_view.current_card_or_none()
        sidebar.flash_and_rerun(*data_view.regeneration_messages(new, card))

info = store.require_bank()
st.subheader("How hard this bank is")
st.caption(
    "The ceilings every model here is measured against, computed from the hidden truth when "
    "the bank was generated (see docs/data-dictionary.md)."
)
review.show_difficulty({"oracle_auc": info.oracle_auc, **info.difficulty})

st.subheader("Tables")
name = st.selectbox(
    "Table",
    list(info.row_counts) + ["meta"],
    index=None,
    placeholder="Choose a table to look inside",
    key="browse_table",
    help="Its first 500 rows, drawn once a table is chosen: a grid of hundreds of rows on "
    "the first view made the page slow to open.",
)
if name is None:
    st.caption(data_view.tables_text(info.row_counts))
else:
    frame = store.table(name, info)
    st.caption(f"{len(frame):,} rows × {frame.shape[1]} columns (first 500 shown)")
    st.dataframe(frame.head(500), hide_index=True)

st.subheader("Bring your own data")
st.caption(
    "Upload a loans CSV with a binary target (0/1, yes/no, good/bad, true/false). A model is trained "
    "on it with the quick candidate set and becomes the active model; the previous one stays in the "
    "registry and can be switched back on the Model performance page."
)
upload = st.file_uploader("Loans CSV", type=["csv", "txt"], key="byod_upload")
if st.session_state.get(NOTICE):  # from the last training, shown once after its rerun
    st.info(safe.literal(st.session_state.pop(NOTICE)))
if upload is not None:
    try:
        frame = store.byod_frame(upload.getvalue(), upload.name)
    except BankmlError as exc:
        safe.show_error(exc)
    else:
        from bankml.default import target as targets  # here: the model libraries load only now

        candidates = targets.target_candidates(frame)
        suggested = targets.suggest_target(frame)
        st.caption(f"{formatting.count(len(frame))} rows × {frame.shape[1]} columns")
        st.dataframe(frame.head(20), hide_index=True)
        if not candidates:
            st.error("No column has exactly two values, so none can be the default target.")
        else:
            target = st.selectbox(
                "Target column (the default flag)",
                candidates,
                index=data_view.target_index(candidates, suggested),
                placeholder="Choose the column that says whether the loan defaulted",
                key="byod_target",
                help="Columns with exactly two distinct values; one named like default, bad, "
                "target, label, churn or outcome is preselected, a protected one never is.",
            )
            found = fairness.protected_columns(frame.columns, exclude=(target,))
            with st.form("byod_train"):
                opted = st.multiselect(
                    "Protected columns to use as model inputs (opt in)",
                    list(found),
                    default=[],
                    format_func=lambda c: f"{c} ({found[c]})",
                    key="byod_use_protected",
                    help="Columns named like a protected attribute (sex, age, marital status, "
                    "race, religion, nationality...) are kept out of the model and used for the "
                    "fairness report, unless chosen here.",
                )
                train = st.form_submit_button("Train and make active", type="primary")
            if train and target is None:
                st.error("Choose the target column first.")
            elif train:
                bar = st.progress(0.0, text="training")
                try:
                    result, folder = data_view.train_upload(
                        frame, target, upload.name, opted, found,
                        progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
                    )  # fmt: skip
                except BankmlError as exc:
                    bar.empty()
                    safe.show_error(exc)
                else:
                    st.session_state[NOTICE] = result.diagnostics.get("protected_notice", "")
                    auc = result.metrics().get("roc_auc", float("nan"))
                    sidebar.flash_and_rerun(
                        data_view.trained_message(folder.name, result.chosen, auc, len(frame))
                    )
