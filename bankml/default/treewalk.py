"""A fitted LightGBM model's trees flattened into arrays and walked by one compiled loop.

Why: a batch with reasons used to ask LightGBM for every row's leaf per tree (`pred_leaf`, half
of the batch's time) and then gather the path table's rows (`bankml.default.treepath`). One
compiled pass (numba) walks a block of rows down each tree together and, at the leaves, adds each
leaf's output to its row's raw score and the leaf's path contributions to its row's
contributions: per row per tree a few branch-free steps and additions, no (rows x trees) matrix.
Every tree is walked to its full depth (a leaf points to itself), so the rows of a block step in
lock-step without a mispredicted branch per node.

Exactness: each step takes LightGBM's own decision (`Tree::NumericalDecision`,
`Tree::CategoricalDecision` in LightGBM's tree.h): an input with |x| <= 1e-35 is read as 0 (as
LightGBM's dense-row reader drops it); a numerical split sends `x <= threshold` left, a missing
value (NaN) to its default side when its missing type is NaN, else reads it as 0, which goes to
the default side when the missing type is Zero; a categorical split sends a category whose
integer part is in its bitset left, and NaN, negative or out-of-range values right. The score
adds the leaves' outputs in tree order and each contribution its leaves' values in tree order,
the order of `PathTable.score_and_contributions`' sparse product, so both give the same bits;
`bankml.default.treepath.compile_paths` checks that on probe rows at every threshold and keeps
LightGBM's traversal on any difference. Linear trees and several trees per iteration are not
modelled (`flatten` returns None).

The kernel compiles on first use in a process (seconds; numba caches it on disk): `warm_up` runs
it on one row, which compiling the paths and unpickling a model do, so a request never pays it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold (a float literal, read as double)
BLOCK_ROWS = 32  # rows walked together: their inputs and sums stay in the first-level cache
# `mode` bits of a node
CATEGORICAL = 1
ZERO_MISSING = 2  # missing type Zero: an input of 0 goes to the default side
NAN_LEFT = 4  # where NaN goes (its missing type's rule, resolved at compile time)
ZERO_LEFT = 8  # the default side of a Zero-missing split


@numba.njit(nogil=True, cache=True)
def _in_bitset(value, at, cat_bounds, cat_bits):  # pragma: no cover (compiled)
    """LightGBM's categorical test: the integer part of a non-negative value in split `at`'s set."""
    if not (-2147483649.0 < value < 2147483648.0):  # NaN and what static_cast<int> cannot hold
        return False
    category = int(value)  # toward zero, as static_cast<int>
    if category < 0:
        return False
    word = category // 32
    if word >= cat_bounds[at + 1] - cat_bounds[at]:
        return False
    return (cat_bits[cat_bounds[at] + word] >> (category % 32)) & 1 == 1


@numba.njit(nogil=True, cache=True)
def _walk(
    X, roots, depth, feature, threshold, child, mode, cat_bounds, cat_bits, leaf_of,
    leaf_output, tree_cols_at, tree_cols, leaf_values_at, leaf_values, score, contributions,
    plain,
):  # fmt: skip  # pragma: no cover (compiled: tested through FlatTrees.walk)
    """score[i] and contributions[i] (width 0: none) of every row, in blocks of BLOCK_ROWS.
    `plain`: every split is numerical with missing type None, so NaN is read as 0 up front.
    The step is written out here (not a function: a call per node cost ten times the walk)."""
    rows, width = X.shape[0], contributions.shape[1]
    nodes = np.empty(BLOCK_ROWS, dtype=np.int64)
    block = np.empty((BLOCK_ROWS, X.shape[1]))
    sums = np.empty((width, BLOCK_ROWS))  # column by column: a tree's adds run along rows
    at = np.empty(BLOCK_ROWS, dtype=np.int64)
    totals = np.empty(BLOCK_ROWS)
    for start in range(0, rows, BLOCK_ROWS):
        size = min(BLOCK_ROWS, rows - start)
        for b in range(size):
            for f in range(X.shape[1]):
                value = X[start + b, f]
                block[b, f] = value if abs(value) > ZERO or (value != value and not plain) else 0.0
            totals[b] = 0.0
            sums[:, b] = 0.0
        for t in range(roots.shape[0]):
            nodes[:size] = roots[t]
            for _ in range(depth[t]):  # leaves point to themselves: every row steps each level
                if plain:  # numerical splits whose NaN is read as 0 (done in the block)
                    for b in range(size):
                        n = nodes[b]
                        left = block[b, feature[n]] <= threshold[n]
                        nodes[b] = child[2 * n + (0 if left else 1)]
                    continue
                for b in range(size):
                    n = nodes[b]
                    value = block[b, feature[n]]
                    m = mode[n]
                    if m & CATEGORICAL:  # a call (and its reference counts) only here
                        left = _in_bitset(value, int(threshold[n]), cat_bounds, cat_bits)
                    else:
                        left = value <= threshold[n]
                        if (m & ZERO_MISSING) and value == 0.0:
                            left = (m & ZERO_LEFT) != 0
                        if value != value:
                            left = (m & NAN_LEFT) != 0
                    nodes[b] = child[2 * n + (0 if left else 1)]
            first, count = tree_cols_at[t], tree_cols_at[t + 1] - tree_cols_at[t]
            for b in range(size):
                leaf = leaf_of[nodes[b]]
                totals[b] += leaf_output[leaf]
                at[b] = leaf_values_at[leaf]
            if width:
                for j in range(count):
                    column = tree_cols[first + j]
                    for b in range(size):
                        sums[column, b] += leaf_values[at[b] + j]
        for b in range(size):
            score[start + b] = totals[b]
            contributions[start + b, :] = sums[:, b]


@numba.njit(nogil=True, cache=True)
def _leaf_rows(
    X, roots, feature, threshold, child, mode, cat_bounds, cat_bits, leaf_of, out
):  # pragma: no cover (compiled: tested against LightGBM's pred_leaf)
    """Each row's leaf row per tree (rows x trees), one row at a time: for the checks."""
    for i in range(X.shape[0]):
        for t in range(roots.shape[0]):
            n = roots[t]
            while leaf_of[n] < 0:
                value = X[i, feature[n]]
                value = 0.0 if abs(value) <= ZERO else value
                m = mode[n]
                if m & CATEGORICAL:
                    left = _in_bitset(value, int(threshold[n]), cat_bounds, cat_bits)
                else:
                    left = value <= threshold[n]
                    if (m & ZERO_MISSING) and value == 0.0:
                        left = (m & ZERO_LEFT) != 0
                    if value != value:
                        left = (m & NAN_LEFT) != 0
                n = child[2 * n + (0 if left else 1)]
            out[i, t] = leaf_of[n]


@dataclass(frozen=True)
class FlatTrees:
    """Every tree's nodes in arrays, leaves included (a leaf's children are itself); per tree
    the input columns its leaves move (`tree_cols`) and per leaf row of the path table its
    output and its values in those columns (`leaf_values` from `leaf_values_at`)."""

    roots: np.ndarray
    depth: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    child: np.ndarray  # 2 per node: left, right
    mode: np.ndarray
    cat_bounds: np.ndarray
    cat_bits: np.ndarray
    leaf_of: np.ndarray  # node -> leaf row of the path table (-1: a split)
    leaf_output: np.ndarray
    tree_cols_at: np.ndarray
    tree_cols: np.ndarray
    leaf_values_at: np.ndarray
    leaf_values: np.ndarray
    n_features: int  # columns of the matrix the trees read
    n_outputs: int  # contribution columns
    plain: bool  # every split reads NaN as 0 (numerical, missing type None in effect)

    def _checked(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)  # as LightGBM reads it (float32 exactly)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"the trees read {self.n_features} columns, got shape {X.shape}")
        return X

    def walk(
        self, X: np.ndarray, contributions: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(raw score, contributions rows x inputs, or None) of a transformed matrix."""
        X = self._checked(X)
        score = np.empty(len(X))
        out = np.empty((len(X), self.n_outputs if contributions else 0))
        _walk(
            X, self.roots, self.depth, self.feature, self.threshold, self.child, self.mode,
            self.cat_bounds, self.cat_bits, self.leaf_of, self.leaf_output, self.tree_cols_at,
            self.tree_cols, self.leaf_values_at, self.leaf_values, score, out, self.plain,
        )  # fmt: skip
        return score, out if contributions else None

    def leaves(self, X: np.ndarray) -> np.ndarray:
        """Each row's leaf row of the path table per tree (rows x trees)."""
        X = self._checked(X)
        out = np.empty((len(X), len(self.roots)), dtype=np.int64)
        _leaf_rows(
            X, self.roots, self.feature, self.threshold, self.child, self.mode, self.cat_bounds,
            self.cat_bits, self.leaf_of, out,
        )  # fmt: skip
        return out

    def __setstate__(self, state: dict) -> None:
        """Unpickling (a model loaded from disk, a Spark worker) compiles the kernel now."""
        self.__dict__.update(state)
        warm_up(self)


def warm_up(trees: FlatTrees) -> None:
    """Run the kernels once on one row so their compilation is not paid by a request."""
    row = np.zeros((1, trees.n_features))
    trees.walk(row)
    trees.walk(row, contributions=False)


class _Builder:
    """Nodes appended in pre-order while reading `dump_model()`'s nested trees."""

    def __init__(self) -> None:
        self.nodes: list[tuple[int, float, int]] = []  # feature, threshold, mode
        self.children: list[list[int]] = []
        self.leaf_of: list[int] = []
        self.cats: list[list[int]] = []

    def add(self, node: dict, offset: int) -> tuple[int, int]:
        """(index, depth) of `node`'s subtree; leaves are rows `offset + leaf_index`."""
        at = len(self.nodes)
        self.children.append([at, at])
        if "split_feature" not in node:  # a leaf (or a single-leaf tree's constant)
            self.nodes.append((0, 0.0, 0))
            self.leaf_of.append(offset + int(node.get("leaf_index", 0)))
            return at, 0
        self.nodes.append((0, 0.0, 0))
        self.leaf_of.append(-1)
        left, left_depth = self.add(node["left_child"], offset)
        right, right_depth = self.add(node["right_child"], offset)
        self.children[at] = [left, right]
        self.nodes[at] = (int(node["split_feature"]), *self._split(node))
        return at, 1 + max(left_depth, right_depth)

    def _split(self, node: dict) -> tuple[float, int]:
        """(threshold, mode) of a split; a categorical threshold is its bitset's number."""
        default_left = bool(node.get("default_left"))
        if node["decision_type"] == "==":
            self.cats.append([int(c) for c in str(node["threshold"]).split("||") if c])
            return float(len(self.cats) - 1), CATEGORICAL
        if node["decision_type"] != "<=":
            raise ValueError(f"unknown decision type {node['decision_type']!r}")
        threshold = float(node["threshold"])
        missing = node.get("missing_type", "None")
        if missing == "NaN":
            return threshold, NAN_LEFT * default_left
        if missing == "Zero":  # NaN is read as 0, which goes to the default side
            return threshold, ZERO_MISSING | (NAN_LEFT | ZERO_LEFT) * default_left
        return threshold, NAN_LEFT * (threshold >= 0.0)  # None: NaN is read as 0


def _bitsets(cats: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """LightGBM's categorical bitsets: 32-bit words of every split, and each split's first."""
    words = [np.zeros(max(c, default=0) // 32 + 1, dtype=np.int64) for c in cats]
    for categories, bits in zip(cats, words, strict=True):
        for c in categories:
            bits[c // 32] |= 1 << (c % 32)
    bounds = np.concatenate([[0], np.cumsum([len(w) for w in words], dtype=np.int64)])
    bits = np.concatenate(words) if words else np.zeros(0, dtype=np.int64)
    return bounds.astype(np.int64), bits


def _leaf_tables(table: np.ndarray, offsets: np.ndarray, leaf_rows: int):
    """Per tree the input columns any of its leaves moves, and per leaf its values there."""
    contrib = table[:, :-1]
    ends = np.append(offsets[1:], leaf_rows)
    cols_at, cols, values_at, values = [0], [], np.zeros(len(table), dtype=np.int64), []
    for first, end in zip(offsets, ends, strict=True):  # compile time: a loop over the trees
        used = np.flatnonzero(np.any(contrib[first:end] != 0, axis=0))
        cols.extend(used.tolist())
        cols_at.append(len(cols))
        for row in range(first, end):
            values_at[row] = len(values)
            values.extend(contrib[row, used].tolist())
    return (
        np.asarray(cols_at, dtype=np.int64),
        np.asarray(cols, dtype=np.int64),
        values_at,
        np.asarray(values, dtype=np.float64),
    )


def flatten(dump: dict, offsets: np.ndarray, table: np.ndarray) -> FlatTrees | None:
    """The trees of `booster.dump_model()` as arrays, their leaves being `table`'s rows (path
    contributions..., leaf output) from `offsets`; None for trees it does not model."""
    if int(dump.get("num_tree_per_iteration", 1)) != 1:
        return None
    built = _Builder()
    roots, depths = [], []
    for t, info in enumerate(dump["tree_info"]):  # compile time only: a loop over the trees
        if _has_linear_leaves(info["tree_structure"]):
            return None
        root, depth = built.add(info["tree_structure"], int(offsets[t]))
        roots.append(root)
        depths.append(depth)
    feature, threshold, mode = (np.asarray(c) for c in zip(*built.nodes, strict=True))
    leaf_of = np.asarray(built.leaf_of, dtype=np.int64)
    bounds, bits = _bitsets(built.cats)
    cols_at, cols, values_at, values = _leaf_tables(table, offsets, len(table))
    return FlatTrees(
        roots=np.asarray(roots, dtype=np.int64),
        depth=np.asarray(depths, dtype=np.int64),
        feature=feature.astype(np.int64),
        threshold=threshold.astype(np.float64),
        child=np.asarray(built.children, dtype=np.int64).ravel(),
        mode=mode.astype(np.int64),
        cat_bounds=bounds,
        cat_bits=bits,
        leaf_of=leaf_of,
        leaf_output=np.ascontiguousarray(table[:, -1]),
        tree_cols_at=cols_at,
        tree_cols=cols,
        leaf_values_at=values_at,
        leaf_values=values,
        n_features=int(dump["max_feature_idx"]) + 1,
        n_outputs=table.shape[1] - 1,
        plain=_plain(mode[leaf_of < 0], threshold[leaf_of < 0]),
    )


def _plain(mode: np.ndarray, threshold: np.ndarray) -> bool:
    """Every split numerical, none Zero-missing, and NaN going where 0 goes: then NaN can be
    read as 0 before the walk (LightGBM's rule for missing type None)."""
    numerical = np.all((mode & (CATEGORICAL | ZERO_MISSING)) == 0)
    return bool(numerical and np.all(((mode & NAN_LEFT) != 0) == (threshold >= 0.0)))


def _has_linear_leaves(node: dict) -> bool:
    if "split_feature" not in node:
        return "leaf_coeff" in node
    return _has_linear_leaves(node["left_child"]) or _has_linear_leaves(node["right_child"])


def probe_rows(trees: FlatTrees, rows: int = 2_000, seed: int = 0) -> np.ndarray:
    """Rows whose every input is drawn from the values where a split can go either way: each
    threshold and the doubles next to it, every split's categories (+-0.5, +1), 0, +-1e-36,
    +-1e-35 as LightGBM reads it, +-inf, NaN, -1 and 2**31."""
    special = [0.0, 1e-36, -1e-36, ZERO, -ZERO, np.inf, -np.inf, np.nan, -1.0, 2.0**31]
    candidates = [list(special) for _ in range(trees.n_features)]
    for node in np.flatnonzero(trees.leaf_of < 0):  # compile time: a loop over the splits
        f, t = int(trees.feature[node]), float(trees.threshold[node])
        if trees.mode[node] & CATEGORICAL:
            at = int(t)
            words = trees.cat_bits[trees.cat_bounds[at] : trees.cat_bounds[at + 1]]
            found = [32 * w + b for w, word in enumerate(words) for b in range(32) if word >> b & 1]
            candidates[f].extend(c + d for c in found for d in (0.0, 0.5, -0.5, 1.0))
        else:
            candidates[f].extend([t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf)])
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.choice(np.asarray(c, dtype=float), rows) for c in candidates])
