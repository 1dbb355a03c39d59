"""Markdown files with a YAML front matter: the format of everything in content/."""

from pathlib import Path

import yaml


class FrontMatterError(Exception):
    """A file that cannot be read, with the line to look at (French message)."""

    def __init__(self, line: int, message: str, path: Path | None = None):
        super().__init__(message)
        self.line, self.message, self.path = line, message, path


def read(path: Path) -> tuple[dict, str, list[str]]:
    """(front matter, Markdown body, header lines); raises FrontMatterError."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FrontMatterError(1, "le fichier n’est pas en UTF-8", path) from error
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(1, "l’en-tête YAML doit commencer par une ligne ---", path)
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise FrontMatterError(len(lines), "l’en-tête YAML n’est pas fermé par une ligne ---",
                               path) from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or "YAML illisible"
        raise FrontMatterError(line, f"en-tête YAML illisible ({problem})", path) from error
    if not isinstance(meta, dict):
        raise FrontMatterError(2, "l’en-tête YAML doit être une liste de clés : valeurs", path)
    body = "\n".join(lines[end + 1:]).strip() + "\n"
    return meta, body, lines[: end + 1]


def line_of(lines: list[str], key: str) -> int:
    """The line where a key of the front matter is written (1 if absent)."""
    for number, line in enumerate(lines, start=1):
        if line.split(":", 1)[0].strip() == key:
            return number
    return 1
