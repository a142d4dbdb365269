"""Feedback after a consultation (helpline, family service, psychologist): short enough to answer on a
phone right after, with nothing that identifies the person. Handed out as a link or a QR code."""

_LOW = {"kk": "Мүлде қанағаттанбадым", "ru": "Совсем не удовлетворён(а)", "en": "Not at all satisfied"}
_HIGH = {"kk": "Толық қанағаттандым", "ru": "Полностью удовлетворён(а)", "en": "Fully satisfied"}

_ITEMS_V1 = (
    {"id": "satisfied", "type": "scale", "min": 1, "max": 5, "low": _LOW, "high": _HIGH,
     "kk": "Кеңеске жалпы қаншалықты қанағаттандыңыз?",
     "ru": "Насколько вы в целом удовлетворены консультацией?",
     "en": "How satisfied are you with the consultation overall?"},
    {"id": "listened", "type": "scale", "min": 1, "max": 5,
     "low": {"kk": "Мүлде жоқ", "ru": "Совсем нет", "en": "Not at all"},
     "high": {"kk": "Толығымен", "ru": "Полностью", "en": "Completely"},
     "kk": "Сізді мұқият тыңдап, түсінді ме?",
     "ru": "Вас внимательно выслушали и поняли?",
     "en": "Were you listened to carefully and understood?"},
    {"id": "helped", "type": "single",
     "options": (
         {"code": "yes", "kk": "Иә, толық", "ru": "Да, полностью", "en": "Yes, fully"},
         {"code": "partly", "kk": "Ішінара", "ru": "Частично", "en": "Partly"},
         {"code": "no", "kk": "Жоқ", "ru": "Нет", "en": "No"},
     ),
     "kk": "Кеңес сізге көмектесті ме?", "ru": "Помогла ли вам консультация?", "en": "Did the consultation help you?"},
    {"id": "what_helped", "type": "multiple", "required": False,
     "options": (
         {"code": "information", "kk": "Ақпарат пен түсіндірме", "ru": "Информация и разъяснения",
          "en": "Information and explanations"},
         {"code": "support", "kk": "Эмоциялық қолдау", "ru": "Эмоциональная поддержка", "en": "Emotional support"},
         {"code": "safety_plan", "kk": "Қауіпсіздік жоспары", "ru": "План безопасности", "en": "A safety plan"},
         {"code": "referral", "kk": "Басқа қызметке жолдау", "ru": "Направление в другую службу",
          "en": "A referral to another service"},
     ),
     "kk": "Не көмектесті? (бірнешеуін таңдауға болады)", "ru": "Что помогло? (можно выбрать несколько)",
     "en": "What helped? (choose any)"},
    {"id": "own_language", "type": "yes_no",
     "kk": "Кеңес сізге ыңғайлы тілде өтті ме?", "ru": "Консультация прошла на удобном для вас языке?",
     "en": "Was the consultation in a language you are comfortable with?"},
    {"id": "recommend", "type": "yes_no",
     "kk": "Бізді танысыңызға ұсынар ма едіңіз?", "ru": "Порекомендовали бы вы нас знакомым?",
     "en": "Would you recommend us to someone you know?"},
    {"id": "comment", "type": "text", "max_length": 2000,
     "kk": "Тағы не айтқыңыз келеді? (міндетті емес; атыңызды жазбаңыз)",
     "ru": "Что ещё вы хотели бы сказать? (необязательно; не пишите своё имя)",
     "en": "Anything else you would like to tell us? (optional; please do not write your name)"},
)

QUESTIONNAIRE = {
    "code": "consultation_feedback",
    "kind": "consultation_feedback",
    "title": {"kk": "Кеңес туралы пікір", "ru": "Отзыв о консультации", "en": "Feedback on the consultation"},
    "versions": ({"version": "1", "published": "2026-12-01", "items": _ITEMS_V1},),
}
