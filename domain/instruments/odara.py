"""ODARA: the 13 items of the Ontario Domestic Assault Risk Assessment, filled in by a
professional about the person who assaulted a partner, from records and from the victim.

The items, the score (one point per item present) and the recidivism rate of each score bin
follow the published instrument; the short wording of each item is our own. The "index
incident" is the assault that brought the case to us. ODARA's own manual prorates missing
items; we do not: an unknown item is reported as unknown and marks the bin as not final.
ODARA was built on and is validated for men who assaulted a female partner, so the Russian
wording speaks of him and of her.
"""
from domain.instruments.registry import first_version

_ITEMS_V1 = (
    {"id": "prior_domestic_incident",
     "kk": "Полиция немесе сот құжаттарында серіктесіне не оның балаларына қатысты бұрынғы тұрмыстық зорлық оқиғасы бар",
     "ru": "В полицейских или судебных документах есть прежний случай бытового насилия против партнёра или его детей",
     "en": "An earlier domestic incident against a partner or the partner's children is in police or court records"},
    {"id": "prior_non_domestic_incident",
     "kk": "Құжаттарда отбасынан тыс адамдарға қатысты бұрынғы зорлық оқиғасы бар",
     "ru": "В документах есть прежний случай насилия вне семьи",
     "en": "An earlier violent incident outside the family is on record"},
    {"id": "prior_custody",
     "kk": "Бұрын 30 күн немесе одан ұзақ мерзімге бас бостандығынан айырылған",
     "ru": "Ранее отбывал лишение свободы сроком 30 дней или больше",
     "en": "Has served a custodial sentence of 30 days or more before"},
    {"id": "conditional_release_failure",
     "kk": "Бұрын шартты түрде босатылғанда талаптарды бұзған: шарттарды орындамаған, жаңа құқықбұзушылық жасаған немесе сотқа келмеген",
     "ru": "Ранее нарушал условия освобождения: не выполнял условия, совершил новое правонарушение или не явился в суд",
     "en": "Has failed on a conditional release before: broke its conditions, offended again or did not appear in court"},
    {"id": "index_threat",
     "kk": "Осы оқиға кезінде біреуге зиян келтіремін немесе өлтіремін деп қорқытқан",
     "ru": "Во время этого случая угрожал причинить вред или убить кого-либо",
     "en": "Threatened to harm or kill anyone during this incident"},
    {"id": "index_confinement",
     "kk": "Осы оқиға кезінде зардап шегушіні ұстап тұрған немесе кетуге жібермеген",
     "ru": "Во время этого случая удерживал пострадавшую или не давал ей уйти",
     "en": "Held the victim or kept them from leaving during this incident"},
    {"id": "victim_concern",
     "kk": "Зардап шегуші алдағы уақытта тағы шабуыл болады деп қауіптенеді",
     "ru": "Пострадавшая опасается новых нападений в будущем",
     "en": "The victim fears more assaults in the future"},
    {"id": "more_than_one_child",
     "kk": "Жалпы алғанда бірден көп бала бар (екі серіктестің де, осы және бұрынғы қарым-қатынастан)",
     "ru": "Всего детей больше одного (у обоих партнёров, от этих и прежних отношений)",
     "en": "More than one child in all (either partner's, from this or earlier relationships)"},
    {"id": "victim_child_other_partner",
     "kk": "Зардап шегушінің бұрынғы серіктесінен туған баласы бар",
     "ru": "У пострадавшей есть родной ребёнок от другого партнёра",
     "en": "The victim has a child of their own with another partner"},
    {"id": "violence_against_others",
     "kk": "Серіктесінен басқа адамдарға зорлық көрсеткені белгілі",
     "ru": "Известно о насилии против других людей, не партнёра",
     "en": "Known violence against people other than the partner"},
    {"id": "substance_abuse",
     "kk": "Ішімдік немесе есірткі тәуелділігінің кемінде үш белгісі бар",
     "ru": "Есть не менее трёх признаков злоупотребления алкоголем или наркотиками",
     "en": "At least three signs of alcohol or drug abuse"},
    {"id": "assault_when_pregnant",
     "kk": "Зардап шегушіге ол жүкті кезінде шабуыл жасаған",
     "ru": "Нападал на пострадавшую во время её беременности",
     "en": "Assaulted the victim while she was pregnant"},
    {"id": "barriers_to_support",
     "kk": "Зардап шегушінің көмек алуына кедергі бар: үйде 18-ге толмаған балалар, телефон не көлік жоқ, алыс тұрады немесе өзі ішімдік не есірткі қолданады",
     "ru": "Пострадавшей трудно получить помощь: дома дети до 18 лет, нет телефона или транспорта, живёт далеко или сама употребляет алкоголь или наркотики",
     "en": "The victim faces barriers to support: children under 18 at home, no phone or transport, lives far away, or uses alcohol or drugs"},
)


def _bin(code: str, low: int, high: int, rate: float) -> dict:
    """One score bin; the label says its rate, so a screen needs no arithmetic."""
    percent = round(rate * 100)
    return {
        "code": code, "min": low, "max": high, "recidivism_rate": rate,
        "kk": f"Балл саны {code}: шабуылдың қайталану ықтималдығы {percent}%",
        "ru": f"Сумма баллов {code}: вероятность повторного нападения {percent}%",
        "en": f"Score {code}: {percent}% likelihood of another assault",
    }


INSTRUMENT = {
    "code": "odara",
    "title": {
        "kk": "Тұрмыстық шабуылдың қайталану қаупін бағалау (ODARA)",
        "ru": "Оценка риска повторного домашнего нападения (ODARA)",
        "en": "Ontario Domestic Assault Risk Assessment (ODARA)",
    },
    "subject_roles": ("aggressor",),
    "versions": (first_version(_ITEMS_V1, scoring={
        "method": "count_yes",
        "description": (
            "The score is the number of items answered yes (0-13); the level is the score's "
            "bin, which carries the share of men in the development sample who assaulted a "
            "partner again. An unknown answer counts neither way: the result is complete only "
            "when every unknown answered yes would leave the bin unchanged."
        ),
        "levels": (
            _bin("0", 0, 0, 0.05),
            _bin("1", 1, 1, 0.10),
            _bin("2", 2, 2, 0.20),
            _bin("3", 3, 3, 0.27),
            _bin("4", 4, 4, 0.41),
            _bin("5-6", 5, 6, 0.59),
            _bin("7-13", 7, 13, 0.70),
        ),
    }),),
}
