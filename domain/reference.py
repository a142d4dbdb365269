"""Reference code lists: stable codes with labels in Kazakh, Russian and English.

Codes are stored in records and events and never change; labels may be reworded at any time.
Each list is kept in display order. Labels are written the way a Kazakhstani social-services
professional would read them on screen and in reports to ministries.
"""
from dataclasses import dataclass, field
from types import MappingProxyType

LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Code:
    code: str
    kk: str
    ru: str
    en: str
    # Extra attributes of a code, e.g. {"non_data": True}; plain JSON values only.
    attributes: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        # A private copy, so constants shared between codes cannot leak changes into each other.
        object.__setattr__(self, "attributes", dict(self.attributes))

    def label(self, language: str) -> str:
        """The label in the given language; English for a language the lists are not written in."""
        return getattr(self, language if language in LANGUAGES else DEFAULT_LANGUAGE)

    @property
    def labels(self) -> dict[str, str]:
        return {language: getattr(self, language) for language in LANGUAGES}


NON_DATA = {"non_data": True}
DATA = {"non_data": False}
REGION = {"kind": "region"}
CITY = {"kind": "city"}  # cities of republican significance
OTHER_PLACE = {"kind": "other"}
GBVIMS = {"gbvims": True}
NOT_GBVIMS = {"gbvims": False}


def _ages(min_age: int, max_age: int | None) -> dict:
    return {"min_age": min_age, "max_age": max_age}


_LISTS: dict[str, tuple[Code, ...]] = {
    "services": (
        Code("helpline", "Тәулік бойы жұмыс істейтін ұлттық сенім телефоны",
             "Круглосуточный национальный телефон доверия", "National 24/7 helpline"),
        Code("family_service", "Дағдарыс орталығының отбасы қызметі: бетпе-бет және онлайн кеңестер",
             "Служба семьи кризисного центра: очные и онлайн-консультации",
             "Crisis centre family service: in-person and online consultations"),
    ),
    "channels": (
        Code("phone", "Телефон қоңырауы", "Телефонный звонок", "Phone call"),
        Code("whatsapp", "WhatsApp мессенджері", "Мессенджер WhatsApp", "WhatsApp"),
        Code("telegram", "Telegram мессенджері", "Мессенджер Telegram", "Telegram"),
        Code("web_chat", "Сайттағы чат", "Чат на сайте", "Web chat"),
        Code("email", "Электрондық пошта", "Электронная почта", "Email"),
        Code("sms", "SMS-хабарлама", "SMS-сообщение", "SMS / text message"),
        Code("in_person", "Жеке келу", "Личное обращение", "In person"),
        Code("video", "Бейнебайланыс", "Видеосвязь", "Video call"),
    ),
    "contact_types": (
        Code("counselling", "Кеңес беру", "Консультирование", "Counselling", DATA),
        Code("information", "Ақпарат сұрау", "Запрос информации", "Information request", DATA),
        Code("silent", "Үнсіз абонент", "Молчащий абонент", "Silent contact", NON_DATA),
        Code("hang_up", "Байланыс үзілді", "Сброс или обрыв связи", "Hang-up", NON_DATA),
        Code("prank", "Бұзақылық қоңырау", "Хулиганский звонок", "Prank contact", NON_DATA),
        Code("wrong_number", "Қате нөмір", "Ошиблись номером", "Wrong number", NON_DATA),
        Code("abusive", "Дөрекі, қорлайтын өтініш", "Оскорбительное обращение", "Abusive contact", NON_DATA),
        Code("repeat_caller", "Жаңа сұраусыз қайталама өтініш", "Повторное обращение без нового запроса",
             "Repeat caller (no new request)", NON_DATA),
    ),
    "caller_roles": (
        Code("victim", "Зардап шеккен адам", "Пострадавший (пострадавшая)", "Victim / survivor"),
        Code("aggressor", "Зорлық-зомбылық көрсетуші", "Агрессор", "Perpetrator"),
        Code("witness", "Куә", "Свидетель", "Witness"),
        Code("potential_victim", "Ықтимал зардап шегуші", "Потенциальная жертва", "Potential victim"),
        Code("relative", "Туысы", "Родственник", "Relative"),
        Code("professional", "Маман", "Специалист", "Professional"),
        Code("other", "Басқа адам", "Иное лицо", "Other"),
        Code("unknown", "Белгісіз", "Неизвестно", "Unknown"),
    ),
    "genders": (
        Code("female", "Әйел", "Женский", "Female"),
        Code("male", "Ер", "Мужской", "Male"),
        Code("other", "Басқа", "Другой", "Other"),
        Code("unknown", "Белгісіз", "Не указан", "Unknown"),
    ),
    "age_groups": (
        Code("under_14", "14 жасқа дейін", "до 14 лет", "Under 14", _ages(0, 13)),
        Code("14_17", "14–17 жас", "14–17 лет", "14–17 years", _ages(14, 17)),
        Code("18_24", "18–24 жас", "18–24 лет", "18–24 years", _ages(18, 24)),
        Code("25_34", "25–34 жас", "25–34 лет", "25–34 years", _ages(25, 34)),
        Code("35_44", "35–44 жас", "35–44 лет", "35–44 years", _ages(35, 44)),
        Code("45_59", "45–59 жас", "45–59 лет", "45–59 years", _ages(45, 59)),
        Code("60_plus", "60 жас және одан үлкен", "60 лет и старше", "60 and over", _ages(60, None)),
        Code("unknown", "Жасы белгісіз", "Возраст неизвестен", "Unknown"),
    ),
    "regions": (
        Code("abai", "Абай облысы", "область Абай", "Abai Region", REGION),
        Code("akmola", "Ақмола облысы", "Акмолинская область", "Akmola Region", REGION),
        Code("aktobe", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region", REGION),
        Code("almaty_region", "Алматы облысы", "Алматинская область", "Almaty Region", REGION),
        Code("atyrau", "Атырау облысы", "Атырауская область", "Atyrau Region", REGION),
        Code("east_kazakhstan", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область",
             "East Kazakhstan Region", REGION),
        Code("jambyl", "Жамбыл облысы", "Жамбылская область", "Zhambyl Region", REGION),
        Code("jetisu", "Жетісу облысы", "область Жетісу", "Zhetisu Region", REGION),
        Code("karaganda", "Қарағанды облысы", "Карагандинская область", "Karaganda Region", REGION),
        Code("kostanay", "Қостанай облысы", "Костанайская область", "Kostanay Region", REGION),
        Code("kyzylorda", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region", REGION),
        Code("mangystau", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region", REGION),
        Code("north_kazakhstan", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область",
             "North Kazakhstan Region", REGION),
        Code("pavlodar", "Павлодар облысы", "Павлодарская область", "Pavlodar Region", REGION),
        Code("turkistan", "Түркістан облысы", "Туркестанская область", "Turkistan Region", REGION),
        Code("ulytau", "Ұлытау облысы", "область Ұлытау", "Ulytau Region", REGION),
        Code("west_kazakhstan", "Батыс Қазақстан облысы", "Западно-Казахстанская область",
             "West Kazakhstan Region", REGION),
        Code("astana", "Астана қаласы", "г. Астана", "Astana city", CITY),
        Code("almaty", "Алматы қаласы", "г. Алматы", "Almaty city", CITY),
        Code("shymkent", "Шымкент қаласы", "г. Шымкент", "Shymkent city", CITY),
        Code("outside_kazakhstan", "Қазақстаннан тыс жерде", "За пределами Казахстана",
             "Outside Kazakhstan", OTHER_PLACE),
        Code("unknown", "Белгісіз", "Неизвестно", "Unknown", OTHER_PLACE),
    ),
    "settlement_types": (
        Code("urban", "Қалалық жер", "Городская местность", "Urban area"),
        Code("rural", "Ауылдық жер", "Сельская местность", "Rural area"),
        Code("unknown", "Белгісіз", "Неизвестно", "Unknown"),
    ),
    "languages": (
        Code("kk", "қазақ тілі", "казахский", "Kazakh"),
        Code("ru", "орыс тілі", "русский", "Russian"),
        Code("en", "ағылшын тілі", "английский", "English"),
        Code("uz", "өзбек тілі", "узбекский", "Uzbek"),
        Code("other", "басқа тіл", "другой язык", "Other language"),
    ),
    "categories": (
        Code("rape", "Зорлау", "Изнасилование", "Rape", GBVIMS),
        Code("sexual_assault", "Сексуалдық сипаттағы зорлық әрекеттері",
             "Насильственные действия сексуального характера", "Sexual assault", GBVIMS),
        Code("physical_assault", "Физикалық зорлық-зомбылық", "Физическое насилие", "Physical assault", GBVIMS),
        Code("forced_marriage", "Мәжбүрлі неке", "Принудительный брак", "Forced marriage", GBVIMS),
        Code("denial_of_resources", "Ресурстардан, мүмкіндіктерден немесе қызметтерден айыру",
             "Лишение ресурсов, возможностей или услуг",
             "Denial of resources, opportunities or services", GBVIMS),
        Code("psychological_abuse", "Психологиялық зорлық-зомбылық", "Психологическое насилие",
             "Psychological / emotional abuse", GBVIMS),
        Code("stalking", "Аңду және қудалау", "Преследование (сталкинг)", "Stalking", NOT_GBVIMS),
        Code("economic_violence", "Экономикалық зорлық-зомбылық", "Экономическое насилие",
             "Economic violence", NOT_GBVIMS),
        Code("child_abuse", "Балаға қатыгездік көрсету", "Жестокое обращение с ребёнком", "Child abuse", NOT_GBVIMS),
        Code("child_neglect", "Баланың қажеттіліктерін елемеу", "Пренебрежение нуждами ребёнка",
             "Child neglect", NOT_GBVIMS),
        Code("suicidal_ideation", "Өз-өзіне қол жұмсау туралы ойлар", "Суицидальные мысли",
             "Suicidal ideation", NOT_GBVIMS),
        Code("self_harm", "Өзіне зиян келтіру", "Самоповреждение", "Self-harm", NOT_GBVIMS),
        Code("mental_health", "Психикалық денсаулық", "Психическое здоровье", "Mental health", NOT_GBVIMS),
        Code("family_conflict", "Отбасылық жанжал", "Семейный конфликт", "Family conflict", NOT_GBVIMS),
        Code("information_request", "Ақпарат сұрау", "Запрос информации", "Information request", NOT_GBVIMS),
        Code("other", "Басқа", "Другое", "Other", NOT_GBVIMS),
    ),
    "risk_flags": (
        Code("immediate_danger", "Тікелей қауіп", "Непосредственная опасность", "Immediate danger"),
        Code("suicidal_ideation", "Өз-өзіне қол жұмсау туралы ойлар", "Суицидальные мысли", "Suicidal ideation"),
        Code("self_harm", "Өзіне зиян келтіру", "Самоповреждение", "Self-harm"),
        Code("weapon", "Қарудың болуы немесе қолданылуы", "Наличие или применение оружия",
             "Weapon present or used"),
        Code("children_at_risk", "Балаларға қауіп төнуде", "Дети в опасности", "Children at risk"),
        Code("threats_to_kill", "Кісі өлтіремін деп қорқыту", "Угрозы убийством", "Threats to kill"),
        Code("strangulation", "Тұншықтыру", "Удушение", "Strangulation"),
        Code("injury", "Дене жарақаттары", "Телесные повреждения", "Injury"),
        Code("pregnancy", "Жүктілік", "Беременность", "Pregnancy"),
    ),
    "outcomes": (
        Code("information_given", "Ақпарат берілді", "Предоставлена информация", "Information given"),
        Code("psychological_support", "Психологиялық қолдау көрсетілді", "Оказана психологическая поддержка",
             "Psychological support provided"),
        Code("safety_planning", "Қауіпсіздік жоспары құрылды", "Составлен план безопасности",
             "Safety plan developed"),
        Code("referral_made", "Тиісті қызметке жолдама берілді", "Выдано направление в профильную службу",
             "Referral made"),
        Code("emergency_services_called", "Шұғыл қызметтер шақырылды", "Вызваны экстренные службы",
             "Emergency services called"),
        Code("follow_up_planned", "Қайта байланыс жоспарланды", "Запланирован повторный контакт",
             "Follow-up planned"),
        Code("other", "Басқа", "Другое", "Other"),
    ),
    "consent_kinds": (
        Code("services", "Қызметтер алуға және жолдама беруге келісім",
             "Согласие на получение услуг и перенаправление",
             "Consent to receive services and to be referred"),
        Code("reporting", "Есептер мен статистикада ескерілуге келісім",
             "Согласие на учёт в отчётах и статистике",
             "Consent to be counted in reports and statistics"),
    ),
    "referral_sources": (
        Code("helpline", "Сенім телефоны", "Телефон доверия", "Helpline"),
        Code("police", "Полиция", "Полиция", "Police"),
        Code("crisis_centre", "Дағдарыс орталығы", "Кризисный центр", "Crisis centre"),
        Code("court", "Сот", "Суд", "Court"),
        Code("guardianship", "Қорғаншылық және қамқоршылық органы", "Орган опеки и попечительства",
             "Guardianship authority"),
        Code("self", "Өз бетінше жүгінді", "Самообращение", "Self-referral"),
        Code("health", "Денсаулық сақтау ұйымы", "Организация здравоохранения", "Health facility"),
        Code("education", "Білім беру ұйымы", "Организация образования", "Educational institution"),
        Code("ngo", "Үкіметтік емес ұйым (ҮЕҰ)", "Неправительственная организация (НПО)",
             "Non-governmental organisation (NGO)"),
        Code("other", "Басқа", "Другое", "Other"),
    ),
    "referral_targets": (
        Code("family_service", "Отбасы қызметі", "Служба семьи", "Family service"),
        Code("crisis_centre", "Дағдарыс орталығы", "Кризисный центр", "Crisis centre"),
        Code("police", "Полиция", "Полиция", "Police"),
        Code("health", "Медициналық көмек", "Медицинская помощь", "Health services"),
        Code("legal_aid", "Заң көмегі", "Юридическая помощь", "Legal aid"),
        Code("shelter", "Уақытша баспана", "Временное убежище (приют)", "Shelter"),
        Code("social_services", "Әлеуметтік қызметтер", "Социальные службы", "Social services"),
    ),
    "urgencies": (
        Code("routine", "Жоспарлы", "Плановый", "Routine"),
        Code("urgent", "Шұғыл", "Срочный", "Urgent"),
        Code("emergency", "Төтенше", "Экстренный", "Emergency"),
    ),
    "consultation_formats": (
        Code("in_person", "Бетпе-бет", "Очно", "In person"),
        Code("online", "Онлайн", "Онлайн", "Online"),
    ),
    "staff_roles": (
        Code("consultant", "Консультант", "Консультант", "Consultant"),
        Code("psychologist", "Психолог", "Психолог", "Psychologist"),
        Code("supervisor", "Супервайзер", "Супервайзер", "Supervisor"),
        Code("admin", "Әкімші", "Администратор", "Administrator"),
    ),
}


def _checked(lists: dict[str, tuple[Code, ...]]) -> dict[str, tuple[Code, ...]]:
    """Refuses to load broken reference data: a typo here would silently corrupt statistics."""
    for list_name, entries in lists.items():
        seen = [entry.code for entry in entries]
        if len(seen) != len(set(seen)):
            raise ValueError(f"Duplicate code in reference list {list_name!r}.")
        for entry in entries:
            for language in LANGUAGES:
                text = getattr(entry, language)
                if not isinstance(text, str) or not text.strip() or text != text.strip():
                    raise ValueError(f"Bad {language} label for {list_name}.{entry.code}.")
            if {"code", "labels"} & set(entry.attributes):
                raise ValueError(f"Reserved attribute name in {list_name}.{entry.code}.")
    return lists


CODE_LISTS: "MappingProxyType[str, tuple[Code, ...]]" = MappingProxyType(_checked(_LISTS))
_INDEX = MappingProxyType({
    list_name: MappingProxyType({entry.code: entry for entry in entries})
    for list_name, entries in CODE_LISTS.items()
})


def codes(list_name: str) -> tuple[str, ...]:
    """The codes of one list in display order; KeyError on an unknown list."""
    return tuple(_INDEX[list_name])


def get(list_name: str, code: str) -> Code:
    """One code of one list; KeyError on an unknown list or code."""
    return _INDEX[list_name][code]


def as_json() -> dict:
    """All lists as plain JSON values, for clients and report generators."""
    return {
        list_name: [
            {"code": entry.code, "labels": entry.labels, **entry.attributes} for entry in entries
        ]
        for list_name, entries in CODE_LISTS.items()
    }
