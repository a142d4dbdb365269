"""A questionnaire's analysis as an XLSX workbook or a PDF report, in Kazakh, Russian or English.

XLSX: a bold, frozen header row on each sheet, columns wide enough to read, numbers stored as numbers
(percentages as numbers of percent). PDF: DejaVu Sans (Debian's fonts-dejavu-core), which has every
Kazakh and Russian letter; a report without that font installed is refused rather than printed wrong.
Free texts are in both when given (the analysis is for supervisors only).
"""
import io
from dataclasses import dataclass
from pathlib import Path

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))

WORDS = {
    "summary": {"kk": "Қорытынды", "ru": "Итоги", "en": "Summary"},
    "items": {"kk": "Сұрақтар", "ru": "Вопросы", "en": "Items"},
    "pairs": {"kk": "Қатысушылар", "ru": "Участники", "en": "Participants"},
    "texts": {"kk": "Пікірлер", "ru": "Комментарии", "en": "Free text"},
    "figure": {"kk": "Көрсеткіш", "ru": "Показатель", "en": "Figure"},
    "value": {"kk": "Мәні", "ru": "Значение", "en": "Value"},
    "period": {"kk": "Кезең", "ru": "Период", "en": "Period"},
    "responses": {"kk": "Жауаптар саны", "ru": "Число ответов", "en": "Responses"},
    "via_link": {"kk": "Сілтеме арқылы", "ru": "По ссылке", "en": "Through a link"},
    "by_staff": {"kk": "Маман енгізген", "ru": "Внесено специалистом", "en": "Entered by staff"},
    "top_share": {"kk": "Ең жоғары баға үлесі, %", "ru": "Доля высших оценок, %", "en": "Top answers, %"},
    "item": {"kk": "Сұрақ", "ru": "Вопрос", "en": "Item"},
    "answer": {"kk": "Жауап", "ru": "Ответ", "en": "Answer"},
    "count": {"kk": "Саны", "ru": "Количество", "en": "Count"},
    "percent": {"kk": "%", "ru": "%", "en": "%"},
    "mean": {"kk": "Орташа", "ru": "Среднее", "en": "Mean"},
    "answered": {"kk": "Жауап бергендер", "ru": "Ответили", "en": "Answered"},
    "participant": {"kk": "Қатысушы коды", "ru": "Код участника", "en": "Participant"},
    "pre": {"kk": "Курсқа дейін", "ru": "До курса", "en": "Before"},
    "post": {"kk": "Курстан кейін", "ru": "После курса", "en": "After"},
    "change": {"kk": "Өзгеріс", "ru": "Изменение", "en": "Change"},
    "mean_pre": {"kk": "Орташа балл курсқа дейін", "ru": "Средний балл до курса", "en": "Mean score before"},
    "mean_post": {"kk": "Орташа балл курстан кейін", "ru": "Средний балл после курса", "en": "Mean score after"},
    "change_percent": {"kk": "Өзгеріс, %", "ru": "Изменение, %", "en": "Change, %"},
    "paired": {"kk": "Жұпталған қатысушылар", "ru": "Участники с обоими тестами", "en": "Participants paired"},
    "date": {"kk": "Күні", "ru": "Дата", "en": "Date"},
    "text": {"kk": "Мәтін", "ru": "Текст", "en": "Text"},
    "yes": {"kk": "Иә", "ru": "Да", "en": "Yes"},
    "no": {"kk": "Жоқ", "ru": "Нет", "en": "No"},
    "unknown": {"kk": "Білмеймін", "ru": "Не знаю", "en": "Don't know"},
}


@dataclass(frozen=True)
class ExportFile:
    body: bytes
    content_type: str
    filename: str


def word(key: str, lang: str) -> str:
    return WORDS[key][lang]


def answer_label(spec: dict, item_id: str, answer, lang: str) -> str:
    item = next((item for item in spec["items"] if item["id"] == item_id), None)
    if item is not None and item["type"] in ("single", "multiple"):
        for option in item["options"]:
            if option["code"] == answer:
                return option[lang]
    if answer in ("yes", "no", "unknown"):
        return word(answer, lang)
    return str(answer)


def summary_rows(found: dict, lang: str) -> list[list]:
    rows: list[list] = [[word("period", lang), f"{found['from']} – {found['to']}"],
                        [word("responses", lang), found["responses"]],
                        [word("via_link", lang), found["by_source"]["link"]],
                        [word("by_staff", lang), found["by_source"]["staff"]]]
    headline = found.get("headline")
    if headline and headline["top_percent"] is not None:
        rows.append([f"{headline['text'][lang]} — {headline['top_answer']}: {word('top_share', lang)}",
                     headline["top_percent"]])
    test = found.get("test")
    if test:
        paired = test["paired"]
        rows += [[f"{word('pre', lang)}: {word('responses', lang)}", test["pre"]["responses"]],
                 [f"{word('post', lang)}: {word('responses', lang)}", test["post"]["responses"]],
                 [word("paired", lang), paired["participants"]],
                 [word("mean_pre", lang), paired["mean_pre"]], [word("mean_post", lang), paired["mean_post"]],
                 [word("change_percent", lang), paired["change_percent"]]]
        for scale in test["scales"]:
            rows.append([f"{scale['text'][lang]}: {word('change_percent', lang)}", scale["change_percent"]])
    return rows


def item_rows(spec: dict, found: dict, lang: str) -> list[list]:
    rows: list[list] = []
    for item in found["items"]:
        for entry in item["distribution"]:
            rows.append([item["text"][lang], answer_label(spec, item["id"], entry["answer"], lang),
                         entry["count"], entry["percent"], item["answered"], item["mean"], item["top_percent"]])
        if not item["distribution"]:
            rows.append([item["text"][lang], "", None, None, item["answered"], item["mean"], None])
    return rows


def _texts_rows(spec: dict, texts: list[dict], lang: str) -> list[list]:
    wording = {item["id"]: item[lang] for item in spec["items"]}
    return [[text["answered_at"].date().isoformat() if hasattr(text["answered_at"], "date") else str(text["answered_at"]),
             wording.get(text["item"], text["item"]), text["text"]] for text in texts]


def _sheet(book, title: str, headings: list[str], rows: list[list], widths: list[int]) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet(title[:31])
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and len(cell.value) > 60:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def as_xlsx(spec: dict, found: dict, texts: list[dict], lang: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _sheet(book, word("summary", lang), [word("figure", lang), word("value", lang)], summary_rows(found, lang), [60, 24])
    _sheet(book, word("items", lang), [word(key, lang) for key in ("item", "answer", "count", "percent", "answered",
                                                                       "mean", "top_share")],
           item_rows(spec, found, lang), [60, 30, 10, 10, 14, 10, 16])
    if found.get("test"):
        pairs = [[p["participant"], p["pre"], p["post"], p["change"]] for p in found["test"]["paired"]["pairs"]]
        _sheet(book, word("pairs", lang), [word(key, lang) for key in ("participant", "pre", "post", "change")],
               pairs, [24, 14, 14, 14])
    if texts:
        _sheet(book, word("texts", lang), [word(key, lang) for key in ("date", "item", "text")],
               _texts_rows(spec, texts, lang), [12, 40, 100])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def font_folder() -> Path:
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").exists() and (folder / "DejaVuSans-Bold.ttf").exists():
            return folder
    raise FileNotFoundError("DejaVu Sans is not installed (apt-get install fonts-dejavu-core)")


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def as_pdf(spec: dict, found: dict, texts: list[dict], lang: str) -> bytes:
    from fpdf import FPDF

    folder = font_folder()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.set_title(spec["title"][lang])
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(width, 8, spec["title"][lang], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 10)
    for label, value in summary_rows(found, lang):
        pdf.multi_cell(width * 0.75, 6, str(label), new_x="RIGHT", new_y="TOP")
        pdf.multi_cell(width * 0.25, 6, _number(value), align="R", new_x="LMARGIN", new_y="NEXT")
    for item in found["items"]:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(width, 6, item["text"][lang], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        facts = f"{word('answered', lang)}: {item['answered']}"
        if item["mean"] is not None:
            facts += f" · {word('mean', lang)}: {_number(item['mean'])}"
        if item["top_percent"] is not None:
            facts += f" · {word('top_share', lang)}: {_number(item['top_percent'])}"
        pdf.multi_cell(width, 5, facts, new_x="LMARGIN", new_y="NEXT")
        for entry in item["distribution"]:
            pdf.cell(width * 0.6, 5, "   " + answer_label(spec, item["id"], entry["answer"], lang)[:70])
            pdf.cell(width * 0.2, 5, str(entry["count"]), align="R")
            pdf.cell(width * 0.2, 5, _number(entry["percent"]) + ("%" if entry["percent"] is not None else ""),
                     align="R", new_x="LMARGIN", new_y="NEXT")
    if found.get("test") and found["test"]["paired"]["pairs"]:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, word("pairs", lang), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        for pair in found["test"]["paired"]["pairs"]:
            pdf.cell(width * 0.4, 5, pair["participant"])
            pdf.cell(width * 0.2, 5, _number(pair["pre"]), align="R")
            pdf.cell(width * 0.2, 5, _number(pair["post"]), align="R")
            pdf.cell(width * 0.2, 5, _number(pair["change"]), align="R", new_x="LMARGIN", new_y="NEXT")
    if texts:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, word("texts", lang), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        for day, item, text in _texts_rows(spec, texts, lang):
            pdf.multi_cell(width, 5, f"{day} · {item}: {text}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def export(spec: dict, found: dict, texts: list[dict], *, file_format: str, lang: str) -> ExportFile:
    name = f"questionnaire-{spec['code']}-{found['from']}-{found['to']}"
    if file_format == "pdf":
        return ExportFile(as_pdf(spec, found, texts, lang), PDF_TYPE, name + ".pdf")
    return ExportFile(as_xlsx(spec, found, texts, lang), XLSX_TYPE, name + ".xlsx")
