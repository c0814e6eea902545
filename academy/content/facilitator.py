"""A part's facilitator notes, built from ``facilitator.yaml``: what the person leading a
session of the part needs (questions to discuss, a run sheet with minutes, the exercise
done together, what to bring), in every language, every text bounded.

The notes are read on an organizer's page and on paper, so their Markdown may not link to
lessons or show diagrams (a relative link means nothing on a printed page): they name a
lesson in words.
"""

from __future__ import annotations

from collections.abc import Mapping

from .checks import EMPTY, Section
from .course_files import CourseFiles
from .markdown import make_markdown, render
from .model import Exercise, FacilitatorNotes, RunStep, readonly
from .yamlsource import LineDict

# Bounds: enough for a real session, small enough to print on a few pages.
MAX_QUESTIONS = 12
MAX_STEPS = 20
STEP_MINUTES = (1, 240)
SESSION_MINUTES = (1, 600)
MAX_CHARACTERS = {
    "question": 600,
    "step": 600,
    "title": 120,
    "instructions": 5000,
    "bring": 2000,
}


class FacilitatorBuilder:
    """Builds the facilitator notes of one course's parts."""

    def __init__(self, files: CourseFiles) -> None:
        self.files = files
        self.md = make_markdown()

    def load_notes(self, part: str) -> FacilitatorNotes | None:
        relative = f"{part}/facilitator.yaml"
        if relative not in self.files:
            return None
        data = self.files.read_yaml(relative)
        if data is None:
            return None
        s = self.files.section(
            relative,
            data,
            1,
            required=("questions", "run_sheet", "exercise", "bring"),
            optional=("minutes",),
        )
        questions = self.load_questions(relative, s)
        steps = self.load_steps(relative, s)
        exercise = self.load_exercise(relative, s)
        bring = self.markdown(relative, s, "bring")
        total = sum(step.minutes for step in steps)
        if s.has("minutes"):
            minutes = s.integer("minutes", total, *SESSION_MINUTES)
            # A step whose minutes were refused is reported already; no sum to compare.
            if steps and all(step.minutes for step in steps) and total != minutes:
                s.problem(
                    s.line("minutes"),
                    f"the run sheet's minutes add up to {total}, not the {minutes} of minutes",
                )
        else:
            minutes = total
            if total > SESSION_MINUTES[1]:
                s.problem(
                    s.line("run_sheet"),
                    f"the run sheet's minutes add up to {total}, more than {SESSION_MINUTES[1]}",
                )
        return FacilitatorNotes(
            minutes=minutes,
            questions=tuple(questions),
            run_sheet=tuple(steps),
            exercise=exercise,
            bring_html=bring,
        )

    def load_questions(self, relative: str, s: Section) -> list[Mapping[str, str]]:
        entries = s.items("questions", what="questions")
        if len(entries) > MAX_QUESTIONS:
            s.problem(
                s.line("questions"),
                f"{len(entries)} questions; at most {MAX_QUESTIONS} fit a session",
            )
        questions = []
        for data, line in entries:
            # Each item is a translated text itself: read it as the value of a one-key mapping.
            holder = LineDict({"question": data}, line=line)
            holder.key_lines["question"] = line
            item = self.files.section(relative, holder, line, required=("question",))
            questions.append(self.bounded(item, "question", "question"))
        return questions

    def load_steps(self, relative: str, s: Section) -> list[RunStep]:
        entries = s.items("run_sheet", what="steps")
        if len(entries) > MAX_STEPS:
            s.problem(s.line("run_sheet"), f"{len(entries)} steps; at most {MAX_STEPS}")
        steps = []
        for data, line in entries:
            step = self.files.section(
                relative, data, line, required=("minutes", "step"), what="a step"
            )
            steps.append(
                RunStep(
                    minutes=step.integer("minutes", 0, *STEP_MINUTES) if step.has("minutes") else 0,
                    text=self.bounded(step, "step", "step"),
                )
            )
        return steps

    def load_exercise(self, relative: str, s: Section) -> Exercise:
        data = s.raw("exercise")
        if data is None:
            return Exercise(title=EMPTY, instructions_html=EMPTY)
        exercise = self.files.section(
            relative,
            data,
            s.line("exercise"),
            required=("title", "instructions"),
            what="exercise",
        )
        return Exercise(
            title=self.bounded(exercise, "title", "title"),
            instructions_html=self.markdown(relative, exercise, "instructions"),
        )

    def bounded(self, s: Section, key: str, kind: str) -> Mapping[str, str]:
        """A translated text of at most ``MAX_CHARACTERS[kind]`` characters per language."""
        texts = s.translated(key)
        limit = MAX_CHARACTERS[kind]
        value = s.raw(key)
        for language, text in texts.items():
            if len(text) > limit:
                line = value.key_line(language) if isinstance(value, LineDict) else s.line(key)
                s.problem(line, f"{key}.{language} has {len(text)} characters; at most {limit}")
        return texts

    def markdown(self, relative: str, s: Section, key: str) -> Mapping[str, str]:
        """A bounded translated Markdown text rendered to HTML; no lesson links or images."""
        texts = self.bounded(s, key, key)
        value = s.raw(key)
        html: dict[str, str] = {}
        for language, text in texts.items():
            first_line = value.text_line(language) if isinstance(value, LineDict) else s.line(key)
            rendered = render(self.md, text, first_line, lambda part, lesson: "#")
            for link in rendered.links:
                self.files.problem(
                    relative,
                    link.line,
                    f"lesson link {link.href!r}: facilitator notes are printed, so name the "
                    "lesson in words",
                )
            for image in rendered.images:
                self.files.problem(
                    relative,
                    image.line,
                    f"image {image.src!r}: facilitator notes show no diagrams; point to the "
                    "lesson that has it",
                )
            html[language] = rendered.html
        return readonly(html)
