"""Review titles and bodies composed from aspect fragments, consistent with rating and experience.

Text models trained on the marts need texts whose sentiment follows the rating and the order's
real experience, with enough variety that memorising sentences does not work: aspects (delivery,
quality, value, fit, service, packaging) with positive and negative fragments, negations that flip
the surface words ("not bad at all", "wasn't what I expected"), mixed reviews joined with "but",
short one-liners, long multi-sentence stories, title-only reviews, and typos.
"""

from __future__ import annotations

import random

from rawdata.demo.reviewphrases import (
    CATEGORY_FRAGMENTS,
    CONTEXT,
    CONTEXT_FILL,
    FILL,
    FOLLOW_UPS,
    FRAGMENTS,
    JOIN_MIXED,
    NEG,
    OVERALL,
    POS,
    TITLES,
)


def _fill(rnd: random.Random, template: str, words: dict[str, str]) -> str:
    values = {k: rnd.choice(v) for k, v in FILL.items()} | words
    return template.format(**values)


def _typos(rnd: random.Random, text: str) -> str:
    """A few swapped, dropped or doubled letters, as people type on phones."""
    chars = list(text)
    for _ in range(rnd.randint(1, 3)):
        if len(chars) < 6:
            break
        i = rnd.randrange(1, len(chars) - 2)
        kind = rnd.random()
        if kind < 0.4:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif kind < 0.75:
            del chars[i]
        else:
            chars.insert(i, chars[i])
    return "".join(chars)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def review_text(
    rnd: random.Random, rating: int, bad_aspects: list[str], noun: str, brand: str, category: str
) -> tuple[str | None, str | None]:
    """(title, body) for a review with `rating` whose order went wrong in `bad_aspects`.

    Aspects are the generic ones plus "product" (category-specific wording); "fit" only exists
    for apparel and shoes.
    """
    fits = category in ("apparel", "shoes")
    bank = FRAGMENTS | {"product": CATEGORY_FRAGMENTS[category]}
    plural = noun.endswith("s") and not noun.endswith("ss")
    words = {
        "noun": noun,
        "brand": brand,
        "feels": "feel" if plural else "feels",
        "who": rnd.choice(CONTEXT_FILL["who"]),
        "color": rnd.choice(("black", "blue", "green", "grey", "red", "white")),
    }
    aspects = [a for a in bank if fits or a != "fit"]
    good = [a for a in aspects if a not in bad_aspects]
    title = _fill(rnd, rnd.choice(TITLES[rating]), words) if rnd.random() < 0.8 else None
    style = rnd.random()
    if style < 0.07 and title:
        return title, None  # title only
    if style < 0.22:  # one-liner
        if rnd.random() < 0.6:
            return title, rnd.choice(OVERALL[rating])
        polarity = NEG if rating <= 2 or (rating == 3 and bad_aspects) else POS
        aspect = rnd.choice(bad_aspects if polarity == NEG and bad_aspects else good)
        return title, _sentence(_fill(rnd, rnd.choice(bank[aspect][polarity]), words))

    # the aspects the review talks about, and with which polarity
    long = style >= 0.75
    n_aspects = rnd.choice((3, 4, 5)) if long else rnd.choice((1, 2, 2, 3))
    negatives = list(bad_aspects) if rating <= 3 else bad_aspects[:1] if rating == 4 else []
    if rating <= 2 and not negatives:
        negatives = [rnd.choice(["quality", "value", "product"] + (["fit"] if fits else []))]
    if rating == 3 and not negatives:
        negatives = [rnd.choice(["value", "delivery", "packaging", "product"])]
    positives = rnd.sample(good, k=min(len(good), max(0, n_aspects - len(negatives))))
    if rating <= 2:
        positives = positives[:1] if rnd.random() < 0.3 else []
    pos_text = [_fill(rnd, rnd.choice(bank[a][POS]), words) for a in positives]
    neg_text = [_fill(rnd, rnd.choice(bank[a][NEG]), words) for a in negatives]

    sentences = []
    if long or rnd.random() < 0.25:
        context = words | {k: rnd.choice(v) for k, v in CONTEXT_FILL.items()}
        sentences.append(_fill(rnd, rnd.choice(CONTEXT), context))
    if pos_text and neg_text and rnd.random() < 0.7:
        first, second = (pos_text, neg_text) if rating >= 3 else (neg_text, pos_text)
        if rnd.random() < 0.5:
            first, second = second, first
        sentences.append(_sentence(first.pop(0) + rnd.choice(JOIN_MIXED) + second.pop(0)))
    lead, tail = (neg_text, pos_text) if rating <= 2 else (pos_text, neg_text)
    sentences += [_sentence(t) for t in lead + tail]
    if rnd.random() < 0.6:
        sentences.append(rnd.choice(OVERALL[rating]))
    if long and rating != 3 and rnd.random() < 0.6:
        sentences.append(_fill(rnd, rnd.choice(FOLLOW_UPS[POS if rating >= 4 else NEG]), words))
    body = " ".join(sentences)
    if rnd.random() < 0.12:
        body = _typos(rnd, body)
    if rnd.random() < 0.08:
        body = body.lower()
    if rating == 5 and rnd.random() < 0.15:
        ending = rnd.choice((" :)", "!!", " \U0001f44d", " \u2764\ufe0f"))
        body = (body.rstrip(".") if ending == "!!" else body) + ending
    return title, body
