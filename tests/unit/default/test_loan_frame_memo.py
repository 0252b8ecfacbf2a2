"""`loan_frame` is memoised on the bank's generation: the same frame as a fresh read, copies out,
and any other generation (a new file, a touched one) is read again."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from bankml.default import features
from bankml.default.features import loan_frame
from tests._shared import copy_of


@pytest.mark.parametrize(
    ("matured_only", "behaviour"), [(True, True), (False, True), (True, False)]
)
def test_the_memoised_frame_is_the_fresh_read(small_bank_path, matured_only, behaviour):
    features._FRAME_MEMO.clear()
    first = loan_frame(small_bank_path, matured_only=matured_only, behaviour=behaviour)
    again = loan_frame(small_bank_path, matured_only=matured_only, behaviour=behaviour)
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    assert first is not again
    # a fresh read equals it to the last few bits: DuckDB's parallel float sums (the behaviour
    # means) may add in another order from one read to the next, the memo's reads never do
    fresh = features._loan_frame(small_bank_path, matured_only, behaviour)
    pd.testing.assert_frame_equal(again, fresh, check_exact=False, rtol=1e-12, atol=0)


def test_a_repeat_reads_nothing_and_edits_never_reach_the_memo(small_bank_path, monkeypatch):
    features._FRAME_MEMO.clear()
    first = loan_frame(small_bank_path)
    reference = first.copy()
    first.loc[0, "loan_amount"] = -1.0
    del first["purpose"]

    def read(*args):
        raise AssertionError("read the bank again although its generation is unchanged")

    monkeypatch.setattr(features, "_loan_frame", read)
    pd.testing.assert_frame_equal(loan_frame(small_bank_path), reference, check_exact=True)


def test_another_generation_is_read_again(small_bank_path, tmp_path_factory, monkeypatch):
    features._FRAME_MEMO.clear()
    loan_frame(small_bank_path)
    reads = []
    original = features._loan_frame

    def counted(*args):
        reads.append(args)
        return original(*args)

    monkeypatch.setattr(features, "_loan_frame", counted)
    other = copy_of(small_bank_path.parent, tmp_path_factory, "bank") / small_bank_path.name
    loan_frame(other)
    assert len(reads) == 1  # another file
    target = other.parent / os.readlink(other) if other.is_symlink() else other
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    loan_frame(other)
    assert len(reads) == 2  # the same name, rewritten
    loan_frame(other)
    assert len(reads) == 2


def test_a_frame_over_the_size_limit_is_not_kept(small_bank_path, monkeypatch):
    features._FRAME_MEMO.clear()
    monkeypatch.setattr(features, "FRAME_MEMO_BYTES", 1_000)
    loan_frame(small_bank_path)
    assert len(features._FRAME_MEMO) == 0
