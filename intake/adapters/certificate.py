"""A certificate of participation as PDF (fpdf2), in the participant's language, with DejaVu Sans: it has
the Cyrillic and Kazakh letters (Debian's fonts-dejavu-core, installed by scripts/test)."""
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"

WORDING = {
    "kk": {"title": "ҚАТЫСУ ТУРАЛЫ СЕРТИФИКАТ", "given": "Осы сертификат беріледі:",
           "completed": "бағдарламасын аяқтағаны үшін", "hours": "Қатысқан сағат саны: {hours}",
           "sessions": "Қатысқан сабақтар: {sessions}", "period": "Өткізілген кезең: {start} – {end}"},
    "ru": {"title": "СЕРТИФИКАТ ОБ УЧАСТИИ", "given": "Настоящий сертификат выдан:",
           "completed": "за прохождение программы", "hours": "Посещено часов: {hours}",
           "sessions": "Посещено занятий: {sessions}", "period": "Период проведения: {start} – {end}"},
    "en": {"title": "CERTIFICATE OF PARTICIPATION", "given": "This certificate is awarded to",
           "completed": "for completing the programme", "hours": "Hours attended: {hours}",
           "sessions": "Sessions attended: {sessions}", "period": "Held: {start} – {end}"},
}


class FontsMissing(RuntimeError):
    """The server lacks the DejaVu fonts: a deployment fault, said plainly."""


@dataclass(frozen=True)
class Certificate:
    language: str
    name: str
    programme: str
    hours: float
    sessions: int
    organisation: str
    start: str
    end: str


def render(certificate: Certificate) -> bytes:
    if not REGULAR.exists() or not BOLD.exists():
        raise FontsMissing(f"The DejaVu fonts are missing from {FONT_DIR}: install Debian's fonts-dejavu-core "
                           "to print certificates.")
    words = WORDING.get(certificate.language, WORDING["ru"])
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(words["title"])
    pdf.set_author(certificate.organisation)
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.add_page()
    pdf.set_auto_page_break(False)
    width = pdf.w - 2 * pdf.l_margin

    def line(text: str, size: int, style: str = "", height: float = 12) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, height, text, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(25)
    line(certificate.organisation, 14)
    pdf.ln(6)
    line(words["title"], 28, "B", 16)
    pdf.ln(6)
    line(words["given"], 14)
    line(certificate.name, 24, "B", 14)
    line(words["completed"], 14)
    line(certificate.programme, 18, "B", 12)
    pdf.ln(6)
    hours = f"{certificate.hours:g}"
    line(words["hours"].format(hours=hours), 13, height=9)
    line(words["sessions"].format(sessions=certificate.sessions), 13, height=9)
    line(words["period"].format(start=certificate.start, end=certificate.end), 13, height=9)
    return bytes(pdf.output())
