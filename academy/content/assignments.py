"""A part's assignment, built from ``assignment.yaml``: instructions and the answer fields,
each with bounded lengths and counts so that every stored answer is bounded too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from .checks import EMPTY, Section, check_unique
from .course_files import CourseFiles
from .model import FIELD_TYPES, Assignment, AssignmentField, FieldChoice, FieldType, readonly
from .rendering import MarkdownRenderer
from .yamlsource import LineDict

# Defaults and ceilings for assignment answers: every stored field is bounded.
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000}
MAX_LENGTH_LIMIT = {"text": 1000, "textarea": 20000}
DEFAULT_MAX_ITEMS = 10
MAX_ITEMS_LIMIT = 50
FIELD_TYPE_KEYS: Mapping[str, tuple[str, ...]] = {
    "text": ("min_length", "max_length"),
    "textarea": ("min_length", "max_length"),
    "choice": ("choices",),
    "repeat": ("fields", "min_items", "max_items"),
}
ALL_TYPE_KEYS = tuple(dict.fromkeys(key for keys in FIELD_TYPE_KEYS.values() for key in keys))


class AssignmentBuilder:
    """Builds the assignments of one course's parts; their slugs are unique in the course."""

    def __init__(self, files: CourseFiles, markdown: MarkdownRenderer) -> None:
        self.files = files
        self.markdown = markdown
        self.assignment_slugs: list[tuple[str, str, int]] = []

    def load_assignment(self, part: str) -> Assignment | None:
        relative = f"{part}/assignment.yaml"
        if relative not in self.files:
            return None
        data = self.files.read_yaml(relative)
        if data is None:
            return None
        s = self.files.section(
            relative, data, 1, required=("slug", "title", "instructions", "fields")
        )
        slug = s.slug()
        if slug:
            self.assignment_slugs.append((slug, self.files.path(relative), s.line("slug")))
        instructions = s.translated("instructions")
        lines = s.raw("instructions")
        instructions_html = {
            language: self.markdown.render(
                part,
                relative,
                text,
                lines.text_line(language) if isinstance(lines, LineDict) else s.line(),
            )
            for language, text in instructions.items()
        }
        return Assignment(
            slug=slug,
            title=s.translated("title"),
            instructions_html=readonly(instructions_html),
            fields=self.load_fields(relative, s, in_repeat=False),
        )

    def load_fields(
        self, relative: str, s: Section, *, in_repeat: bool
    ) -> tuple[AssignmentField, ...]:
        fields: list[AssignmentField] = []
        slugs: list[tuple[str, int]] = []
        for data, line in s.items("fields", what="fields"):
            field = self.load_field(relative, data, line, in_repeat=in_repeat)
            if field.slug:
                slugs.append((field.slug, line))
            fields.append(field)
        check_unique(self.files.report, self.files.path(relative), slugs, "field")
        return tuple(fields)

    def load_field(
        self, relative: str, data: object, line: int, *, in_repeat: bool
    ) -> AssignmentField:
        field_type = data.get("type") if isinstance(data, LineDict) else None
        type_keys = FIELD_TYPE_KEYS.get(field_type, ()) if isinstance(field_type, str) else ()
        s = self.files.section(
            relative,
            data,
            line,
            required=(
                "slug",
                "type",
                "label",
                *(key for key in type_keys if key in ("choices", "fields")),
            ),
            optional=("help", "required", *ALL_TYPE_KEYS),
            what="a field",
        )
        if s.has("type") and field_type not in FIELD_TYPES:
            s.problem(
                s.line("type"), f"type must be one of {', '.join(FIELD_TYPES)}, not {field_type!r}"
            )
        elif field_type == "repeat" and in_repeat:
            s.problem(s.line("type"), "a repeat group cannot contain another repeat group")
        elif field_type in FIELD_TYPES:
            for key in ALL_TYPE_KEYS:
                if s.has(key) and key not in type_keys:
                    s.problem(s.line(key), f"{key} does not apply to {field_type} fields")
        required = s.boolean("required", True)
        min_length: int | None = None
        max_length: int | None = None
        min_items: int | None = None
        max_items: int | None = None
        choices: tuple[FieldChoice, ...] = ()
        fields: tuple[AssignmentField, ...] = ()
        if field_type in ("text", "textarea"):
            min_length, max_length = self.length_limits(s, str(field_type))
        elif field_type == "choice":
            choices = self.load_field_choices(relative, s)
        elif field_type == "repeat" and not in_repeat:
            fields = self.load_fields(relative, s, in_repeat=True)
            min_items, max_items = self.item_limits(s, required)
        return AssignmentField(
            slug=s.slug(),
            type=cast(FieldType, field_type if field_type in FIELD_TYPES else "text"),
            label=s.translated("label"),
            help=s.translated("help") if s.has("help") else EMPTY,
            required=required,
            min_length=min_length,
            max_length=max_length,
            choices=choices,
            fields=fields,
            min_items=min_items,
            max_items=max_items,
        )

    def length_limits(self, s: Section, field_type: str) -> tuple[int, int]:
        """(min_length, max_length) of a text or textarea field."""
        limit = MAX_LENGTH_LIMIT[field_type]
        max_length = s.integer("max_length", DEFAULT_MAX_LENGTH[field_type], 1, limit)
        min_length = s.integer("min_length", 0, 0, limit)
        if min_length > max_length:
            s.problem(
                s.line("min_length"), f"min_length {min_length} exceeds max_length {max_length}"
            )
        return min_length, max_length

    def item_limits(self, s: Section, required: bool) -> tuple[int, int]:
        """(min_items, max_items) of a repeat group."""
        max_items = s.integer("max_items", DEFAULT_MAX_ITEMS, 1, MAX_ITEMS_LIMIT)
        min_items = s.integer("min_items", 1 if required else 0, 0, MAX_ITEMS_LIMIT)
        if min_items > max_items:
            s.problem(s.line("min_items"), f"min_items {min_items} exceeds max_items {max_items}")
        return min_items, max_items

    def load_field_choices(self, relative: str, s: Section) -> tuple[FieldChoice, ...]:
        choices: list[FieldChoice] = []
        slugs: list[tuple[str, int]] = []
        entries = s.items("choices", what="choices")
        for data, line in entries:
            choice = self.files.section(
                relative, data, line, required=("slug", "label"), what="a choice"
            )
            slug = choice.slug()
            if slug:
                slugs.append((slug, line))
            choices.append(FieldChoice(slug=slug, label=choice.translated("label")))
        check_unique(self.files.report, self.files.path(relative), slugs, "choice")
        if len(entries) == 1:
            s.problem(s.line("choices"), "a choice field needs at least 2 choices")
        return tuple(choices)

    def check_assignment_slugs(self) -> None:
        first: dict[str, str] = {}
        for slug, file, line in self.assignment_slugs:
            if slug in first:
                self.files.report.add(
                    file, line, f"duplicate assignment slug {slug!r} (also in {first[slug]})"
                )
            else:
                first[slug] = file
