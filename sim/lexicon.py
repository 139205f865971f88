"""The free-text reader's word lists (sim/free_text.py): synonyms of the catalogue's names, the
words of tasks, events and steps, and what marks a sentence as no command for a vacuum.

Synonyms map to the catalogue's ids; the parser's own words (sim/language.py) are the first
forms. Adding a synonym here teaches the reader, not the policy's vocabulary: the reader
rewrites a command into the parser's words before the policy sees it.
"""

from __future__ import annotations

from sim.catalog import COLOR_NAMES

# Surface phrases -> the parser's words. Longest phrases win; ids with "_" are written spaced.
OBJECT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "couch": ("couch", "sofa", "settee", "loveseat", "love seat", "divan", "chesterfield",
              "futon"),
    "bed": ("bed", "double bed", "single bed", "bunk bed", "king bed", "queen bed"),
    "table": ("table", "dining table", "coffee table", "side table", "dinner table",
              "end table"),
    "desk": ("desk", "writing desk", "computer desk", "work desk", "bureau"),
    "chair": ("chair", "armchair", "arm chair", "stool", "recliner", "dining chair",
              "office chair", "rocking chair"),
    "rug": ("rug", "carpet", "mat", "doormat", "runner", "bath mat", "bathmat", "floor mat"),
    "fridge": ("fridge", "refrigerator", "fridge freezer", "icebox"),
    "plant": ("plant", "houseplant", "house plant", "potted plant", "pot plant", "ficus",
              "fern", "cactus", "monstera"),
    "bookshelf": ("bookshelf", "bookcase", "book case", "book shelf", "bookshelves", "shelves",
                  "shelf", "shelving unit"),
    "tv_stand": ("tv stand", "television stand", "tv", "television", "tv cabinet",
                 "television cabinet", "tv unit", "media console", "entertainment unit",
                 "telly"),
}
ROOM_SYNONYMS: dict[str, tuple[str, ...]] = {
    "living_room": ("living room", "lounge", "sitting room", "family room", "front room",
                    "livingroom", "den", "lounge room", "drawing room"),
    "kitchen": ("kitchen", "kitchenette"),
    "bedroom": ("bedroom", "master bedroom", "main bedroom", "guest bedroom", "guest room",
                "bed room", "spare room"),
    "bathroom": ("bathroom", "loo", "restroom", "washroom", "toilet", "powder room",
                 "bath room", "wc", "lavatory"),
    "office": ("office", "study", "home office", "workroom"),
    "hallway": ("hallway", "hall", "corridor", "entryway", "entrance", "entrance hall",
                "foyer", "landing", "hall way"),
}
COLOR_SYNONYMS: dict[str, tuple[str, ...]] = {c: (c,) for c in COLOR_NAMES}
VACUUM_PHRASES = ("vacuum", "vacuuming", "vacuumed", "vacuum up", "hoover", "hoovering",
                  "hoover up", "sweep", "sweeping", "sweep up", "clean", "cleaning", "clean up",
                  "tidy", "tidy up", "dust", "give a clean", "suck up")
EVENT_WORDS = frozenset((
    "mess", "messy", "dirty", "filthy", "dusty", "crumbs", "crumb", "sand", "sandy", "mud",
    "muddy", "spilled", "spilt", "spill", "spills", "hair", "hairs", "fur", "feathers", "gritty",
    "grit", "shedding", "shed", "gross", "disaster", "bomb", "debris", "dirt", "grime", "grimy",
    "popcorn", "cereal", "flour", "glitter", "confetti", "soil", "leaves", "dropped", "tracked",
    "scattered", "grubby", "pigsty", "state", "chips", "rice", "fluff", "lint", "cobwebs",
    "dustbunnies", "bunnies", "sugar", "salt", "coffee", "needs"))
GO_PHRASES = ("make your way to", "make your way into", "make way to", "get yourself to",
              "take yourself to", "pay a visit to", "need you in", "need you at")
GO_WORDS = frozenset(("go", "head", "drive", "move", "navigate", "travel", "proceed", "come",
                      "visit", "find", "roll", "get", "return", "pop", "nip", "zip", "zoom",
                      "way", "off", "over", "into", "to", "towards", "toward", "there"))
UNDER_WORDS = frozenset(("under", "underneath", "beneath", "below"))
# A step that starts with one of these is a thing the robot does not do: refused.
FOREIGN_VERBS = frozenset((
    "water", "open", "close", "shut", "turn", "switch", "play", "bring", "fetch", "feed", "tell",
    "call", "cook", "buy", "lock", "unlock", "sing", "dance", "order", "push", "pull", "lift",
    "carry", "wash", "mop", "paint", "fix", "repair", "set", "remind", "text", "email", "read",
    "take", "put", "throw", "pick", "make"))
QUESTION_WORDS = frozenset(("what", "how", "why", "where", "who", "which", "is", "are", "does",
                            "do", "did", "was", "were", "whats"))
# Names of things, places and colours the catalogue does not have: a command naming one is
# answered with what the robot knows instead of being read without it (or "corrected" into it).
OTHER_THINGS = frozenset((
    "piano", "lamp", "wardrobe", "dresser", "cabinet", "cupboard", "ottoman", "bench", "stove",
    "oven", "sink", "bathtub", "shower", "dishwasher", "closet", "mirror", "window",
    "door", "fireplace", "radiator", "heater", "bin", "trashcan", "crib", "cot", "nightstand",
    "sideboard", "microwave", "freezer", "washer", "dryer", "toybox", "beanbag",
    "chest", "stairs", "staircase", "car", "bike", "computer", "printer", "speaker"))
OTHER_PLACES = frozenset((
    "garage", "garden", "balcony", "attic", "basement", "porch", "patio", "yard", "backyard",
    "laundry", "utility", "pantry", "cellar", "nursery", "playroom", "conservatory", "gym",
    "terrace", "driveway", "loft", "dining", "upstairs", "downstairs"))
OTHER_COLORS = frozenset((
    "pink", "grey", "gray", "brown", "beige", "cream", "navy", "teal", "turquoise", "gold",
    "golden", "silver", "maroon", "lilac", "tan", "cyan", "magenta", "ivory", "khaki", "olive",
    "lime", "violet", "indigo", "crimson", "scarlet", "mauve", "charcoal", "peach"))
CONTRACTIONS = {"you're": "you are", "that's": "that is", "there's": "there is",
                "it's": "it is", "what's": "what is", "i'm": "i am", "don't": "do not",
                "doesn't": "does not", "you've": "you have", "we're": "we are",
                "let's": "let us", "isn't": "is not", "can't": "cannot", "won't": "will not",
                "here's": "here is", "where's": "where is", "how's": "how is"}
NEGATIONS = (("do", "not"), ("not",), ("never",), ("no", "need"), ("stop",), ("cannot",),
             ("will", "not"), ("dont",))
# Steps that go back to where the robot was: "come back here" (return), "go back to the room you
# were just in" (previous_room). The first form is the parser's (sim/language.py MEMORY_WORDS).
MEMORY_PHRASES: dict[str, tuple[str, ...]] = {
    "return": ("come back here", "come back to me", "go back to where you started",
               "return to where you started", "return to your starting point",
               "head back to where you were", "go back to the start", "come back",
               "come right back", "come straight back", "come back over here", "get back here",
               "return here", "back here", "back to me", "go back to where you were",
               "back to where you were", "back to where you started", "go back to where you began",
               "back to where you began", "return to the start", "back to the start",
               "return to the starting point", "back to the starting point",
               "back to your starting point", "return to where you were",
               "return to where i am", "come back to where i am", "come back to where i was",
               "where you started", "your starting point", "the starting point"),
    "previous_room": ("go back to the room you were just in", "return to the room you came from",
                      "go back to the previous room", "head back to the room you were in before",
                      "back to the room you were just in", "back to the room you came from",
                      "back to the room you were in before", "back to the previous room",
                      "back to the last room", "the room you were just in",
                      "the room you came from", "the room you were in before",
                      "the previous room", "the room before", "the last room you were in",
                      "the room you were in", "back to the other room", "the other room"),
}
# Connectives between steps. "first"/"before"/"once you have been" put a step earlier.
THEN_PHRASES = ("then", "and then", "after that", "afterwards", "afterward", "next",
                "and next", "finally", "and finally", "followed by", "after which", "second",
                "third", "lastly", "and lastly", "once you are done", "once you are finished",
                "when you are done", "when you are finished", "once done", "when done",
                "once finished", "when finished", "once you are done there",
                "when you are finished there", "once that is done", "when that is done",
                "and once you are done there", "and once you are done", "and after that")
FUNCTION_WORDS = frozenset((
    "the", "a", "an", "in", "to", "of", "on", "at", "it", "is", "one", "that", "which", "with",
    "and", "or", "but", "for", "from", "by", "its", "this", "there", "here", "you", "your",
    "me", "my", "i", "we", "our", "us", "be", "been", "being", "am", "are", "was", "were", "all",
    "some", "any", "every", "up", "out", "down", "around", "near", "next", "as", "so",
    "first", "before", "after", "once", "when", "while", "until", "now", "too", "very", "really",
    "thanks", "thank", "cheers", "ta", "please", "pls", "sir", "mate", "buddy", "robot",
    "roomby", "hey", "hi", "hello", "who", "has", "had", "have", "got", "again", "floor",
    "spot", "area", "room", "place", "bit", "little", "whole", "entire", "full", "over", "they",
    "them", "he", "she", "his", "her", "where", "sits", "stands", "against", "than",
    "then", "same", "other", "side", "corner", "just", "quick", "quickly", "right", "left",
    "if", "not", "no", "yes", "do", "does", "did", "can", "could", "would", "will", "should",
    "mind", "let", "ok", "okay", "um", "uh", "oh", "well", "like", "also",
    # requests and states: known words, never "corrected" into furniture
    "kindly", "great", "spotless", "fine", "nice", "good", "lovely", "perfect", "done"))
