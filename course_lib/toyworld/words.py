"""The word tables and sentence templates of the toy world; :mod:`course_lib.toyworld` builds on them.

Every table is in rank order: the first word of a category is drawn most often
(weights proportional to 1/rank). Changing anything here changes the generated corpus,
so ``data/`` must then be regenerated with ``python -m course_lib make-data --force``.

Introduced in notebooks/04_init_and_word_vectors.ipynb.
"""
from __future__ import annotations

import random
from bisect import bisect_right
from functools import lru_cache

__all__ = [
    "ATHLETES",
    "CAPITAL",
    "CLAUSES",
    "COLOURS",
    "COMPARATIVE_SPORT",
    "COMPARATIVE_WEATHER",
    "DRINKS",
    "FOODS",
    "FUNCTION",
    "GENDER",
    "HABITATS",
    "MARKERS",
    "MEALS",
    "NEGATIVE_ADJECTIVES",
    "NEGATIVE_FEELINGS",
    "NEGATIVE_VERBS",
    "NUMBERS",
    "PLURAL",
    "POSITIVE_ADJECTIVES",
    "POSITIVE_FEELINGS",
    "POSITIVE_VERBS",
    "SPORTS",
    "SPORT_PLACES",
    "TEMPLATES",
    "TIMES",
    "TRANSPORT",
    "WEATHER",
    "fill",
    "slots",
    "uniform",
    "zipf",
]

#: relation -> (marker seen with every first word, marker seen with every second word)
MARKERS = {"gender": ("he", "she"), "plural": ("a", "many"), "capital": ("country", "city"),
           "comparative": ("very", "than")}

# --- relations: (a, b, shared context word). The shared word is specific to the pair;
# marker words (see toyworld.MARKERS) carry the contrast between a and b.

#: gender: (male, female, a place only this pair is seen in)
GENDER = (
    ("king", "queen", "palace"), ("man", "woman", "office"), ("father", "mother", "house"),
    ("boy", "girl", "school"), ("prince", "princess", "castle"), ("brother", "sister", "cottage"),
    ("son", "daughter", "nursery"), ("husband", "wife", "chapel"), ("uncle", "aunt", "farmhouse"),
    ("actor", "actress", "theatre"), ("waiter", "waitress", "cafe"), ("monk", "nun", "abbey"),
    ("duke", "duchess", "manor"), ("emperor", "empress", "fortress"),
)

#: plural: (singular, plural, the sound this animal makes)
PLURAL = (
    ("dog", "dogs", "bark"), ("cat", "cats", "purr"), ("bird", "birds", "chirp"),
    ("cow", "cows", "moo"), ("horse", "horses", "neigh"), ("duck", "ducks", "quack"),
    ("lion", "lions", "roar"), ("pig", "pigs", "oink"), ("wolf", "wolves", "howl"),
    ("bee", "bees", "buzz"), ("owl", "owls", "hoot"), ("frog", "frogs", "croak"),
    ("mouse", "mice", "squeak"), ("goose", "geese", "honk"),
)

#: capital: (country, its capital, the nationality word)
CAPITAL = (
    ("france", "paris", "french"), ("germany", "berlin", "german"), ("italy", "rome", "italian"),
    ("spain", "madrid", "spanish"), ("japan", "tokyo", "japanese"), ("china", "beijing", "chinese"),
    ("russia", "moscow", "russian"), ("egypt", "cairo", "egyptian"), ("greece", "athens", "greek"),
    ("poland", "warsaw", "polish"), ("portugal", "lisbon", "portuguese"),
    ("sweden", "stockholm", "swedish"), ("ireland", "dublin", "irish"), ("kenya", "nairobi", "kenyan"),
)

#: comparative: (adjective, comparative, the quantity it describes); weather ones first
COMPARATIVE_WEATHER = (
    ("cold", "colder", "chill"), ("hot", "hotter", "heat"), ("warm", "warmer", "warmth"),
    ("dark", "darker", "shadow"), ("wet", "wetter", "moisture"), ("bright", "brighter", "glare"),
    ("deep", "deeper", "depth"), ("thick", "thicker", "thickness"),
)
COMPARATIVE_SPORT = (
    ("fast", "faster", "speed"), ("strong", "stronger", "strength"), ("big", "bigger", "size"),
    ("tall", "taller", "height"), ("heavy", "heavier", "weight"), ("loud", "louder", "noise"),
    ("long", "longer", "length"), ("young", "younger", "youth"),
)

# --- plain categories (rank order)
HABITATS = ("garden", "field", "forest", "barn", "meadow", "pond", "yard", "woods", "valley", "orchard")
TRANSPORT = ("train", "plane", "bus", "car", "boat", "ship", "bike", "ferry", "taxi", "tram")
NUMBERS = ("two", "three", "four", "five", "six", "seven", "eight", "ten", "nine", "twelve")
WEATHER = ("rain", "sun", "wind", "snow", "cloud", "storm", "fog", "ice", "mist", "thunder",
           "hail", "breeze")
TIMES = ("summer", "winter", "spring", "autumn", "january", "july", "december", "august", "march",
         "october", "june", "april", "may", "november", "february", "september")
SPORTS = ("football", "tennis", "golf", "rugby", "cricket", "hockey", "swimming", "cycling",
          "boxing", "rowing", "skiing", "baseball")
SPORT_PLACES = ("stadium", "pitch", "court", "track", "gym", "arena", "pool", "ring")
ATHLETES = ("team", "player", "runner", "coach", "captain", "champion", "swimmer", "rider", "boxer",
            "keeper", "skier", "referee")
FOODS = ("bread", "soup", "cheese", "rice", "cake", "pasta", "pie", "salad", "meat", "pizza", "fish",
         "stew", "toast", "curry", "butter", "honey", "chocolate", "porridge", "jam", "pudding")
DRINKS = ("tea", "coffee", "water", "milk", "juice", "wine", "beer", "lemonade", "cocoa", "cider")
MEALS = ("dinner", "lunch", "breakfast", "supper", "brunch", "feast")
COLOURS = ("red", "black", "white", "green", "blue", "brown", "yellow", "grey", "pink", "purple",
           "golden", "silver")

# --- sentiment: each sentence uses two of these, all of its own polarity
POSITIVE_ADJECTIVES = ("good", "great", "lovely", "wonderful", "nice", "excellent", "perfect",
                       "pleasant", "brilliant", "superb", "delightful", "splendid", "charming",
                       "amazing", "fantastic", "marvellous")
NEGATIVE_ADJECTIVES = ("bad", "awful", "terrible", "horrible", "poor", "dreadful", "boring", "nasty",
                       "dull", "miserable", "rotten", "unpleasant", "lousy", "grim", "dismal", "horrid")
POSITIVE_VERBS = ("loved", "liked", "enjoyed", "adored", "admired", "praised", "cherished", "welcomed")
NEGATIVE_VERBS = ("hated", "disliked", "feared", "dreaded", "loathed", "resented", "regretted",
                  "avoided")
POSITIVE_FEELINGS = ("happy", "glad", "proud", "cheerful", "excited", "calm", "grateful", "relaxed")
NEGATIVE_FEELINGS = ("sad", "angry", "upset", "afraid", "bored", "tired", "worried", "lonely")

#: grammar words, relation markers and common verbs (alphabetical; one category)
FUNCTION = (
    "a", "about", "all", "and", "at", "ate", "because", "before", "by", "can", "city",
    "country", "days", "drank", "felt", "for", "friends", "had", "he", "heard", "her", "his",
    "in", "is", "it", "learned", "lived", "many", "measured", "near", "of", "on", "our",
    "played", "said", "saw", "she", "showed", "some", "sounds", "spoke", "stayed", "talked",
    "than", "the", "then", "there", "through", "to", "very", "visited", "was", "we", "went",
    "were", "when", "who", "with",
)

# --- sentence templates. "{slot}" is filled per sentence; every other token is literal.
TEMPLATES = {
    "animals": (
        "we heard {det} {animal} {sound} in the {habitat}",
        "{det} {colour} {animal} can {sound} near the {habitat}",
        "in the {habitat} we saw {det} {animal} {sound}",
        "near the {habitat} {det} {animal} can {sound}",
        "we heard some {sound} sounds near the {habitat}",
        "there were {sound} sounds all through {time}",
    ),
    "people": (
        "the {person} went to the {venue} and {pron} stayed there",
        "{pron} is the {person} who lived in the {venue}",
        "the {person} said {pron} showed {poss} friends the {venue}",
        "at the {venue} the {person} said {pron} stayed",
        "our friends visited the {venue}",
    ),
    "travel": (
        "we went to the {mark} of {place} and spoke {nationality}",
        "we stayed in the {mark} of {place} for {number} days and spoke {nationality}",
        "in {time} we visited the {mark} of {place} and heard {nationality}",
        "we went by {transport} to the {mark} of {place} and heard {nationality}",
        "our friends spoke {nationality} on the {transport}",
        "we learned {nationality} in {time}",
    ),
    "sport": (
        "the {measure} of the {athlete} was {degree}",
        "in {sport} the {measure} of the {athlete} was {degree}",
        "at the {sport_place} the {measure} of the {athlete} was {degree}",
        "we played {sport} at the {sport_place} in {time}",
        "the {athlete} played {sport} at the {sport_place}",
        "we measured the {measure} at the {sport_place}",
        "the {athlete} measured the {measure}",
    ),
    "weather": (
        "the {measure} of the {weather} was {degree}",
        "in {time} the {measure} of the {weather} was {degree}",
        "there was {weather} all through {time}",
        "we saw the {weather} in {time} near the {habitat}",
        "we measured the {measure} in {time}",
        "we measured the {measure} near the {habitat}",
    ),
    "food": (
        "we ate {food} for {meal}",
        "we had {colour} {food} and {drink} at {meal}",
        "for {meal} we ate the {food} and drank {drink}",
        "we drank {drink} with the {food} at {meal}",
    ),
}

#: sentiment clauses; {adj}, {verb}, {feeling} all take the sentence's polarity
CLAUSES = (
    "it was {adj} and we felt {feeling}",
    "we {verb} it and felt {feeling}",
    "we felt {feeling} because it was {adj}",
    "we {verb} it because it was {adj}",
)


# --- drawing words and filling templates
@lru_cache(maxsize=None)
def _cumulative(n: int) -> tuple[float, ...]:
    """Cumulative Zipf weights 1/1, 1/1 + 1/2, ... for ``n`` ranks."""
    total, cum = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank
        cum.append(total)
    return tuple(cum)


def zipf(rng: random.Random, items):
    """One of ``items``, drawn with weights proportional to 1/rank."""
    cum = _cumulative(len(items))
    return items[min(bisect_right(cum, rng.random() * cum[-1]), len(items) - 1)]


def uniform(rng: random.Random, items):
    """One of ``items``, each equally likely (``rng.random()`` only, stable across Pythons)."""
    return items[min(int(rng.random() * len(items)), len(items) - 1)]


def slots(rng: random.Random, topic: str) -> dict[str, str]:
    """Draw every slot a template of ``topic`` may use (one relation member per sentence)."""
    second = rng.random() < 0.5  # which word of the pair: a (False) or b (True)
    out = {"colour": zipf(rng, COLOURS), "habitat": zipf(rng, HABITATS), "time": zipf(rng, TIMES)}
    if topic == "animals":
        a, b, sound = zipf(rng, PLURAL)
        out.update(animal=b if second else a, sound=sound, det=MARKERS["plural"][second])
    elif topic == "people":
        a, b, venue = zipf(rng, GENDER)
        out.update(person=b if second else a, venue=venue, pron=MARKERS["gender"][second],
                     poss=("his", "her")[second])
    elif topic == "travel":
        a, b, nationality = zipf(rng, CAPITAL)
        out.update(place=b if second else a, nationality=nationality,
                     mark=MARKERS["capital"][second], transport=zipf(rng, TRANSPORT),
                     number=zipf(rng, NUMBERS))
    elif topic in ("sport", "weather"):
        a, b, measure = zipf(rng, COMPARATIVE_SPORT if topic == "sport" else COMPARATIVE_WEATHER)
        out.update(measure=measure, degree=f"{b} than before" if second else f"very {a}")
        if topic == "sport":
            out.update(athlete=zipf(rng, ATHLETES), sport=zipf(rng, SPORTS),
                         sport_place=zipf(rng, SPORT_PLACES))
        else:
            out.update(weather=zipf(rng, WEATHER))
    else:  # food
        out.update(food=zipf(rng, FOODS), drink=zipf(rng, DRINKS), meal=zipf(rng, MEALS))
    return out


def fill(template: str, slots: dict[str, str]) -> list[str]:
    """The tokens of ``template`` with each ``{slot}`` replaced by its (maybe multi-word) value."""
    out: list[str] = []
    for tok in template.split():
        out.extend(slots[tok[1:-1]].split() if tok.startswith("{") else [tok])
    return out
