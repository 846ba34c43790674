"""Word lists the generator draws from: names, places, the catalogue's words.

Kept apart from the logic so the lists can grow (more variety in texts and titles) without
touching the simulation; every list is a tuple so indices drawn by numpy stay stable.
"""

from __future__ import annotations

# fmt: off
FIRST_NAMES = (
    "Emma", "Olivia", "Ava", "Sophia", "Mia", "Amelia", "Harper", "Ella", "Chloe", "Grace",
    "Lena", "Hannah", "Lea", "Marie", "Julia", "Camille", "Manon", "Ines", "Louise", "Zoe",
    "Noah", "Liam", "Oliver", "Elijah", "James", "Lucas", "Henry", "Jack", "Leo", "Ethan",
    "Finn", "Jonas", "Paul", "Felix", "Max", "Hugo", "Louis", "Jules", "Gabriel", "Arthur",
    "Daan", "Sem", "Lucas", "Tess", "Fenna", "Sanne", "Isla", "Ruby", "Charlie", "Archie",
    "Mohammed", "Aisha", "Priya", "Arjun", "Wei", "Mei", "Yuki", "Kenji", "Sofia", "Mateo",
    "Chen", "Fatima", "Omar", "Layla", "Nina", "Tom", "Anna", "Ben", "Sara", "David",
)

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor",
    "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker",
    "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Evans", "Thomas", "Murphy",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
    "Nguyen", "Patel", "Singh", "Kim", "Lee", "Chen", "Wang", "Garcia", "Martinez", "Lopez",
    "O'Brien", "MacDonald", "Kelly", "Ryan", "Murray", "Stewart", "Thompson", "White",
)

# country -> (weight, cities); the weights follow a shop that sells mostly in the US and UK.
COUNTRIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "US": (0.38, ("New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Seattle",
                  "Denver", "Boston", "Austin", "Atlanta", "Miami", "Portland")),
    "GB": (0.18, ("London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol",
                  "Edinburgh", "Liverpool")),
    "DE": (0.14, ("Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Leipzig")),
    "FR": (0.10, ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Lille")),
    "CA": (0.08, ("Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa")),
    "AU": (0.07, ("Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide")),
    "NL": (0.05, ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven")),
}

EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com",
                 "gmx.de", "web.de", "orange.fr", "proton.me", "mail.com")

CATEGORIES = ("apparel", "shoes", "electronics", "home", "beauty", "sports", "books", "toys")

# category -> (share of the catalogue, lognormal median price, sigma, return rate)
CATEGORY_PROFILE: dict[str, tuple[float, float, float, float]] = {
    "apparel": (0.22, 35.0, 0.55, 0.09),
    "shoes": (0.12, 70.0, 0.45, 0.08),
    "electronics": (0.12, 90.0, 0.9, 0.035),
    "home": (0.16, 40.0, 0.8, 0.025),
    "beauty": (0.12, 18.0, 0.6, 0.02),
    "sports": (0.10, 45.0, 0.7, 0.03),
    "books": (0.09, 14.0, 0.35, 0.01),
    "toys": (0.07, 25.0, 0.6, 0.03),
}

BRANDS: dict[str, tuple[str, ...]] = {
    "apparel": ("Northwind", "Loom & Lark", "Urban Thread", "Mistral", "Fjordline", "Kinfolk"),
    "shoes": ("Stride", "Pacer", "Cobble & Co", "Trailhead", "Solemate", "Avenue"),
    "electronics": ("Voltix", "Nimbus", "Auralis", "Pixelon", "Kestrel", "Quanta"),
    "home": ("Hearth", "Nook", "Oakridge", "Linnea", "Casa Verde", "Ember"),
    "beauty": ("Glow Lab", "Petal", "Aurora", "Pure Botanics", "Lumière", "Saltwater"),
    "sports": ("Peakform", "Apex", "Tideline", "Ridgeback", "Velo", "Summit"),
    "books": ("Harbor Press", "Lantern Books", "Quill", "Paperkite", "Foxglove"),
    "toys": ("Tinker", "Bright Blocks", "Wonderbox", "Pip & Pop", "Little Giant"),
}

NOUNS: dict[str, tuple[str, ...]] = {
    "apparel": ("T-Shirt", "Hoodie", "Jacket", "Dress", "Jeans", "Sweater", "Shirt", "Coat",
                "Skirt", "Cardigan", "Chinos", "Scarf"),
    "shoes": ("Sneakers", "Boots", "Loafers", "Sandals", "Running Shoes", "Trainers",
              "Slippers", "Hiking Boots", "Chelsea Boots"),
    "electronics": ("Headphones", "Earbuds", "Speaker", "Smartwatch", "Charger", "Power Bank",
                    "Keyboard", "Mouse", "Webcam", "Tablet Stand", "E-Reader"),
    "home": ("Lamp", "Throw Blanket", "Cushion", "Vase", "Mug Set", "Cutting Board", "Candle",
             "Duvet Cover", "Rug", "Frying Pan", "Storage Box"),
    "beauty": ("Face Cream", "Serum", "Shampoo", "Lip Balm", "Body Lotion", "Perfume",
               "Cleanser", "Sunscreen", "Hair Oil"),
    "sports": ("Yoga Mat", "Dumbbells", "Water Bottle", "Gym Bag", "Resistance Bands",
               "Cycling Gloves", "Tennis Racket", "Running Belt", "Foam Roller"),
    "books": ("Cookbook", "Novel", "Travel Guide", "Notebook", "Biography", "Poetry Collection",
              "Children's Book", "Atlas"),
    "toys": ("Puzzle", "Building Set", "Plush Bear", "Board Game", "Toy Car", "Kite",
             "Doll House", "Science Kit"),
}

ADJECTIVES = (
    "Classic", "Essential", "Premium", "Everyday", "Vintage", "Modern", "Compact", "Deluxe",
    "Organic", "Lightweight", "Cozy", "Urban", "Eco", "Signature", "Pro", "Soft", "Bold",
    "Minimal", "Nordic", "Heritage", "Smart", "Wireless", "Waterproof", "Travel", "Studio",
)

COLORS = ("black", "white", "navy", "olive", "grey", "red", "beige", "blue", "green", "pink")

DESCRIPTION_OPENERS = (
    "Designed for {use}, the {title} combines {quality} with {quality2}.",
    "Meet the {title}: {quality} you can rely on for {use}.",
    "The {title} from {brand} is made for {use}.",
    "A {adj} take on the {noun}, built with {quality}.",
)
DESCRIPTION_DETAILS = (
    "Available in {color} and several other colours.",
    "Ships in recyclable packaging.",
    "Backed by a two-year warranty.",
    "Easy to care for and built to last.",
    "Our customers' favourite for gifting.",
    "Pairs well with the rest of the {brand} range.",
    "Tested by our team for {use}.",
)
USES = ("everyday use", "weekends away", "busy mornings", "the office", "long trips",
        "gifting", "the great outdoors", "quiet evenings at home", "the gym")
QUALITIES = ("durable materials", "a clean design", "thoughtful details", "everyday comfort",
             "sustainable sourcing", "solid craftsmanship", "a great fit", "smart features")

# what visitors type into the search box, by category (combined with ADJECTIVES and COLORS)
SEARCH_EXTRAS = ("sale", "cheap", "best", "gift", "new", "for men", "for women", "for kids",
                 "size 10", "xl", "bundle", "2025", "deal")
# fmt: on
