"""Path attributions of a fitted LightGBM model, compiled once into a per-leaf table.

Why: exact TreeSHAP (`pred_contrib=True`) costs O(trees x leaves x depth^2) per row and scored a
few hundred rows a second; a batch with reasons has to run at the speed of PD-only scoring.

What: the path ("Saabas", treeinterpreter) attribution. Every node has an expected output, the
training-count-weighted mean of the leaf values below it (the same expectation TreeSHAP uses).
Walking from a tree's root to a leaf, each split moves the expectation from the parent's to the
child's, and that move is credited to the split's feature. So per tree, a leaf's output is the
root's expectation plus its features' moves, and per model

    raw score = base + sum over features of the contributions (exact, to rounding),

with base the sum of the roots' expectations. All of this depends only on the leaf a row lands
in, so it is precomputed as a (leaves x features) table; scoring a batch is LightGBM's
`pred_leaf=True` (as fast as its raw-score prediction) and a sparse gather-sum per chunk of
rows. No per-row Python.

Known bias (why this is not SHAP): a path attribution credits a feature only at the splits on
the row's own path, in the tree's order; features split near the root tend to get more credit
than their Shapley share, and a feature's interactions go to whichever feature splits later.
The sum is exact; the split between features differs from TreeSHAP's on some rows
(tests/model/default/test_treepath.py measures how often the top reason agrees). Exact TreeSHAP
stays available: `DefaultModel.contributions(frame, method="treeshap")`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bankml.default import treewalk

CHUNK_ROWS = 8192  # rows per sparse product: its indices and output stay in cache


@dataclass(frozen=True)
class PathTable:
    """Per-leaf contributions of every tree, stacked: row `offsets[t] + leaf` is tree t's leaf.

    `table` has one column per transformed input feature and a last column with the leaf's
    output; `base` is the sum of the trees' root expectations.
    """

    table: np.ndarray
    offsets: np.ndarray
    base: float
    trees: treewalk.FlatTrees | None = None  # the compiled walk (None: LightGBM's pred_leaf)

    def walk(self, X: np.ndarray, contributions: bool = True):
        """(raw score, contributions or None) of a transformed matrix by the compiled walk."""
        return self.trees.walk(X, contributions)

    def score_and_contributions(self, leaves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(raw score, contributions rows x features) of rows given their leaf per tree.

        The score adds the trees' outputs in tree order, as LightGBM's own prediction does.
        Rows go through in chunks of CHUNK_ROWS: each chunk's (rows x leaves) 0/1 matrix, one
        entry per tree, times the table is the sum of its leaves' rows, and a chunk's indices
        stay in cache (bit-identical to one product over the whole batch).
        """
        leaves = np.asarray(leaves)
        leaves = leaves.reshape(len(leaves), -1)
        n, trees = leaves.shape
        small = max(len(self.table), CHUNK_ROWS * trees) < 2**31  # int32 indices: a faster product
        index = np.int32 if small else np.int64
        leaves, offsets = leaves.astype(index, copy=False), self.offsets[:trees].astype(index)
        summed = np.empty((n, self.table.shape[1]))
        ones = np.ones(min(n, CHUNK_ROWS) * trees)
        for start in range(0, n, CHUNK_ROWS):  # a loop over chunks of rows, each vectorised
            rows = leaves[start : start + CHUNK_ROWS]
            k = len(rows)
            pointers = np.arange(0, k * trees + 1, trees, dtype=index)
            matrix = sp.csr_matrix(
                (ones[: k * trees], (rows + offsets).ravel(), pointers), shape=(k, len(self.table))
            )
            summed[start : start + k] = matrix @ self.table
        return summed[:, -1], summed[:, :-1]


def _walk(node: dict) -> tuple[float, float, list]:
    """(expected output, training count, leaves) of a subtree; each leaf is (leaf index, its
    feature moves from this subtree's root down, its output)."""
    if "leaf_index" in node:
        value = float(node["leaf_value"])
        return value, float(node.get("leaf_count", 0.0)), [(int(node["leaf_index"]), {}, value)]
    left = _walk(node["left_child"])
    right = _walk(node["right_child"])
    count = left[1] + right[1]
    if count > 0:
        expected = (left[0] * left[1] + right[0] * right[1]) / count
    else:  # no training counts recorded: the plain mean
        expected = (left[0] + right[0]) / 2.0
    feature = int(node["split_feature"])
    for child in (left, right):
        move = child[0] - expected  # this split's move, credited to every leaf below the child
        for _, moves, _ in child[2]:
            moves[feature] = moves.get(feature, 0.0) + move
    return expected, count, left[2] + right[2]


def compile_paths(booster, attribution: np.ndarray | None = None) -> PathTable:
    """The per-leaf table of a fitted LightGBM Booster (binary, one tree per iteration).

    `attribution` (transformed columns x input columns) maps the table to input columns once,
    so a batch gathers as few columns as there are inputs. In random-forest mode
    (average_output) every tree's values are divided by the tree count, matching the averaged
    log-odds the model reports.
    """
    dump = booster.dump_model()
    features = int(dump["max_feature_idx"]) + 1
    trees = dump["tree_info"]
    scale = 1.0 / max(len(trees), 1) if dump.get("average_output") else 1.0
    sizes = np.array([int(t["num_leaves"]) for t in trees], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    table = np.zeros((int(sizes.sum()), features + 1))
    base = 0.0
    for t, info in enumerate(trees):  # a loop over the model's trees at compile time only
        root = info["tree_structure"]
        if "leaf_index" in root or "split_feature" in root:
            expected, _, leaves = _walk(root)
        else:  # a single-leaf tree: a constant that moves no feature
            expected = float(root.get("leaf_value", 0.0))
            leaves = [(0, {}, expected)]
        base += expected * scale
        for leaf, moves, value in leaves:
            row = offsets[t] + int(leaf)
            for f, v in moves.items():
                table[row, f] = v * scale
            table[row, -1] = value * scale
    if attribution is not None:
        table = np.column_stack([table[:, :-1] @ attribution, table[:, -1]])
    paths = PathTable(table=np.ascontiguousarray(table), offsets=offsets, base=float(base))
    trees = treewalk.flatten(dump, offsets, paths.table)
    if trees is None or not _walk_agrees(booster, trees, paths):
        return paths
    treewalk.warm_up(trees)
    return PathTable(table=paths.table, offsets=offsets, base=paths.base, trees=trees)


def _walk_agrees(booster, trees: treewalk.FlatTrees, paths: PathTable) -> bool:
    """On probe rows at every threshold (`treewalk.probe_rows`) the compiled walk lands in
    LightGBM's own `pred_leaf` leaves and gives the table's score and contributions bit for bit."""
    X = treewalk.probe_rows(trees)
    leaves = booster.predict(X, pred_leaf=True, num_threads=1).reshape(len(X), -1)
    if leaves.shape[1] != len(trees.roots):
        return False
    if not np.array_equal(trees.leaves(X), leaves + paths.offsets[: leaves.shape[1]]):
        return False
    expected, walked = paths.score_and_contributions(leaves), trees.walk(X)
    return all(np.array_equal(a, b) for a, b in zip(expected, walked, strict=True))
