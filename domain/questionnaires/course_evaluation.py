"""The evaluation of a course or training by its participants at the end (parent courses, group
programmes, webinars for professionals): "98% rated the course 5 of 5" is the share of top answers
of its first item."""

_POOR = {"kk": "Өте нашар", "ru": "Очень плохо", "en": "Very poor"}
_EXCELLENT = {"kk": "Өте жақсы", "ru": "Отлично", "en": "Excellent"}

_ITEMS_V1 = (
    {"id": "overall", "type": "scale", "min": 1, "max": 5, "low": _POOR, "high": _EXCELLENT,
     "kk": "Курсты жалпы қалай бағалайсыз?", "ru": "Как вы в целом оцениваете курс?",
     "en": "How do you rate the course overall?"},
    {"id": "trainers", "type": "scale", "min": 1, "max": 5, "low": _POOR, "high": _EXCELLENT,
     "kk": "Тренерлердің жұмысын қалай бағалайсыз?", "ru": "Как вы оцениваете работу тренеров?",
     "en": "How do you rate the trainers?"},
    {"id": "useful", "type": "scale", "min": 1, "max": 5,
     "low": {"kk": "Пайдасы жоқ", "ru": "Бесполезно", "en": "Not useful"},
     "high": {"kk": "Өте пайдалы", "ru": "Очень полезно", "en": "Very useful"},
     "kk": "Курс сіз үшін қаншалықты пайдалы болды?", "ru": "Насколько курс был полезен для вас?",
     "en": "How useful was the course for you?"},
    {"id": "topics", "type": "multiple", "required": False,
     "options": (
         {"code": "communication", "kk": "Баламен қарым-қатынас", "ru": "Общение с ребёнком",
          "en": "Talking with the child"},
         {"code": "emotions", "kk": "Эмоцияны басқару", "ru": "Управление эмоциями", "en": "Managing emotions"},
         {"code": "discipline", "kk": "Зорлықсыз тәрбие", "ru": "Воспитание без насилия",
          "en": "Discipline without violence"},
         {"code": "stress", "kk": "Стресспен күресу", "ru": "Как справляться со стрессом",
          "en": "Coping with stress"},
     ),
     "kk": "Қай тақырыптар ең пайдалы болды?", "ru": "Какие темы были самыми полезными?",
     "en": "Which topics were the most useful?"},
    {"id": "sessions_attended", "type": "number", "min": 0, "max": 50, "integer": True, "required": False,
     "kk": "Неше сабаққа қатыстыңыз?", "ru": "Сколько занятий вы посетили?", "en": "How many sessions did you attend?"},
    {"id": "will_apply", "type": "yes_no",
     "kk": "Үйренгеніңізді күнделікті өмірде қолданасыз ба?", "ru": "Будете ли вы применять изученное в жизни?",
     "en": "Will you use what you learnt in everyday life?"},
    {"id": "comment", "type": "text", "max_length": 2000,
     "kk": "Ұсыныстарыңыз бен пікірлеріңіз (міндетті емес)", "ru": "Ваши предложения и замечания (необязательно)",
     "en": "Your suggestions and remarks (optional)"},
)

QUESTIONNAIRE = {
    "code": "course_evaluation",
    "kind": "course_evaluation",
    "title": {"kk": "Курсты бағалау парағы", "ru": "Анкета оценки курса", "en": "Course evaluation"},
    "versions": ({"version": "1", "published": "2026-12-01", "items": _ITEMS_V1},),
}
