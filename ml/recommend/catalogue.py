"""Which products may be shown to whom at a point in time.

The rule is the one int_product_availability applies at the as-of time (a dbt test checks the two
agree on every recommended product): a product is active when it has a price, was created by then
and was created or interacted with within `active_days` before it. The evaluation applies it at
its cutoffs, so a product launched after a cutoff is never "recommended" in the past.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ml.recommend.data import Interactions


@dataclass(frozen=True)
class Catalogue:
    """Products in the order of the interaction matrices' columns."""

    products: pd.Index
    price: np.ndarray
    created_at: pd.Series
    is_repeat_purchase: np.ndarray

    @classmethod
    def build(cls, availability: pd.DataFrame) -> Catalogue:
        """From int_product_availability (product_id, price, created_at, is_repeat_purchase)."""
        # Sorted, so that the matrices (and ties between products) do not depend on row order.
        frame = (
            availability.drop_duplicates("product_id")
            .sort_values("product_id")
            .reset_index(drop=True)
        )
        return cls(
            products=pd.Index(frame["product_id"].to_numpy()),
            price=frame["price"].to_numpy(dtype=float, na_value=np.nan),
            created_at=pd.to_datetime(frame["created_at"]),
            is_repeat_purchase=frame["is_repeat_purchase"].fillna(False).to_numpy(dtype=bool),
        )

    def active(self, interactions: Interactions, at: pd.Timestamp, active_days: int) -> np.ndarray:
        """Boolean mask of products that may be recommended at `at`."""
        known = interactions.as_of(at).frame
        last = np.full(len(self.products), np.datetime64("NaT"), dtype="datetime64[us]")
        if len(known):
            latest = known.groupby("column")["interacted_at"].max()
            last[latest.index.to_numpy()] = latest.to_numpy(dtype="datetime64[us]")
        created = self.created_at.to_numpy(dtype="datetime64[us]")
        since = np.datetime64(at - pd.Timedelta(days=active_days), "us")
        created_by_then = np.isnat(created) | (created <= np.datetime64(at, "us"))
        # NaT compares False, so a missing date never makes a product recent.
        recent = (created > since) | (last > since)
        return ~np.isnan(self.price) & created_by_then & recent

    def excluded(self, purchases: sparse.csr_matrix) -> sparse.csr_matrix:
        """Customer x product mask of what was bought already, except repeat-purchase products."""
        bought = (purchases > 0).astype(np.float32)
        keep = sparse.diags((~self.is_repeat_purchase).astype(np.float32))
        excluded = (bought @ keep).tocsr()
        excluded.eliminate_zeros()
        return excluded
