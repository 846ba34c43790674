"""Phrase banks for review texts: aspect fragments by polarity, one-liners, titles, context.

Data only, kept apart from the composer in reviewtext.py so the banks can grow freely. Category
fragments carry the words a buyer of that category uses (battery, scent, story, grip ...).
"""

from __future__ import annotations

POS, NEG = 1, -1

FRAGMENTS: dict[str, dict[int, tuple[str, ...]]] = {
    "delivery": {
        POS: (
            "arrived {speed}",
            "delivery was {speed} and painless",
            "it was here {speed}",
            "shipping was quicker than promised",
            "came a day early",
            "the courier was on time",
            "no problems with the delivery at all",
            "tracking was spot on",
        ),
        NEG: (
            "delivery took forever",
            "it arrived {days} days late",
            "the parcel was late",
            "shipping was painfully slow",
            "it didn't arrive when promised",
            "I waited almost two weeks",
            "the tracking never updated",
            "it wasn't delivered on the promised date",
        ),
    },
    "quality": {
        POS: (
            "the {noun} {feels} {good_q}",
            "quality is {good_q}",
            "really {good_q} {noun}",
            "build quality is not bad at all",
            "it's {good_q} for the price",
            "you can tell it's made to last",
            "the material is {good_q}",
            "exactly what I was hoping for",
        ),
        NEG: (
            "the {noun} {feels} {bad_q}",
            "quality is {bad_q}",
            "it broke after {days} days",
            "it wasn't what I expected",
            "the stitching came apart",
            "it looks nothing like the photos",
            "not the quality I expect from {brand}",
            "mine arrived damaged",
            "it stopped working after a week",
        ),
    },
    "value": {
        POS: (
            "great value for money",
            "worth every penny",
            "can't beat it at this price",
            "cheaper than elsewhere and just as good",
            "a bargain, honestly",
            "not expensive at all for what you get",
        ),
        NEG: (
            "way overpriced",
            "not worth the money",
            "a waste of money",
            "you can find better for half the price",
            "too expensive for what it is",
        ),
    },
    "fit": {
        POS: (
            "fits {fit_good}",
            "the size guide was spot on",
            "true to size",
            "fit is perfect",
            "comfortable from day one",
        ),
        NEG: (
            "it didn't fit",
            "runs {fit_bad}",
            "the sizing is way off",
            "had to send it back because of the size",
            "fit was awful",
        ),
    },
    "service": {
        POS: (
            "customer service was {helpful}",
            "support sorted my question within a day",
            "the team was {helpful} when I had a question",
            "easy returns process",
        ),
        NEG: (
            "customer service never replied",
            "support was {unhelpful}",
            "I'm still waiting for a refund",
            "they charged me twice and nobody helped",
            "nobody answered my emails",
        ),
    },
    "packaging": {
        POS: (
            "nicely packaged",
            "packaging was {good_q} and plastic-free",
            "well wrapped, ready to gift",
        ),
        NEG: (
            "the box was crushed",
            "packaging was falling apart",
            "it came in a torn bag",
            "the parcel was soaked and damaged",
        ),
    },
}
FILL = {
    "speed": ("quickly", "fast", "super fast", "in two days", "next day", "right on time"),
    "good_q": ("solid", "great", "excellent", "sturdy", "premium", "lovely", "well made"),
    "bad_q": ("cheap", "flimsy", "poor", "plasticky", "thin", "badly made"),
    "fit_good": ("perfectly", "like a glove", "just right", "really well"),
    "fit_bad": ("small", "large", "a size small", "really big"),
    "helpful": ("helpful", "friendly", "quick to respond", "brilliant", "very kind"),
    "unhelpful": ("useless", "rude", "slow and unhelpful", "impossible to reach"),
    "days": ("3", "4", "five", "ten", "a few"),
}
OVERALL = {
    5: (
        "Love it!",
        "Absolutely love it.",
        "Couldn't be happier.",
        "Highly recommend.",
        "Will definitely order again.",
        "Five stars from me.",
        "Perfect!",
    ),
    4: (
        "Really happy overall.",
        "Pretty good.",
        "Would buy again.",
        "Does the job well.",
        "Not bad at all.",
        "Happy with it.",
    ),
    3: (
        "It's okay.",
        "Mixed feelings.",
        "Average, nothing special.",
        "meh",
        "It's fine I guess.",
        "Not great, not terrible.",
    ),
    2: (
        "Disappointed.",
        "Not impressed.",
        "Wouldn't buy again.",
        "Expected more.",
        "Not what I expected.",
    ),
    1: (
        "Terrible.",
        "Avoid.",
        "Complete waste of money.",
        "Never again.",
        "Awful experience.",
        "Do not buy.",
    ),
}
TITLES = {
    5: (
        "Love it",
        "Perfect {noun}",
        "Great purchase",
        "Excellent",
        "Brilliant {noun}",
        "Exactly as described",
        "Super happy",
    ),
    4: ("Very good", "Good {noun}", "Happy customer", "Solid buy", "Nice {noun}", "Pretty good"),
    3: ("Okay", "Mixed feelings", "Average", "Decent but...", "Could be better", "meh"),
    2: ("Disappointed", "Not great", "Not as described", "Meh {noun}", "Expected better"),
    1: ("Terrible", "Avoid", "Waste of money", "Awful", "Broken on arrival", "Never again"),
}
CONTEXT = (
    "Bought this as a gift for my {who}.",
    "Ordered this for my {who}.",
    "I've ordered from this shop a few times now.",
    "Second {noun} I've bought here.",
    "Needed a new {noun} for {use}.",
    "Saw it on sale and gave it a try.",
    "Was a bit unsure after reading other reviews.",
    "Been using it for {weeks} weeks now.",
)
CONTEXT_FILL = {
    "who": ("sister", "husband", "wife", "son", "daughter", "dad", "mum", "friend"),
    "use": ("work", "the holidays", "my new flat", "the gym", "travelling", "school"),
    "weeks": ("two", "three", "six", "a couple of"),
}
JOIN_MIXED = (" but ", ", but ", ". However, ", " although ", ", though ", ". On the other hand, ")

# per product category: what people praise or complain about beyond the generic aspects
CATEGORY_FRAGMENTS: dict[str, dict[int, tuple[str, ...]]] = {
    "apparel": {
        POS: ("the fabric is soft and breathable", "colour is exactly like the pictures",
              "survived the wash without shrinking", "looks great with jeans"),
        NEG: ("it shrank after one wash", "the colour faded quickly", "the fabric is see-through",
              "seams started coming loose"),
    },
    "shoes": {
        POS: ("comfortable straight out of the box", "good grip even on wet pavement",
              "no blisters after a full day", "the sole feels sturdy"),
        NEG: ("they gave me blisters", "the sole came off after a month",
              "they squeak with every step", "way too narrow at the front"),
    },
    "electronics": {
        POS: ("battery life is impressive", "sound is crisp and clear", "pairing took seconds",
              "the app works smoothly", "charges really fast"),
        NEG: ("battery dies within hours", "keeps disconnecting", "the sound is tinny",
              "it overheats", "the app is buggy and crashes"),
    },
    "home": {
        POS: ("looks great in the living room", "easy to clean", "fits our kitchen perfectly",
              "makes the room feel cosy"),
        NEG: ("the colour looks nothing like online", "it wobbles", "hard to clean",
              "smaller than it looks in the photos"),
    },
    "beauty": {
        POS: ("the scent is lovely and not too strong", "my skin feels so soft",
              "a little goes a long way", "no irritation at all on sensitive skin"),
        NEG: ("it made my skin break out", "the smell is overpowering", "the pump broke",
              "didn't notice any difference"),
    },
    "sports": {
        POS: ("held up well through hard workouts", "great grip", "light enough to carry all day",
              "exactly what my training needed"),
        NEG: ("started tearing after a few sessions", "the grip wears off fast",
              "too heavy to be practical", "the strap snapped"),
    },
    "books": {
        POS: ("couldn't put it down", "beautifully written", "the recipes actually work",
              "lovely print quality"),
        NEG: ("pages were missing", "the story drags on", "the binding fell apart",
              "full of typos"),
    },
    "toys": {
        POS: ("the kids loved it", "kept my son busy for hours", "sturdy enough for toddlers",
              "great for family game night"),
        NEG: ("pieces were missing", "broke on the first day", "the instructions are useless",
              "the kids lost interest after a day"),
    },
}  # fmt: skip
FOLLOW_UPS = {
    POS: ("My {who} loved it too.", "Already thinking about ordering a second one.",
          "Will be back for the {color} one.", "Update after a month: still going strong.",
          "Would recommend sizing as usual.", "Thanks {brand}!"),
    NEG: ("Update: support offered a partial refund, still not happy.", "Returning it.",
          "Shame, because I liked the design.", "Won't be ordering from {brand} again.",
          "Update after a month: it got worse."),
}  # fmt: skip
