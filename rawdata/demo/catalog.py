"""The product catalogue: titles, descriptions, categories, prices and popularity.

Built once per run (it is small: at most 50,000 products) and shared by every chunk, which draw
products from it by category with a long-tailed popularity, as real shops sell a few products a lot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rawdata.demo import vocab
from rawdata.demo.arrowkit import ids, join, timestamps
from rawdata.demo.timeline import DAY_US

MAX_PRODUCTS = 50_000


def product_count(customers: int) -> int:
    """The catalogue grows with the shop, within sensible bounds."""
    return min(MAX_PRODUCTS, max(200, customers // 20))


@dataclass
class Catalog:
    """Products as numpy arrays for sampling plus the Arrow table that is written."""

    table: pa.Table
    product_id: pa.Array
    url: pa.Array
    category: np.ndarray  # index into vocab.CATEGORIES
    noun: list[str]
    brand: list[str]
    price: np.ndarray
    return_rate: np.ndarray
    _members: list[np.ndarray]
    _cdf: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.price)

    def sample(self, rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
        """One product index per element of `category`, popular products more often."""
        out = np.empty(len(category), dtype=np.int64)
        u = rng.random(len(category))
        for c, (members, cdf) in enumerate(zip(self._members, self._cdf, strict=True)):
            sel = category == c
            if sel.any():
                out[sel] = members[np.searchsorted(cdf, u[sel])]
        return out


def build_catalog(seed: int, customers: int, start_us: int) -> Catalog:
    """Deterministic catalogue for a run: depends only on the seed and the scale."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x9C47]))
    n = product_count(customers)
    cats = vocab.CATEGORIES
    share = np.array([vocab.CATEGORY_PROFILE[c][0] for c in cats])
    category = rng.choice(len(cats), size=n, p=share / share.sum())
    category[: len(cats)] = np.arange(len(cats))  # every category has products
    median = np.array([vocab.CATEGORY_PROFILE[c][1] for c in cats])[category]
    sigma = np.array([vocab.CATEGORY_PROFILE[c][2] for c in cats])[category]
    price = np.round(median * np.exp(rng.normal(0, sigma)), 0) - 0.01
    price = np.maximum(price, 2.99)
    return_rate = np.array([vocab.CATEGORY_PROFILE[c][3] for c in cats])[category]

    titles, descriptions, nouns, brands = [], [], [], []
    for i in range(n):
        cat = cats[category[i]]
        brand = vocab.BRANDS[cat][rng.integers(len(vocab.BRANDS[cat]))]
        noun = vocab.NOUNS[cat][rng.integers(len(vocab.NOUNS[cat]))]
        adj = vocab.ADJECTIVES[rng.integers(len(vocab.ADJECTIVES))]
        title = f"{brand} {adj} {noun}"
        words = {
            "title": title,
            "brand": brand,
            "noun": noun.lower(),
            "adj": adj.lower(),
            "use": vocab.USES[rng.integers(len(vocab.USES))],
            "quality": vocab.QUALITIES[rng.integers(len(vocab.QUALITIES))],
            "quality2": vocab.QUALITIES[rng.integers(len(vocab.QUALITIES))],
            "color": vocab.COLORS[rng.integers(len(vocab.COLORS))],
        }
        opener = vocab.DESCRIPTION_OPENERS[rng.integers(len(vocab.DESCRIPTION_OPENERS))]
        k = int(rng.integers(1, 4))
        details = rng.choice(len(vocab.DESCRIPTION_DETAILS), size=k, replace=False)
        text = " ".join([opener] + [vocab.DESCRIPTION_DETAILS[j] for j in details])
        titles.append(title)
        descriptions.append(text.format(**words))
        nouns.append(noun.lower())
        brands.append(brand)

    # Zipf-like popularity within each category, in a random order of products.
    popularity = 1.0 / (1.0 + rng.permutation(n)) ** 0.9
    members, cdfs = [], []
    for c in range(len(cats)):
        m = np.flatnonzero(category == c)
        w = np.cumsum(popularity[m])
        members.append(m)
        cdfs.append(w / w[-1])

    product_id = ids("P", np.arange(1, n + 1), 6)
    created = start_us - rng.integers(30, 3 * 365, n) * DAY_US - rng.integers(0, DAY_US, n)
    table = pa.table(
        {
            "product_id": product_id,
            "title": pa.array(titles, pa.string()),
            "description": pa.array(descriptions, pa.string()),
            "category": pa.array([cats[c] for c in category], pa.string()),
            "brand": pa.array(brands, pa.string()),
            "price": pa.array(price, pa.float64()),
            "created_at": timestamps(created),
        }
    )
    return Catalog(
        table=table,
        product_id=product_id,
        url=join("https://shop.example.com/p/", product_id),
        category=category,
        noun=nouns,
        brand=brands,
        price=price,
        return_rate=return_rate,
        _members=members,
        _cdf=cdfs,
    )
