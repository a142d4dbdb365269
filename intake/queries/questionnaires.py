"""Questionnaire analysis and statistics, from the questionnaire_stats projection: what the API answers
(/api/v1/questionnaires/{code}/analysis, /api/v1/stats/questionnaires) and the supervisors' page
draws, from the same functions, with its XLSX and PDF exports (intake/queries/questionnaire_exports.py).

Per questionnaire and period (the local day each form was answered):
- the number of responses, by source (a public link or staff) and, for tests, by phase;
- per closed item: how many answered it, the distribution of answers (every scale value and option,
  in order, with its count and percent of those who answered; a multiple choice's percent is of
  respondents, so they add up to more than 100), the mean (scales and numbers) and the share of top
  answers (a scale's highest value, "yes");
- the headline: the first scale item's share of top answers ("98% rated the course 5 of 5");
- for a test: the mean score before and after, and the change per participant, paired by the
  participant's code: their earliest pre-test and latest post-test of the period. The overall change
  is the relative change of the paired mean score, (post − pre) / pre ("competence improved by
  15%"); each scale item of the test (stress) is paired the same way ("stress fell by 10%").
Free texts are not in the projection: the service reads them for supervisors.
"""
import io
from datetime import date
from statistics import fmean

import segno

from domain import questionnaires
from projections.questionnaires import DIMENSIONS, count_responses, responses

PROJECTION = "questionnaire_stats"
__all__ = ["DIMENSIONS", "PROJECTION", "analyse", "analysis", "count", "paired_change"]


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _mean(values: list) -> float | None:
    return round(fmean(values), 2) if values else None


def _change_percent(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return round(100 * (after - before) / before, 1)


def _answers_of(item: dict) -> list:
    if item["type"] == "scale":
        return list(range(item["min"], item["max"] + 1))
    if item["type"] in ("single", "multiple"):
        return [option["code"] for option in item["options"]]
    if item["type"] == "yes_no":
        return list(questionnaires.YES_NO)
    return []


def _top(item: dict):
    return item["max"] if item["type"] == "scale" else "yes" if item["type"] == "yes_no" else None


def item_figures(item: dict, rows: list[dict]) -> dict:
    """One closed item's figures over the rows that answered it."""
    given = [row["answers"][item["id"]] for row in rows if row["answers"].get(item["id"]) is not None]
    answered = len(given)
    figures: dict = {"id": item["id"], "type": item["type"], "text": {lang: item[lang] for lang in ("kk", "ru", "en")},
                     "answered": answered, "distribution": [], "mean": None, "top_answer": _top(item),
                     "top_count": None, "top_percent": None}
    if item["type"] == "multiple":
        chosen = [code for answer in given for code in answer]
        figures["distribution"] = [{"answer": code, "count": chosen.count(code), "percent": _percent(chosen.count(code), answered)}
                                   for code in _answers_of(item)]
    elif item["type"] in ("scale", "single", "yes_no"):
        figures["distribution"] = [{"answer": value, "count": given.count(value), "percent": _percent(given.count(value), answered)}
                                   for value in _answers_of(item)]
    if item["type"] in ("scale", "number"):
        figures["mean"] = _mean([float(value) for value in given])
    if figures["top_answer"] is not None:
        top_count = given.count(figures["top_answer"])
        figures["top_count"], figures["top_percent"] = top_count, _percent(top_count, answered)
    return figures


def paired_change(rows: list[dict], value=lambda row: row["score"]) -> dict:
    """Pairs each participant's earliest pre and latest post row (rows oldest first) and compares `value`."""
    pre: dict[str, dict] = {}
    post: dict[str, dict] = {}
    for row in rows:
        if not row.get("participant") or value(row) is None:
            continue
        if row["phase"] == "pre":
            pre.setdefault(row["participant"], row)
        elif row["phase"] == "post":
            post[row["participant"]] = row
    pairs = [{"participant": who, "pre": value(pre[who]), "post": value(post[who]),
              "change": round(value(post[who]) - value(pre[who]), 2)} for who in sorted(pre) if who in post]
    mean_pre, mean_post = _mean([p["pre"] for p in pairs]), _mean([p["post"] for p in pairs])
    return {"participants": len(pairs), "pairs": pairs, "mean_pre": mean_pre, "mean_post": mean_post,
            "mean_change": _mean([p["change"] for p in pairs]), "change_percent": _change_percent(mean_pre, mean_post),
            "improved": sum(1 for p in pairs if p["change"] > 0), "unchanged": sum(1 for p in pairs if p["change"] == 0),
            "worse": sum(1 for p in pairs if p["change"] < 0)}


def _test_figures(spec: dict, rows: list[dict]) -> dict:
    scored = [row for row in rows if row["score"] is not None]
    max_score = sum(1 for item in spec["items"] if "correct" in item)

    def phase(name: str) -> dict:
        of_phase = [row for row in scored if row["phase"] == name]
        mean = _mean([row["score"] for row in of_phase])
        return {"responses": len(of_phase), "mean_score": mean,
                "mean_percent": _percent(mean, max_score) if mean is not None else None}

    scales = []
    for item in spec["items"]:
        if item["type"] == "scale":
            change = paired_change(rows, lambda row, key=item["id"]: row["answers"].get(key))
            scales.append({"item": item["id"], "text": {lang: item[lang] for lang in ("kk", "ru", "en")},
                           **{key: change[key] for key in ("participants", "mean_pre", "mean_post", "change_percent")}})
    return {"max_score": max_score, "pre": phase("pre"), "post": phase("post"),
            "paired": paired_change(scored), "scales": scales}


def analyse(spec: dict, rows: list[dict], *, date_from: date, date_to: date) -> dict:
    """The analysis of one questionnaire (spec: questionnaires.get()) over its fact rows."""
    items = [item_figures(item, rows) for item in spec["items"] if item["type"] != "text"]
    headline = next(({"item": figures["id"], "text": figures["text"], "top_answer": figures["top_answer"],
                      "top_count": figures["top_count"], "answered": figures["answered"],
                      "top_percent": figures["top_percent"]}
                     for figures in items if figures["type"] == "scale"), None)
    result = {
        "questionnaire": spec["code"], "kind": spec["kind"], "title": spec["title"], "version": spec["version"],
        "from": date_from.isoformat(), "to": date_to.isoformat(), "responses": len(rows),
        "by_source": {source: sum(1 for row in rows if row["source"] == source) for source in ("link", "staff")},
        "with_free_text": sum(1 for row in rows if row["has_text"]),
        "headline": headline if spec["kind"] != "pre_post_test" else None,
        "items": items, "test": None,
        "text_items": [{"id": item["id"], "text": {lang: item[lang] for lang in ("kk", "ru", "en")}}
                       for item in spec["items"] if item["type"] == "text"],
    }
    if spec["kind"] == "pre_post_test":
        result["by_phase"] = {phase: sum(1 for row in rows if row["phase"] == phase) for phase in ("pre", "post")}
        result["test"] = _test_figures(spec, rows)
    return result


def analysis(running, code: str, *, date_from: date, date_to: date) -> dict:
    """The analysis as the API and the page give it (free texts apart: the service reads them)."""
    spec = questionnaires.get(code)  # Invalid for an unknown code
    with running.views.transaction(write=False) as tx:
        rows = responses(tx, questionnaire=code, date_from=date_from, date_to=date_to)
    found = analyse(spec, rows, date_from=date_from, date_to=date_to)
    found["response_ids_with_text"] = [row["response_id"] for row in rows if row["has_text"]]
    return found


def count(tx, *, date_from: date, date_to: date, group_by: list[str], questionnaire: str | None = None,
          kind: str | None = None) -> dict:
    """Responses counted by the asked dimensions, as /api/v1/stats/questionnaires answers."""
    return count_responses(tx, date_from=date_from, date_to=date_to, group_by=group_by,
                           questionnaire=questionnaire, kind=kind)


def qr_code(url: str, kind: str) -> tuple[bytes, str]:
    """The QR code of a link's address for print: (bytes, content type), PNG or SVG."""
    qr = segno.make(url, error="m")
    out = io.BytesIO()
    if kind == "png":
        qr.save(out, kind="png", scale=8, border=4)
        return out.getvalue(), "image/png"
    qr.save(out, kind="svg", scale=8, border=4, xmldecl=False, title="QR")
    return out.getvalue(), "image/svg+xml"
