"""Aggressor status: a psychologist's structured judgement of whether the person has committed
domestic violence, and whether the correctional programme for aggressors is open to them.

Items fall in four groups, named in each item's `group`:
- `violence`: committed violence of each form the law on domestic violence names (physical,
  psychological, sexual, economic), its consequences and its official traces. One `yes` here
  confirms the status: any form of domestic violence makes a person an aggressor.
- `risk`: signs of danger that are not in themselves committed violence (threats, weapons,
  stalking, the family's fear, escalation). They make the status potential.
- `readiness`: acknowledgement of responsibility and motivation to change. Recorded for the
  programme's work, never scored: denial is usual at intake and is what the programme works on.
- `contraindication`: conditions the correctional programme cannot treat; one `yes` makes the
  person ineligible and suggests a referral to health services first.
"""
from domain.instruments.registry import first_version

_ITEMS_V1 = (
    # violence: one yes confirms the status
    {"id": "physical_violence", "group": "violence",
     "kk": "Отбасы мүшесіне дене зорлығын қолданған (ұрған, итерген, буындырған және т.б.)",
     "ru": "Применял(а) физическое насилие к члену семьи (удары, толчки, удушение и т. п.)",
     "en": "Has used physical violence against a family member (hitting, pushing, choking…)"},
    {"id": "psychological_violence", "group": "violence",
     "kk": "Отбасы мүшесіне психологиялық зорлық көрсеткен (балағаттау, қорлау, үрейлендіру, үнемі бақылау)",
     "ru": "Применял(а) психологическое насилие к члену семьи (оскорбления, унижение, запугивание, постоянный контроль)",
     "en": "Has used psychological violence against a family member (insults, humiliation, intimidation, constant control)"},
    {"id": "sexual_violence", "group": "violence",
     "kk": "Отбасы мүшесін жыныстық қатынасқа немесе жыныстық әрекеттерге мәжбүрлеген",
     "ru": "Принуждал(а) члена семьи к сексу или сексуальным действиям",
     "en": "Has forced a family member into sex or sexual acts"},
    {"id": "economic_violence", "group": "violence",
     "kk": "Экономикалық зорлық көрсеткен: ақшасын не құжаттарын тартып алған, жұмыс істеуге тыйым салған, отбасын қаражатсыз қалдырған",
     "ru": "Применял(а) экономическое насилие: отбирал(а) деньги или документы, запрещал(а) работать, оставлял(а) семью без средств",
     "en": "Has used economic violence: took money or documents away, forbade work, left the family without means"},
    {"id": "injuries", "group": "violence",
     "kk": "Зорлықтан дене жарақаты болған немесе медициналық көмек қажет болған",
     "ru": "Насилие привело к травмам или потребовало медицинской помощи",
     "en": "The violence caused injuries or needed medical help"},
    {"id": "recorded_incidents", "group": "violence",
     "kk": "Бұрынғы тұрмыстық зорлық оқиғалары тіркелген (полиция шақыру, қорғау нұсқамасы, әкімшілік немесе қылмыстық іс)",
     "ru": "Прежние случаи бытового насилия зарегистрированы (вызовы полиции, защитное предписание, административное или уголовное дело)",
     "en": "Earlier domestic-violence incidents are on record (police call-outs, a protective order, an administrative or criminal case)"},
    {"id": "order_breach", "group": "violence",
     "kk": "Қорғау нұсқамасын, соттың тыйымын немесе белгіленген ерекше талаптарды бұзған",
     "ru": "Нарушал(а) защитное предписание, запрет суда или установленные особые требования",
     "en": "Has broken a protective order, a court ban or special requirements set for them"},
    # risk: one yes, with no violence confirmed, makes the status potential
    {"id": "threats", "group": "risk",
     "kk": "Отбасы мүшесіне зиян келтіремін немесе өлтіремін деп қорқытқан",
     "ru": "Угрожал(а) причинить вред члену семьи или убить",
     "en": "Has threatened to harm or kill a family member"},
    {"id": "weapons", "group": "risk",
     "kk": "Қаруы бар немесе біреуді қарумен не затпен қорқытқан",
     "ru": "Имеет доступ к оружию или угрожал(а) оружием либо предметом",
     "en": "Has a weapon at hand, or has threatened someone with a weapon or an object"},
    {"id": "stalking", "group": "risk",
     "kk": "Серіктесін (бұрынғы серіктесін) немесе отбасы мүшесін оның еркінен тыс аңдиды, бақылайды немесе үнемі хабарласады",
     "ru": "Преследует, выслеживает или постоянно ищет контакта с (бывшим) партнёром или членом семьи против их воли",
     "en": "Follows, watches or keeps contacting a (former) partner or family member against their will"},
    {"id": "victims_fear", "group": "risk",
     "kk": "Отбасы мүшелері одан қорқатынын айтады",
     "ru": "Члены семьи говорят, что боятся его (её)",
     "en": "Family members say they are afraid of them"},
    {"id": "escalation", "group": "risk",
     "kk": "Соңғы кезде үйдегі жанжалдар жиілеп немесе ушығып кеткен",
     "ru": "В последнее время ссоры дома стали чаще или острее",
     "en": "Conflicts at home have become more frequent or more serious lately"},
    # readiness: recorded, never scored
    {"id": "acknowledges_responsibility", "group": "readiness",
     "kk": "Зорлық үшін жауапкершілікті мойындайды, кінәні зардап шеккендерге аудармайды",
     "ru": "Признаёт ответственность за насилие, не перекладывая вину на пострадавших",
     "en": "Acknowledges responsibility for the violence without blaming those harmed"},
    {"id": "motivated_to_change", "group": "readiness",
     "kk": "Өз мінез-құлқын өзгерткісі келеді және осы бағытта жұмыс істеуге келіседі",
     "ru": "Хочет изменить своё поведение и согласен(на) работать над этим",
     "en": "Wants to change their behaviour and agrees to work on it"},
    # contraindications for the correctional programme
    {"id": "alcohol_dependence", "group": "contraindication", "contraindication": True,
     "kk": "Алкогольге тәуелділік (диагноз қойылған немесе анық байқалады)",
     "ru": "Алкогольная зависимость (диагностирована или явно выражена)",
     "en": "Alcohol dependence (diagnosed or plainly evident)"},
    {"id": "drug_dependence", "group": "contraindication", "contraindication": True,
     "kk": "Есірткіге тәуелділік (диагноз қойылған немесе анық байқалады)",
     "ru": "Наркотическая зависимость (диагностирована или явно выражена)",
     "en": "Drug dependence (diagnosed or plainly evident)"},
    {"id": "gambling_addiction", "group": "contraindication", "contraindication": True,
     "kk": "Құмар ойындарға тәуелділік",
     "ru": "Игровая зависимость (лудомания)",
     "en": "Gambling addiction"},
    {"id": "acute_psychiatric_condition", "group": "contraindication", "contraindication": True,
     "kk": "Жедел психикалық жағдай (мысалы, психоз, ауыр депрессия, өзіне қол жұмсау қаупі)",
     "ru": "Острое психическое состояние (например, психоз, тяжёлая депрессия, острый суицидальный риск)",
     "en": "An acute psychiatric condition (e.g. psychosis, severe depression, acute suicide risk)"},
)

INSTRUMENT = {
    "code": "aggressor_status",
    "title": {
        "kk": "Зорлық көрсетушінің мәртебесін бағалау",
        "ru": "Оценка статуса агрессора",
        "en": "Aggressor status assessment",
    },
    "subject_roles": ("aggressor",),
    "versions": (first_version(_ITEMS_V1, scoring={
        "method": "status",
        "description": (
            "confirmed when any item of the group 'violence' is yes; otherwise potential when "
            "any item of the group 'risk' is yes; otherwise not_established. The score is the "
            "number of yes among the 'violence' and 'risk' items; 'readiness' items are not "
            "scored. An unknown answer counts neither way: the result is complete only when "
            "every unknown answered yes would leave the status unchanged. programme_eligible "
            "is false when any contraindication is yes (suggested referral: health), null "
            "when none is yes but one is unknown, true when all are no."
        ),
        "confirmed_if_any_yes": "violence",
        "potential_if_any_yes": "risk",
        "ineligible_referral": "health",
        "levels": (
            {"code": "not_established",
             "kk": "Мәртебесі анықталмаған", "ru": "Статус не установлен", "en": "Not established"},
            {"code": "potential",
             "kk": "Ықтимал зорлық көрсетуші", "ru": "Потенциальный агрессор", "en": "Potential aggressor"},
            {"code": "confirmed",
             "kk": "Зорлық көрсетуші екені расталған", "ru": "Агрессор (статус подтверждён)",
             "en": "Confirmed aggressor"},
        ),
    }),),
}
