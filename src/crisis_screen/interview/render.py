"""Render answer scores and interview guides as text, Markdown, JSON or HTML.

Every rendering carries the bank's note: the kit is an aid to a human interviewer, not a verdict.
HTML is self-contained (inline CSS, no scripts, no external resources) and every value is escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Literal

from crisis_screen.interview.guide import FollowUpPrompt, InterviewGuide
from crisis_screen.interview.score import AnswerScore

ScoreFormat = Literal["text", "json", "markdown"]
GuideFormat = Literal["text", "markdown", "html"]


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


def _spans(score: AnswerScore, kp_id: str) -> str:
    for kp in score.covered:
        if kp.id == kp_id:
            return ", ".join(f'"{s.text}" [{s.start}:{s.end}] ({s.method})' for s in kp.spans)
    return ""


def render_scores(scores: Sequence[AnswerScore], fmt: ScoreFormat = "text") -> str:
    """Render answer scores.

    Args:
        scores: The scores, one per answer.
        fmt: ``text``, ``json`` or ``markdown``.

    Returns:
        The rendering, ending with a newline.
    """
    if fmt == "json":
        note = scores[0].note if scores else ""
        doc = {"note": note, "answers": [s.model_dump(mode="json") for s in scores]}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    md = fmt == "markdown"
    lines: list[str] = []
    for s in scores:
        head = f"{s.question_id}: coverage {_pct(s.coverage)}"
        head += f" ({len(s.covered)}/{len(s.covered) + len(s.missing)} key points)"
        lines += [f"## {_md(head)}" if md else head, ""]
        lines.append(f"> {_md(s.question)}" if md else f"  Q: {s.question}")
        lines.append("")
        lines.append("**Covered:**" if md else "  Covered:")
        for kp in s.covered:
            item = f"{kp.name}: {_spans(s, kp.id)}"
            lines.append(f"- {_md(item)}" if md else f"    + {item}")
        if not s.covered:
            lines.append("- (none)" if md else "    (none)")
        lines.append("**Missing:**" if md else "  Missing:")
        for name in s.missing:
            lines.append(f"- {_md(name)}" if md else f"    - {name}")
        if not s.missing:
            lines.append("- (none)" if md else "    (none)")
        if s.not_counted:
            lines.append("**Found but not counted:**" if md else "  Found but not counted:")
            for n in s.not_counted:
                item = f'{n.name}: "{n.span.text}" ({"; ".join(n.reasons)})'
                lines.append(f"- {_md(item)}" if md else f"    ~ {item}")
        lines.append("")
    if scores:
        note = scores[0].note
        lines.append(f"*Note: {_md(note)}*" if md else f"Note: {note}")
    return "\n".join(lines).rstrip() + "\n"


def _md(text: str) -> str:
    """Escape the Markdown characters that would change how a value renders."""
    out = text
    for ch in ("\\", "`", "*", "_", "[", "]", "<", ">", "#", "|"):
        out = out.replace(ch, "\\" + ch)
    return out


def render_guide(guide: InterviewGuide, fmt: GuideFormat = "text") -> str:
    """Render an interview guide.

    Args:
        guide: The guide.
        fmt: ``text``, ``markdown`` or ``html``.

    Returns:
        The rendering, ending with a newline.
    """
    if fmt == "html":
        return _guide_html(guide)
    md = fmt == "markdown"
    lines: list[str] = []
    title = f"Interview guide: {guide.source}"
    lines += [f"# {_md(title)}" if md else title, ""]
    lines.append(f"*{_md(guide.note)}*" if md else f"Note: {guide.note}")
    lines.append("")
    for row in _summary_rows(guide):
        lines.append(f"- {_md(row)}" if md else f"  {row}")
    lines.append("")
    if guide.general_follow_ups:
        head = "Follow-ups from the resume"
        lines += [f"## {head}" if md else head + ":", ""]
        lines += [_prompt_line(p, md, "  ") for p in guide.general_follow_ups]
        lines.append("")
    for i, q in enumerate(guide.questions, 1):
        mark = " (baseline)" if q.baseline else ""
        head = f"Q{i}. {q.text}{mark}"
        lines += [f"## {_md(head)}" if md else head, ""]
        lines.append(f"*Probes:* {_md(q.probes)}" if md else f"    Probes: {q.probes}")
        lines.append(f"*Id:* `{q.id}`" if md else f"    Id: {q.id}")
        lines.append("")
        lines.append("**Listen for:**" if md else "    Listen for:")
        for kp in q.listen_for:
            item = f"{kp.name}: {kp.description}" if kp.description else kp.name
            lines.append(f"- [ ] {_md(item)}" if md else f"      [ ] {item}")
        if q.follow_ups:
            lines.append("")
            lines.append("**Follow-ups from the resume:**" if md else "    Follow-ups:")
            lines += [_prompt_line(p, md, "      ") for p in q.follow_ups]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _summary_rows(guide: InterviewGuide) -> list[str]:
    rows = [
        f"Screening score: {guide.score:g}/100 ({'flagged' if guide.flagged else 'not flagged'})"
    ]
    if guide.has_evidence:
        rows.append("Evidence: " + ", ".join(guide.concepts))
    else:
        rows.append("Evidence: none found; start with the baseline questions")
    if guide.titles:
        rows.append("Titles: " + ", ".join(guide.titles))
    if guide.skills_list_only:
        rows.append("All evidence is in skills lists: ask for concrete examples")
    return rows


def _prompt_line(p: FollowUpPrompt, md: bool, indent: str) -> str:
    tag = f"[{p.trigger}]"
    return f"- **{tag}** {_md(p.prompt)}" if md else f"{indent}{tag} {p.prompt}"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:50rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem .75rem}
.probes{color:#555}.trigger{font-family:monospace;background:#eef;padding:0 .25rem}
.baseline{font-size:.8rem;background:#e6f4ea;padding:0 .3rem;border-radius:3px}
li{margin:.2rem 0}
""".strip()


def _guide_html(guide: InterviewGuide) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e('Interview guide: ' + guide.source)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e('Interview guide: ' + guide.source)}</h1>",
        f'<p class="note">{e(guide.note)}</p>',
        "<ul>" + "".join(f"<li>{e(r)}</li>" for r in _summary_rows(guide)) + "</ul>",
    ]
    if guide.general_follow_ups:
        parts.append("<h2>Follow-ups from the resume</h2>")
        parts.append(_html_prompts(guide.general_follow_ups))
    for i, q in enumerate(guide.questions, 1):
        badge = ' <span class="baseline">baseline</span>' if q.baseline else ""
        parts.append(f'<h2 id="{e(q.id)}">Q{i}. {e(q.text)}{badge}</h2>')
        parts.append(f'<p class="probes">Probes: {e(q.probes)}</p>')
        parts.append("<p>Listen for:</p><ul>")
        for kp in q.listen_for:
            desc = f" &mdash; {e(kp.description)}" if kp.description else ""
            parts.append(f"<li>&#9744; <strong>{e(kp.name)}</strong>{desc}</li>")
        parts.append("</ul>")
        if q.follow_ups:
            parts.append("<p>Follow-ups from the resume:</p>")
            parts.append(_html_prompts(q.follow_ups))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_prompts(prompts: Sequence[FollowUpPrompt]) -> str:
    e = html.escape
    items = "".join(
        f'<li><span class="trigger">{e(p.trigger)}</span> {e(p.prompt)}</li>' for p in prompts
    )
    return f"<ul>{items}</ul>"
