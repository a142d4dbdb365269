"""Family needs assessment: what a family taken on by the family service needs, on the three sides
of the usual assessment framework (the child's development, the parents' capacity, the family and
its environment), and how great the risk is that the child loses parental care.

Each item names a need or a risk sign; `yes` means it is present. Items fall in four groups:
- `child_development`, `parent_capacity`, `family_environment`: the three sides. Each side's
  score is the number of its needs answered yes (its `max_score` the side's items): a profile of
  where the work lies, with no level of its own.
- `care_loss`: signs that the child may be removed from the family or given up. Their count is
  the care-loss risk score, banded into the levels low, medium and high: the assessment's level.

An unknown answer counts neither way: each side says how many of its answers are unknown, and
the care-loss result is complete only when every unknown answered yes would leave its level as it is.
A needs assessment is always of a case (`needs_case`): the family is the case's persons.
Published versions are records: never edit one, add a new version below it instead.
"""
from domain.instruments.registry import first_version

SIDES = ("child_development", "parent_capacity", "family_environment")
RISK_GROUP = "care_loss"

_ITEMS_V1 = (
    # The child's development
    {"id": "child_health", "group": "child_development",
     "kk": "Баланың денсаулығына қажетті күтім жоқ (ауруы емделмейді, тексеру не екпе өткізіліп алынған)",
     "ru": "Потребности ребёнка в здоровье не удовлетворены (болезнь не лечится, пропущены осмотры или прививки)",
     "en": "The child's health needs are not met (an illness is untreated, check-ups or vaccinations are missed)"},
    {"id": "child_development_delay", "group": "child_development",
     "kk": "Баланың дамуында не сөйлеуінде артта қалу бар, онымен ешкім айналыспайды",
     "ru": "У ребёнка задержка развития или речи, с которой никто не занимается",
     "en": "The child is behind in development or speech, and nobody is working on it"},
    {"id": "child_education", "group": "child_development",
     "kk": "Бала мектепке не балабақшаға бармай жүр немесе оқуда қатты қиналады",
     "ru": "Ребёнок пропускает школу или детский сад либо серьёзно отстаёт в учёбе",
     "en": "The child misses school or kindergarten, or struggles seriously with learning"},
    {"id": "child_emotions_behaviour", "group": "child_development",
     "kk": "Баланың көңіл-күйінде не мінез-құлқында қиындықтар бар (қорқыныш, агрессия, тұйықтық, өзіне зиян келтіру)",
     "ru": "У ребёнка эмоциональные или поведенческие трудности (страхи, агрессия, замкнутость, самоповреждение)",
     "en": "The child shows emotional or behavioural difficulties (fears, aggression, withdrawal, self-harm)"},
    {"id": "child_exposed_to_violence", "group": "child_development",
     "kk": "Бала үйдегі зорлықты көрген немесе өзі зардап шеккен",
     "ru": "Ребёнок был свидетелем насилия дома или сам пострадал от него",
     "en": "The child has witnessed violence at home or has been hurt by it"},
    # The parents' capacity
    {"id": "basic_care", "group": "parent_capacity",
     "kk": "Ата-ана баланың негізгі қажеттіліктерін қамтамасыз етпейді: тамақ, киім, тазалық, қауіпсіз ұйқы орны",
     "ru": "Родители не обеспечивают базовый уход: питание, одежду, гигиену, безопасное место для сна",
     "en": "The parents do not provide basic care: food, clothing, hygiene, a safe place to sleep"},
    {"id": "supervision", "group": "parent_capacity",
     "kk": "Бала жасына сай қараусыз қалады",
     "ru": "Ребёнок остаётся без присмотра, соответствующего его возрасту",
     "en": "The child is left without the supervision their age needs"},
    {"id": "warmth_and_boundaries", "group": "parent_capacity",
     "kk": "Ата-ана балаға жылулық, мақтау не тұрақты шекара сирек көрсетеді; қатал жазалау қолданылады",
     "ru": "Родители редко проявляют тепло, похвалу или последовательные границы; применяются жёсткие наказания",
     "en": "The parents rarely show warmth, praise or steady boundaries; harsh punishment is used"},
    {"id": "parent_substance_misuse", "group": "parent_capacity",
     "kk": "Ата-ананың бірі ішімдікке не есірткіге әуес",
     "ru": "Один из родителей злоупотребляет алкоголем или наркотиками",
     "en": "A parent misuses alcohol or drugs"},
    {"id": "parent_health", "group": "parent_capacity",
     "kk": "Ата-ананың бірінің денсаулығы (дене не психикалық) балаға қарауға кедергі келтіреді",
     "ru": "Физическое или психическое здоровье одного из родителей мешает ему заботиться о ребёнке",
     "en": "A parent's physical or mental health keeps them from caring for the child"},
    # The family and its environment
    {"id": "housing", "group": "family_environment",
     "kk": "Баспана қауіпті, тым тар немесе оны жоғалту қаупі бар",
     "ru": "Жильё небезопасно, перенаселено или под угрозой потери",
     "en": "The home is unsafe, overcrowded or at risk of being lost"},
    {"id": "income", "group": "family_environment",
     "kk": "Отбасының табысы негізгі қажеттіліктерге жетпейді немесе ауыр қарызы бар",
     "ru": "Доходов семьи не хватает на самое необходимое или у неё большие долги",
     "en": "The family's income does not cover basic needs, or it has heavy debts"},
    {"id": "documents_and_benefits", "group": "family_environment",
     "kk": "Отбасы мүшелерінде құжат, тіркеу немесе өздеріне тиесілі жәрдемақы жоқ",
     "ru": "У членов семьи нет документов, регистрации или положенных им пособий",
     "en": "Family members lack identity documents, registration or the benefits they are entitled to"},
    {"id": "support_network", "group": "family_environment",
     "kk": "Отбасының сүйенетін туысы, досы не көршісі жоқ",
     "ru": "Семье не на кого опереться: нет родственников, друзей или соседей, готовых помочь",
     "en": "The family has no relatives, friends or neighbours to rely on"},
    {"id": "violence_between_adults", "group": "family_environment",
     "kk": "Үйдегі ересектер арасында зорлық бар",
     "ru": "Между взрослыми в доме есть насилие",
     "en": "There is violence between the adults at home"},
    # The risk of the child losing parental care
    {"id": "earlier_removal", "group": "care_loss",
     "kk": "Бұл отбасының баласы бұрын отбасынан алынған немесе мекемеге орналастырылған",
     "ru": "Ребёнка из этой семьи ранее изымали или помещали в учреждение",
     "en": "A child of this family has been removed or placed in care before"},
    {"id": "authorities_involved", "group": "care_loss",
     "kk": "Баланың күтіміне байланысты қорғаншылық органы не полиция іске араласып отыр",
     "ru": "Органы опеки или полиция уже занимаются вопросом ухода за ребёнком",
     "en": "The guardianship authority or the police are already involved over the child's care"},
    {"id": "parent_may_give_up", "group": "care_loss",
     "kk": "Ата-ананың бірі баладан бас тартуы не оны мекемеге беруі мүмкін екенін айтқан",
     "ru": "Один из родителей говорил, что может отказаться от ребёнка или отдать его в учреждение",
     "en": "A parent has said they may give the child up or place them in an institution"},
    {"id": "child_left_alone", "group": "care_loss",
     "kk": "Бала тастап кетілген немесе ұзақ уақыт жалғыз қалдырылған",
     "ru": "Ребёнка бросали или надолго оставляли одного",
     "en": "The child has been abandoned or left alone for long periods"},
    {"id": "serious_harm_or_neglect", "group": "care_loss",
     "kk": "Бала үйде қатты зардап шеккен немесе оған мүлдем қаралмаған",
     "ru": "Ребёнок серьёзно пострадал дома или находится в тяжёлом пренебрежении",
     "en": "The child has been seriously harmed or gravely neglected at home"},
    {"id": "no_other_carer", "group": "care_loss",
     "kk": "Ата-ана қарай алмаса, балаға қарайтын басқа туыс жоқ",
     "ru": "Если родители не смогут заботиться о ребёнке, других родственников, готовых это сделать, нет",
     "en": "No other relative could care for the child if the parents cannot"},
    {"id": "refuses_help", "group": "care_loss",
     "kk": "Ата-ана көмектен бас тартады немесе қызметтермен келісімдерін орындамайды",
     "ru": "Родители отказываются от помощи или не выполняют договорённости со службами",
     "en": "The parents refuse help or do not keep their agreements with the services"},
)

INSTRUMENT = {
    "code": "family_needs",
    "title": {
        "kk": "Отбасының қажеттіліктерін бағалау",
        "ru": "Оценка потребностей семьи",
        "en": "Family needs assessment",
    },
    "subject_roles": ("family",),
    "needs_case": True,
    "versions": (first_version(_ITEMS_V1, scoring={
        "method": "sides",
        "description": (
            "Each side (child_development, parent_capacity, family_environment) scores the number "
            "of its items answered yes: the needs present. The care-loss risk score is the number "
            "of 'care_loss' items answered yes; its band is the level (low, medium, high) and the "
            "assessment's level. An unknown answer counts neither way: each side reports its "
            "unknown answers, and the result is complete only when every unknown answered yes "
            "would leave the care-loss level unchanged."
        ),
        "sides": SIDES,
        "risk_group": RISK_GROUP,
        "levels": (
            {"code": "low", "min": 0, "max": 1,
             "kk": "Төмен қауіп", "ru": "Низкий риск", "en": "Low risk"},
            {"code": "medium", "min": 2, "max": 3,
             "kk": "Орташа қауіп", "ru": "Средний риск", "en": "Medium risk"},
            {"code": "high", "min": 4, "max": 7,
             "kk": "Жоғары қауіп", "ru": "Высокий риск", "en": "High risk"},
        ),
    }),),
}
