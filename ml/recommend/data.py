"""Interactions as customer x product matrices, cut at a point in time.

Every recommender and the offline evaluation read the same `Interactions`: rows of views, cart
adds and ordered lines with their time. `as_of(at)` keeps what was known at `at`, which is how the
evaluation trains on the past only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

LOG = logging.getLogger("ml.recommend")

# How much one interaction says about interest: an order line more than a cart add, a cart add
# more than a view. The recommenders see the sum per customer and product.
INTERACTION_WEIGHTS = {"view": 1.0, "cart": 3.0, "purchase": 5.0}
# Popularity counts buyers over this many days before the time it is computed for: what sells
# now, not what sold two years ago.
POPULARITY_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Interactions:
    """Interactions of known customers with known products, with matrix row and column codes."""

    customers: pd.Index
    products: pd.Index
    frame: (
        pd.DataFrame
    )  # customer_id, product_id, interaction_type, quantity, interacted_at, row, column

    @classmethod
    def build(
        cls, interactions: pd.DataFrame, customers: pd.Index, products: pd.Index
    ) -> Interactions:
        """Keep the rows whose customer and product are known; say how many were not.

        Unknown interaction types are an error: a new type needs a weight in INTERACTION_WEIGHTS.
        """
        unknown_types = set(interactions["interaction_type"].dropna()) - set(INTERACTION_WEIGHTS)
        if unknown_types:
            raise ValueError(
                f"int_product_interactions has interaction types {sorted(unknown_types)} that "
                f"ml/recommend/data.py has no weight for (known: {sorted(INTERACTION_WEIGHTS)})"
            )
        rows = customers.get_indexer(interactions["customer_id"])
        columns = products.get_indexer(interactions["product_id"])
        known = (rows >= 0) & (columns >= 0)
        if not known.all():
            LOG.info(
                "recommendations: %d of %d interactions are with a customer or product outside "
                "the catalogue (quarantined or deleted) and are not learnt from",
                int((~known).sum()),
                len(interactions),
            )
        frame = interactions.loc[known].assign(row=rows[known], column=columns[known])
        frame["interacted_at"] = pd.to_datetime(frame["interacted_at"])
        return cls(customers, products, frame.reset_index(drop=True))

    def as_of(self, at: pd.Timestamp) -> Interactions:
        """What was known at `at` (interactions at or before it)."""
        return Interactions(
            self.customers, self.products, self.frame[self.frame["interacted_at"] <= at]
        )

    def between(self, start: pd.Timestamp, end: pd.Timestamp) -> Interactions:
        """Interactions after `start`, up to and including `end`."""
        times = self.frame["interacted_at"]
        return Interactions(
            self.customers, self.products, self.frame[(times > start) & (times <= end)]
        )

    def matrix(self, types: tuple[str, ...], values: str = "weight") -> sparse.csr_matrix:
        """Customers x products: summed interaction weights, `quantity` or a `count` of rows."""
        rows = self.frame[self.frame["interaction_type"].isin(types)]
        if values == "weight":
            data = rows["interaction_type"].map(INTERACTION_WEIGHTS).to_numpy(dtype=np.float32)
        elif values == "quantity":
            data = rows["quantity"].fillna(1).clip(lower=1).to_numpy(dtype=np.float32)
        else:
            data = np.ones(len(rows), dtype=np.float32)
        matrix = sparse.csr_matrix(
            (data, (rows["row"].to_numpy(), rows["column"].to_numpy())),
            shape=(len(self.customers), len(self.products)),
            dtype=np.float32,
        )
        matrix.sum_duplicates()
        return matrix

    def weights(self) -> sparse.csr_matrix:
        """All interactions as summed weights: what the collaborative recommenders learn from."""
        return self.matrix(tuple(INTERACTION_WEIGHTS))

    def purchases(self) -> sparse.csr_matrix:
        """Units ordered per customer and product."""
        return self.matrix(("purchase",), "quantity")

    def popularity(self, at: pd.Timestamp, members: np.ndarray | None = None) -> np.ndarray:
        """Distinct buyers per product in the POPULARITY_WINDOW_DAYS before `at`, ties broken by
        all-time buyers; among the customer rows `members` when given (a segment)."""
        bought = self.frame[self.frame["interaction_type"] == "purchase"]
        if members is not None:
            bought = bought[np.isin(bought["row"].to_numpy(), members)]
        recent = bought[bought["interacted_at"] > at - pd.Timedelta(days=POPULARITY_WINDOW_DAYS)]
        recent_buyers, all_buyers = (
            np.bincount(
                frame.drop_duplicates(["row", "column"])["column"].to_numpy(),
                minlength=len(self.products),
            ).astype(np.float64)
            for frame in (recent, bought)
        )
        # The all-time share stays under 1, so it only orders products of equal recent counts.
        return (recent_buyers + 0.5 * all_buyers / (all_buyers.max(initial=0) + 1)).astype(
            np.float32
        )
