"""Support ticket subjects and bodies, composed per reason with varied tone and structure.

Tickets follow bad experiences, so a text model can learn the reason from the words; the
composition (greeting, problem, detail, request, closing, in varying order and tone) keeps the
texts from being a handful of fixed strings.
"""

from __future__ import annotations

import random

SUBJECTS = {
    "late_delivery": (
        "Where is my order?",
        "Order {order} not delivered",
        "Late delivery",
        "Still waiting for {order}",
        "Parcel hasn't arrived",
        "Delivery delayed??",
        "tracking not updating",
    ),
    "damaged_item": (
        "Item arrived damaged",
        "Broken {noun}",
        "Damaged parcel - order {order}",
        "Faulty product",
        "{noun} not working",
    ),
    "return": (
        "Return request",
        "How do I return my {noun}?",
        "Refund for order {order}",
        "Return label please",
        "Exchange size",
    ),
    "payment_issue": (
        "Charged twice",
        "Payment problem",
        "Payment failed but money taken",
        "Voucher not applied",
        "Refund not received",
    ),
    "general": (
        "Question about my account",
        "Change delivery address",
        "Invoice request",
        "Product question",
        "Newsletter unsubscribe",
        "Password reset not working",
    ),
}
PROBLEMS = {
    "late_delivery": (
        "my order {order} was supposed to arrive on {promised} and it still hasn't",
        "the tracking has said 'in transit' for {days} days",
        "I ordered a {noun} over a week ago and nothing has arrived",
        "the delivery date keeps moving and I need it for {occasion}",
    ),
    "damaged_item": (
        "the {noun} arrived with a crack in it",
        "the box was crushed and the {noun} inside is broken",
        "the {noun} stopped working after two days",
        "one of the items in order {order} is damaged",
    ),
    "return": (
        "the {noun} doesn't fit and I'd like to return it",
        "I sent back my {noun} {days} days ago and haven't had a refund",
        "I want to exchange the {noun} for a different size",
        "the {noun} isn't what I expected so I'd like to send it back",
    ),
    "payment_issue": (
        "I was charged twice for order {order}",
        "my card was declined but the money left my account",
        "the voucher code didn't apply at checkout",
        "Klarna says I owe money for an order I returned",
    ),
    "general": (
        "I can't log in to my account",
        "I need an invoice for order {order}",
        "I'd like to change the delivery address on my order",
        "is the {noun} available in another colour?",
        "please remove me from the newsletter",
    ),
}
GREETINGS = ("Hi,", "Hello,", "Hi there,", "Dear support team,", "Hey,", "Good morning,", "")
# what the customer asks for, by reason
REQUESTS = {
    "late_delivery": (
        "Can you please look into this?",
        "Where is it?",
        "Please send it again.",
        "I'd like to cancel and get my money back.",
        "What are my options?",
    ),
    "damaged_item": (
        "Could you send a replacement?",
        "I'd like a refund.",
        "Photos attached.",
        "How do I send it back?",
    ),
    "return": (
        "Please send me a return label.",
        "When will I get my refund?",
        "What are my options?",
        "Can I swap it instead?",
    ),
    "payment_issue": (
        "Please refund the double charge.",
        "Can you check what happened?",
        "I'd like this sorted today.",
        "Please advise.",
    ),
    "general": (
        "Please advise.",
        "Thanks in advance.",
        "Can someone call me?",
        "Please get back to me when you can.",
    ),
}
ANGRY = (
    "This is the second time this has happened.",
    "Really not happy about this.",
    "I've emailed twice already with no answer.",
    "Very disappointing service.",
    "If this isn't sorted I'll dispute the charge.",
)
CLOSINGS = ("Thanks,", "Best regards,", "Cheers,", "Kind regards,", "Thank you,", "")
OCCASIONS = ("a birthday", "Christmas", "a trip next week", "a wedding", "work")


def ticket_text(
    rnd: random.Random, reason: str, order: str, noun: str, promised: str, name: str
) -> tuple[str, str]:
    """(subject, body) of a ticket about `reason`."""
    words = {
        "order": order,
        "noun": noun,
        "promised": promised,
        "name": name,
        "days": rnd.choice(("3", "5", "7", "ten", "several")),
        "occasion": rnd.choice(OCCASIONS),
    }
    subject = rnd.choice(SUBJECTS[reason]).format(**words)
    if rnd.random() < 0.1:
        subject = subject.upper()
    problem = rnd.choice(PROBLEMS[reason]).format(**words)
    problem = problem[0].upper() + problem[1:] + rnd.choice((".", ".", "!", "..."))
    parts = [rnd.choice(GREETINGS), problem]
    if reason != "general" and rnd.random() < 0.35:
        parts.append(rnd.choice(ANGRY))
    if rnd.random() < 0.3:
        extra = rnd.choice(PROBLEMS[reason]).format(**words)
        parts.append("Also, " + extra + ("" if extra.endswith("?") else "."))
    parts.append(rnd.choice(REQUESTS[reason]))
    closing = rnd.choice(CLOSINGS)
    if closing:
        parts.append(f"{closing}\n{name}")
    separator = "\n\n" if rnd.random() < 0.5 else " "
    return subject, separator.join(p for p in parts if p)
