"""Reading a request in plain words: normalizing, typo-tolerant keywords, names and numbers.

Everything here is pure and deterministic: the same text always gives the same answer, which
is what makes the rules planner's graphs identical from run to run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words the planner looks for. A token within one or two typos of one of these is read as it
#: (``regsiter`` -> ``register``); other words are left alone.
VOCABULARY = wordset(
    """
    signup sign register registration registers login logon signin authenticate authentication
    password passwords reset forgot forgotten recover recovery change profile account accounts
    user users member members customer customers create update delete remove list fetch
    retrieve manage management store save record track shorten shortener short webhook webhooks
    contact feedback newsletter waitlist booking bookings reservation reservations appointment
    appointments subscribe subscription rsvp product products order orders invoice invoices
    ticket tickets comment comments review reviews article articles recipe recipes employee
    employees category categories event events message messages notification notifications
    welcome email emails token tokens endpoint service backend minute minutes second seconds
    hour hours unique optional required mandatory number integer boolean string between
    request requests limit limited rate external upstream weather integer description
    storing saving tracking listing managing creating updating deleting
    logout unsubscribe todo todos watchlist health check first return token minute attempts
    characters against verify stock current event contact title attendees message with
    """
)

#: English words within a typo of a vocabulary word. They are what they say: "sing" is not a
#: misspelt "sign", "rating" not "creating", "manager" not "manage". A word is corrected only
#: when it is neither a vocabulary word nor one of these.
ENGLISH = wordset(
    """
    sing sings sang sung singing sort sorts sorted sorting sore even vent vents crate crates
    rating ratings border borders contract contracts cooking looking lasting listening
    feather leather whether minuet minuets mail massage massages manager managers particle
    particles prescription preservation produce receiver remember resent resister resolver
    shave slave starring sting stirring usher uses custom customs counts count option options
    blackened disappointment commend loin lits suer rest ratio race rare rats late gate mate
    lumber plumber timber amount amounts context content contest recorder receipt receive
    stone story storm start stare star score shore older orders order sure super used
    great grate caret react trace truck trick lint lift lost loss lose last slot
    """
)

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CONTRACTIONS = {
    "don't": "do not",
    "doesn't": "does not",
    "shouldn't": "should not",
    "can't": "cannot",
    "won't": "will not",
    "isn't": "is not",
    "let's": "let us",
    "i'd": "i would",
    "i'm": "i am",
    "it's": "it is",
}
_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
}
#: Words that never name a thing the user wants stored.
NOT_NOUNS = wordset(
    """
    a an the my our your their its this that these those some any all every each new simple
    basic small quick little tiny full complete whole rest restful json http https api apis
    endpoint endpoints service services backend server app application microservice system
    thing things stuff something data database db table tables collection collections crud
    with for to of and or by from in on at into that which who where when what how please me i
    we you it them one single first way could would should can will shall just also then
    create make build generate write set setup up give need want let us like get put
    patch delete remove update edit list show fetch read view find lookup look search add
    store save record track manage managing management handle keep log logs own
    """
)


#: Contractions typed without the apostrophe ("dont send emails").
_BARE_CONTRACTIONS = re.compile(r"\b(dont|doesnt|didnt|shouldnt|isnt|arent|cant)\b")
_BARE = {
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "shouldnt": "should not",
    "isnt": "is not",
    "arent": "are not",
    "cant": "cannot",
}


def normalize(text: str) -> str:
    """Lower case, straight quotes, contractions expanded, whitespace collapsed."""
    lowered = text.translate(_QUOTES).lower()
    for short, long in _CONTRACTIONS.items():
        lowered = lowered.replace(short, long)
    lowered = _BARE_CONTRACTIONS.sub(lambda m: _BARE[m.group(1)], lowered)
    return re.sub(r"\s+", " ", lowered).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


#: Short words whose swapped letters are a typo ("adn", "teh"), not a word of their own.
_SHORT = frozenset({"and", "the", "for", "per"})


@lru_cache(maxsize=4096)
def correct(word: str) -> str:
    """The vocabulary word a typo stands for, or the word itself."""
    if len(word) == 3 and word not in _SHORT:
        options = {f"{word[:i]}{word[i + 1]}{word[i]}{word[i + 2 :]}" for i in range(2)}
        return next(iter(sorted(options & _SHORT)), word)
    if len(word) < 4 or word in VOCABULARY or word in NOT_NOUNS or word in ENGLISH:
        return word
    if not word.isalpha():
        return word
    # Two letters swapped ("lsit", "tood", "logni") is the typo closest matching misses most.
    for i in range(len(word) - 1):
        swapped = f"{word[:i]}{word[i + 1]}{word[i]}{word[i + 2 :]}"
        if swapped in VOCABULARY:
            return swapped
    cutoff = 0.88 if len(word) < 5 else 0.84 if len(word) < 8 else 0.8
    match = difflib.get_close_matches(word, VOCABULARY, n=1, cutoff=cutoff)
    return match[0] if match else word


#: Typos that are English words themselves, fixed only where the next word shows it.
_PHRASE_TYPOS = (
    (re.compile(r"\bsing (up|in|out)\b"), r"sign \1"),
    (re.compile(r"(?:^|(?<= ))crate (a|an|the|me|us|my|our|some)\b"), r"create \1"),
)


def corrected(text: str) -> str:
    """``normalize`` plus typo correction of vocabulary words, as one spaced string."""
    fixed = " ".join(correct(w) for w in words(normalize(text)))
    if "sing " in fixed or "crate " in fixed:
        for pattern, replacement in _PHRASE_TYPOS:
            fixed = pattern.sub(replacement, fixed)
    return fixed


def has_any(text: str, *phrases: str) -> bool:
    """True when one of the phrases occurs as whole words in ``text`` (already normalized)."""
    padded = f" {text} "
    return any(f" {p} " in padded for p in phrases)


def first_index(text: str, *phrases: str) -> int:
    """Where the earliest of ``phrases`` starts in ``text`` (whole words), or -1."""
    padded = f" {text} "
    found = [padded.find(f" {p} ") for p in phrases]
    hits = [i for i in found if i >= 0]
    return min(hits) if hits else -1


# --- names --------------------------------------------------------------------------------

_IRREGULAR = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "mice": "mouse",
    "geese": "goose",
    "data": "data",
    "news": "news",
    "series": "series",
    "species": "species",
    "status": "status",
    "address": "address",
    "business": "business",
    "class": "class",
    "bus": "bus",
    "campus": "campus",
    "analysis": "analysis",
    "canvas": "canvas",
    "rsvps": "rsvp",
    "movies": "movie",
    "cookies": "cookie",
    "zombies": "zombie",
    "selfies": "selfie",
    "calories": "calorie",
}
_IRREGULAR_PLURAL = {
    v: k for k, v in _IRREGULAR.items() if k != v and k != "rsvps" and not k.endswith("ies")
}


def singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("s") and len(word) > 3:
        return word[:-1]
    return word


def plural(word: str) -> str:
    if word in _IRREGULAR_PLURAL:
        return _IRREGULAR_PLURAL[word]
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def camel(parts: list[str]) -> str:
    """``["due", "date"]`` -> ``dueDate``."""
    clean = [re.sub(r"[^a-z0-9]", "", p.lower()) for p in parts]
    clean = [p for p in clean if p]
    if not clean:
        return ""
    name = clean[0] + "".join(p[:1].upper() + p[1:] for p in clean[1:])
    return f"f{name}" if name[0].isdigit() else name


def split_camel(name: str) -> list[str]:
    """``dueDate`` -> ``["due", "date"]``; also splits snake_case and spaces."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ")
    return [w.lower() for w in spaced.split() if w]


def label(name: str) -> str:
    """``dueDate`` -> ``due date``."""
    return " ".join(split_camel(name))


def article(word: str) -> str:
    """``a`` or ``an`` before ``word``."""
    return "an" if word[:1] in "aeiou" else "a"


def sentence(items: Iterable[str]) -> str:
    """``["a", "b", "c"]`` -> ``a, b and c``."""
    parts = list(items)
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def title(text: str) -> str:
    """``blog post`` -> ``Blog Post``."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


def snake(parts: list[str]) -> str:
    return "_".join(re.sub(r"[^a-z0-9]", "", p.lower()) for p in parts if p)


# --- numbers ------------------------------------------------------------------------------

NUMBER = r"-?\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))


def to_number(token: str) -> float | int | None:
    token = token.strip().lower().replace(",", "")
    if token in _NUMBER_WORDS:
        return _NUMBER_WORDS[token]
    try:
        value = float(token)
    except ValueError:
        return None
    return int(value) if value.is_integer() and "." not in token else value


def quoted(text: str) -> list[str]:
    """Text in single or double quotes, in order (``call it "Shop API"`` -> ``["Shop API"]``)."""
    straight = text.translate(_QUOTES)
    return [a or b for a, b in re.findall(r'"([^"]+)"|(?<![a-z])\'([^\']+)\'(?![a-z])', straight)]


def slug_words(text: str, most: int = 3) -> str:
    """A short namespace from a request's first words: ``"a todo app with accounts"`` ->
    ``todo_app_accounts``."""
    skip = {"a", "an", "the", "for", "with", "and", "of", "simple", "tiny", "backend", "api"}
    picked = [w for w in re.findall(r"[a-z]+", text.lower()) if w not in skip][:most]
    return "_".join(picked) or "backend"
