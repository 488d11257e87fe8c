"""Every word list the engine reads text with, in one place (as nltk keeps its stopwords and
spaCy its language data): number words, months and days, pronouns, question words, everyday
verbs, stopwords and the small words of names. The modules build their patterns from these; a
test (tests/test_lexicon.py) fails when a module writes a list of its own.
"""

from __future__ import annotations

# Numbers: the cardinals in words with their values, the one list every reader of number words
# (the terms of `analysis`, the cues of `cues`, the spans of `spans`) builds on. The numbers in
# between are written with these ("twenty-five", "three hundred", "two million").
ONES = tuple(
    """one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen""".split()
)
TENS = tuple("twenty thirty forty fifty sixty seventy eighty ninety".split())
CARDINALS: dict[str, int] = {
    **{word: value for value, word in enumerate(ONES, start=1)},
    **{word: 10 * value for value, word in enumerate(TENS, start=2)},
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000,
}
# Words of an amount besides the cardinals: plurals ("thousands"), "dozens", "twice", "several".
AMOUNT_WORDS = tuple(
    "hundreds thousands millions billions trillions dozen dozens half twice several few".split()
)

# The calendar, lowercase: months, their abbreviations as dates write them, days of the week.
MONTHS = tuple(
    "january february march april may june july august september october november december".split()
)
MONTH_ABBREVIATIONS = tuple("jan feb mar apr jun jul aug sep sept oct nov dec".split())
DAYS = tuple("monday tuesday wednesday thursday friday saturday sunday".split())

# Pronouns. The ones a question refers back with ("What did he say?"); the personal and
# possessive ones a follow-up's name can stand in for ("her" as "her party", not "met her"); those
# a passage's first sentence refers back with (it then shares the names of the one before); the
# words a sentence opens with when it refers back ("This produces ...", "The latter ...").
PRONOUNS = frozenset(
    "he him his she her hers they them their theirs it its this that these those there".split()
)
PERSONAL_PRONOUNS = tuple("he him she they them it".split())
POSSESSIVE_PRONOUNS = tuple("his her their its".split())
ANAPHORA = frozenset("he she it they his her its their him them this these".split())
REFERRING_OPENINGS = (
    *"this these that those it its they their he his she her such".split(),
    "the latter",
)
# Words that cannot be the thing "What is X?" asks to define ("What is it?", "What is happening?").
NOT_A_THING = frozenset(
    "it this that these those they he she there who what which one ones happening going up wrong".split()
)

# Question words. The words a question is phrased with that say nothing about its topic; the
# question words whose presence the ranker is told of, in the order of its features.
QUESTION_WORDS = frozenset(
    """what which who whom whose when where why how tell know describe explain name list give
    please kind type sort according article text passage mention mentioned happen happens happened
    happening""".split()
)
SAID_QUESTION_WORDS = ("what", "which", "who", "when", "where", "how", "why")

# Everyday verbs: they count less towards what a question asks ("What did Arce want?").
LIGHT_VERBS = frozenset(
    """want wants wanted need needs needed get gets got gotten have has had make makes made take
    takes took taken give gives gave given find finds found use uses used keep keeps kept become
    becomes became go goes went gone come comes came put puts seem seems seemed try tries tried
    mean means meant""".split()
)

# Words that say nothing of a text's topic, in English and in Spanish (articles, pronouns,
# prepositions, conjunctions, the forms of "ser", "estar", "haber" and the question words,
# written without accents: the terms are folded).
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom whose why will with would you your yours yourself also may might must shall us upon
    within without via yet ever even still much many get got s t d ll m o re ve y""".split()
)
SPANISH_STOPWORDS = frozenset(
    """a al algo algun alguna algunas alguno algunos ante antes aquel aquella aquellas aquellos aqui
    asi aun bajo bien cada como con contra cual cuales cualquier cuando cuanta cuantas cuanto
    cuantos de del desde donde dos el ella ellas ello ellos en entre era eran eres es esa esas ese
    eso esos esta estaba estaban estado estan estar estas este esto estos estoy fue fueron fui ha
    habia habian han has hasta hay he la las le les lo los mas me mi mis mucho muchos muy nada ni
    no nos nosotros o os otra otras otro otros para pero poco por porque puede pueden que quien
    quienes se sea sean segun ser si sido siempre sin sino sobre son su sus tal tambien tan tanto
    te tenia tiene tienen toda todas todo todos tras tu tus un una unas uno unos usted ustedes ya
    yo dice dicen articulo texto""".split()
)

# The small words of names. The lowercase words inside a byline's names ("Luis de la Cruz", "Jane
# Roe and John Doe"); the words joining the parts of a name in a sentence ("Ibn Khaldun", "House
# of Commons", "Vasco da Gama").
NAME_PARTICLES = frozenset(
    "de da del della der den di do dos du la le van von y e bin ibn al and & ter zu".split()
)
NAME_JOINERS = frozenset("of de da di del van von der al bin ibn la le du".split())
# The prepositions before a place ("in La Paz"), and the articles.
PLACE_PREPOSITIONS = frozenset(
    "in at from near to into across throughout outside inside around within".split()
)
ARTICLES = frozenset("the a an".split())

# Quantities a question may ask for by name ("What was the price of oil?", "What is the
# population of La Paz?"): sums of money, and other measures.
AMOUNT_NAMES = tuple("price cost budget salary income revenue gdp debt fee fees wage wages".split())
MEASURE_NAMES = (
    *"""population speed velocity height length temperature distance weight mass area depth width
    density altitude elevation size diameter radius volume frequency wavelength capacity""".split(),
    "death toll",
    *"toll rate percentage proportion share fraction portion number amount total sum".split(),
)
# Words that say what someone is, standing before a name ("the ambassador, Philip Goldberg").
ROLE_WORDS = tuple(
    """president ex-president president-elect minister leader candidate ambassador politician
    chief director head official general senator governor secretary founder author king queen
    emperor prince chairman chair mayor judge spokesman spokeswoman commander activist journalist
    businessman writer scientist member ruler dictator pope bishop premier chancellor""".split()
)
