"""Data: regenerate the synthetic bank and browse its tables."""

from __future__ import annotations

import streamlit as st

from bankml import formatting
from bankml.bank import (
    MAX_DEFAULT_RATE,
    MIN_CUSTOMERS,
    MIN_DEFAULT_RATE,
    SUPPORTED_LOCALES,
    make_params,
    regenerate,
)
from bankml.default import byod, fairness
from bankml.errors import BankmlError
from bankml.segment import store as segment_store
from dashboard import models, review, safe, sidebar, store

NOTICE = "byod_protected_notice"

st.title("Data")
st.caption("Regenerate the synthetic bank that feeds every page, and look inside its tables.")
sidebar.show_flash()
in_use = store.current_bank()
if in_use is not None and (
    st.session_state.get("gen_for") != in_use.content_hash
    or "gen_customers" not in st.session_state
):
    # The form starts from the bank in use (not the generator's defaults), again after each
    # regeneration, and after another page (Streamlit drops a widget's state when it is not
    # drawn), so "Regenerate" with nothing changed gives the same bank back.
    st.session_state.update(
        gen_for=in_use.content_hash,
        gen_customers=int(in_use.customers),
        gen_seed=int(in_use.seed),
        gen_default_rate=float(in_use.default_rate_target),
        gen_locale=in_use.locale if in_use.locale in SUPPORTED_LOCALES else SUPPORTED_LOCALES[0],
    )

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
    try:
        params = make_params(
            customers=int(customers),
            seed=int(seed),
            default_rate=float(default_rate),
            locale=locale,
        )
        new = regenerate(
            params,
            store.db_path(),
            lambda f, m: bar.progress(min(f, 1.0), text=m),
            report=bool(ceilings),
        )
    except BankmlError as exc:
        bar.empty()
        st.error(str(exc))
    else:
        bar.progress(1.0, text="Precomputing the customer segments for their page's first view")
        segment_store.precompute(store.db_path())
        store.clear_caches()
        try:
            card = models.current_card()
        except BankmlError:
            card = None
        messages = [
            (
                "success",
                f"New bank in use: {formatting.count(new.customers)} customers, hash "
                f"{new.short_hash}, default rate {formatting.percent(new.realised_default_rate)}.",
            )
        ]
        if card is not None and byod.model_is_stale(card, new.content_hash):
            messages.append(
                (
                    "warning",
                    "The active model was trained on the previous bank and is now marked stale: "
                    "retrain it on the Model performance page.",
                )
            )
        sidebar.flash_and_rerun(*messages)

info = store.require_bank()
st.subheader("How hard this bank is")
st.caption(
    "The ceilings every model here is measured against, computed from the hidden truth when "
    "the bank was generated (see docs/data-dictionary.md)."
)
review.show_difficulty({"oracle_auc": info.oracle_auc, **info.difficulty})

st.subheader("Tables")
name = st.selectbox("Table", list(info.row_counts) + ["meta"], key="browse_table")
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
                index=candidates.index(suggested) if suggested else None,
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
                    result, folder = byod.train_uploaded(
                        frame,
                        target,
                        upload.name,
                        store.models_path(),
                        progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
                        use_protected=tuple(c for c in opted if c in found),
                    )
                    bar.progress(1.0, text="Preparing the Model performance view...")
                    sidebar.store_first_views()
                except BankmlError as exc:
                    bar.empty()
                    safe.show_error(exc)
                else:
                    store.clear_caches()
                    st.session_state[NOTICE] = result.diagnostics.get("protected_notice", "")
                    auc = result.metrics().get("roc_auc", float("nan"))
                    sidebar.flash_and_rerun(
                        (
                            "success",
                            f"Model {folder.name} ({result.chosen}) is now active: ROC AUC "
                            f"{auc:.3f} on {formatting.count(len(frame))} rows.",
                        )
                    )
