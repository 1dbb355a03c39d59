"""Uploaded files: checking what users send, storing it under random names, serving it back.

A file is accepted only when its extension is allowed, its size is at most 10 MB,
its first bytes (or, for office documents, its zip structure) match the extension,
and it holds no macros. Stored files are never served inline: always as an
attachment, with `nosniff` and a sandboxing Content-Security-Policy, so a
hostile PDF or image cannot run in Compagnon's origin.
"""

import io
import os
import posixpath
import re
import secrets
import tempfile
import unicodedata
import zipfile
import zlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import werkzeug.datastructures
from flask import Flask, Response, abort, current_app, send_file

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
MAX_NAME_LENGTH = 120

NBSP = "\u00a0"  # French typography: before « : » and between a number and its unit

# Allowed extension → (stored extension, Content-Type).
EXTENSIONS = {
    "pdf": ("pdf", "application/pdf"),
    "docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "odt": ("odt", "application/vnd.oasis.opendocument.text"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ods": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "png": ("png", "image/png"),
    "jpg": ("jpg", "image/jpeg"),
    "jpeg": ("jpg", "image/jpeg"),
}
STORED_EXTENSIONS = frozenset(stored for stored, _ in EXTENSIONS.values())

LABELS = {
    "pdf": "PDF",
    "docx": "Document Word",
    "odt": "Document OpenDocument",
    "xlsx": "Tableur Excel",
    "ods": "Tableur OpenDocument",
    "png": "Image PNG",
    "jpg": "Image JPEG",
    "jpeg": "Image JPEG",
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"
OOXML_FOLDERS = {"docx": "word/", "xlsx": "xl/"}
ODF_MIMETYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
ODF_MACRO_FOLDERS = ("basic/", "scripts/")

NO_FILE = "Aucun fichier n’a été envoyé."
EMPTY = "Le fichier est vide."
TOO_BIG = f"Le fichier dépasse 10{NBSP}Mo."
TYPE_REFUSED = (
    "Ce type de fichier n’est pas accepté. "
    f"Formats acceptés{NBSP}: PDF, DOCX, ODT, XLSX, ODS, PNG, JPEG."
)
MISMATCH = "Le contenu du fichier ne correspond pas à son extension .{extension}."
MACROS = "Les documents contenant des macros ne sont pas acceptés."
ZIP_BOMB = (
    f"Ce document est anormalement volumineux une fois décompressé{NBSP}: il n’est pas accepté."
)

WINDOWS_ILLEGAL = re.compile(r'[<>:"/\\|?*]')
WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)
NAME_EXTENSION = re.compile(r"[A-Za-z0-9]{1,10}")


class FileRefused(Exception):
    """An upload that Compagnon does not accept; `message` is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, ready to be stored."""

    filename: str  # safe display name, extension included
    extension: str  # stored extension: "pdf", "docx", …, "jpg" (also for .jpeg)
    content_type: str
    size: int
    data: bytes


# --- Names -----------------------------------------------------------------------------


def _split_extension(name: str) -> tuple[str, str]:
    """Split "stem.ext" when ext looks like a real extension; else (name, "")."""
    stem, dot, extension = name.rpartition(".")
    if dot and NAME_EXTENSION.fullmatch(extension):
        return stem, extension.lower()
    return name, ""


def safe_filename(name: str) -> str:
    """A display name without path, control or Windows-illegal characters, ≤ 120 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    characters = []
    for character in name:
        if character in "\t\n\r\v\f":
            characters.append(" ")
        elif not unicodedata.category(character).startswith("C"):
            # Category C: controls, format characters (bidi overrides that disguise
            # "gpj.exe" as "exe.jpg"), surrogates, private use, unassigned.
            characters.append(character)
    name = WINDOWS_ILLEGAL.sub(" ", "".join(characters))
    name = " ".join(name.split())
    stem, extension = _split_extension(name)
    suffix = f".{extension}" if extension else ""
    stem = stem.strip(" .")  # leading dots hide files; Windows drops trailing ones
    stem = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .")
    if not stem:
        stem = "document"
    if WINDOWS_RESERVED.fullmatch(stem):
        stem = f"{stem[: MAX_NAME_LENGTH - len(suffix) - 1]}_"
    return stem + suffix


def _ascii_filename(name: str) -> str:
    """An ASCII approximation of a safe name, for clients that ignore filename*."""
    name = name.replace("’", "'").replace("–", "-").replace("—", "-")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = " ".join(name.split())
    stem, extension = _split_extension(name)
    stem = stem.strip(" .") or "document"
    return f"{stem}.{extension}" if extension else stem


# --- Checks ----------------------------------------------------------------------------


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    """Read at most `limit` bytes, even from a stream that returns short reads."""
    chunks = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _check_zip(data: bytes, extension: str) -> None:
    """Check an office document's zip structure and refuse macros and zip bombs."""
    mismatch = FileRefused(MISMATCH.format(extension=extension))
    if not data.startswith(ZIP_SIGNATURE):
        raise mismatch
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise FileRefused(ZIP_BOMB)
            if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
                raise FileRefused(ZIP_BOMB)
            names = {member.filename: member for member in members}
            if extension in OOXML_FOLDERS:
                content_types = names.get("[Content_Types].xml")
                folder = OOXML_FOLDERS[extension]
                if content_types is None or not any(n.startswith(folder) for n in names):
                    raise mismatch
                if content_types.file_size > MAX_CONTENT_TYPES_BYTES:
                    raise mismatch
                declared = archive.read(content_types).lower()
                basenames = (posixpath.basename(n.replace("\\", "/")).lower() for n in names)
                if (
                    b"macroenabled" in declared
                    or b"vbaproject" in declared
                    or any(n.startswith("vbaproject") for n in basenames)
                ):
                    raise FileRefused(MACROS)
            else:
                mimetype = names.get("mimetype")
                if mimetype is None or mimetype.file_size > 200:
                    raise mismatch
                if archive.read(mimetype) != ODF_MIMETYPES[extension]:
                    raise mismatch
                for name in names:
                    if name.replace("\\", "/").lstrip("./").lower().startswith(ODF_MACRO_FOLDERS):
                        raise FileRefused(MACROS)
    except FileRefused:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        RuntimeError,
        ValueError,
        NotImplementedError,
        EOFError,
        OSError,
        KeyError,
    ) as error:
        # Broken, encrypted or exotic archives: not something an office suite wrote.
        raise mismatch from error


def _check_content(data: bytes, extension: str, typed: str) -> None:
    """Refuse content whose magic bytes do not match the extension the user gave."""
    mismatch = FileRefused(MISMATCH.format(extension=typed))
    if extension == "pdf":
        if not data.startswith(b"%PDF-"):
            raise mismatch
    elif extension == "png":
        if not (data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"):
            raise mismatch
    elif extension == "jpg":
        if not data.startswith(b"\xff\xd8\xff"):
            raise mismatch
    else:
        _check_zip(data, extension)  # office extensions are stored as typed


def check_upload(storage: werkzeug.datastructures.FileStorage) -> CheckedFile:
    """Read and check an upload; raises FileRefused with a French message if refused."""
    if storage is None or not storage.filename:
        raise FileRefused(NO_FILE)
    filename = safe_filename(storage.filename)
    _, typed = _split_extension(filename)
    if typed not in EXTENSIONS:
        raise FileRefused(TYPE_REFUSED)
    extension, content_type = EXTENSIONS[typed]
    data = _read_limited(storage.stream, MAX_FILE_BYTES + 1)
    if not data:
        raise FileRefused(EMPTY)
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(TOO_BIG)
    _check_content(data, extension, typed)
    return CheckedFile(
        filename=filename,
        extension=extension,
        content_type=content_type,
        size=len(data),
        data=data,
    )


# --- Storage ---------------------------------------------------------------------------


class FileStorage(ABC):
    """Where accepted files live; a folder today, an object store could replace it."""

    @abstractmethod
    def save(self, data: bytes, extension: str) -> str:
        """Store the bytes under a new random key and return the key."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading; raises ValueError or FileNotFoundError."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove a stored file (nothing happens if it is already gone)."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a file is stored under this key; raises ValueError for a malformed key."""


class FolderStorage(FileStorage):
    """Files in a folder as `ab/ab12….ext`: random names, two-character shards."""

    KEY = re.compile(
        r"(?P<shard>[0-9a-f]{2})/(?P=shard)[0-9a-f]{30}\.(?:"
        + "|".join(sorted(STORED_EXTENSIONS))
        + r")"
    )

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        """The file behind a key; raises ValueError for anything this storage did not make."""
        if not isinstance(key, str) or not self.KEY.fullmatch(key):
            raise ValueError(f"Not a storage key: {key!r}")
        shard, name = key.split("/")
        return self.root / shard / name

    def save(self, data: bytes, extension: str) -> str:
        """Write the bytes atomically under a new random key and return the key."""
        if extension not in STORED_EXTENSIONS:
            raise ValueError(f"Extension not allowed: {extension!r}")
        while True:
            token = secrets.token_hex(16)
            key = f"{token[:2]}/{token}.{extension}"
            target = self.path(key)
            if not target.exists():
                break
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            # A reader never sees a half-written file: the name appears complete or not at all.
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading; raises ValueError or FileNotFoundError."""
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        """Remove a stored file (nothing happens if it is already gone)."""
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether a file is stored under this key; raises ValueError for a malformed key."""
        return self.path(key).is_file()


def storage(app: Flask | None = None) -> FileStorage:
    """The file storage of the current app (one per app, made on first use)."""
    app = app or current_app._get_current_object()
    store = app.extensions.get("compagnon_storage")
    if store is None:
        root = app.config.get("UPLOADS_DIR") or os.path.join(app.instance_path, "uploads")
        store = app.extensions["compagnon_storage"] = FolderStorage(root)
    return store


# --- Serving ---------------------------------------------------------------------------


def send_stored_file(key: str, filename: str, content_type: str) -> Response:
    """Send a stored file as a download under its safe name; aborts 404 if it is missing."""
    try:
        handle = storage().open(key)
    except (ValueError, FileNotFoundError):
        abort(404)
    try:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(0)
        name = safe_filename(filename)
        response = send_file(
            handle,
            mimetype=content_type,
            as_attachment=True,
            download_name=name,
            etag=key.replace("/", "-"),  # keys are never reused, so the key is a fine ETag
            conditional=True,
            max_age=0,
        )
    except BaseException:
        handle.close()
        raise
    if response.status_code == 200:
        response.content_length = size
    fallback = _ascii_filename(name)
    if fallback == name:
        response.headers.set("Content-Disposition", "attachment", filename=name)
    else:
        encoded = quote(name, safe="!#$&+-.^_`|~")  # RFC 5987 attr-char
        response.headers.set(
            "Content-Disposition",
            "attachment",
            filename=fallback,
            **{"filename*": f"UTF-8''{encoded}"},
        )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.private = True
    return response


# --- Display ---------------------------------------------------------------------------


def _decimal(value: float) -> str:
    """One decimal with a French decimal comma, without a useless ",0"."""
    text = f"{value:.1f}"
    return (text[:-2] if text.endswith(".0") else text).replace(".", ",")


def human_size(size: int) -> str:
    """A size in French units: "850 octets", "12 Ko", "1,4 Mo" (1 Ko = 1,024 bytes)."""
    if size < 1024:
        return f"{size}{NBSP}{'octet' if size < 2 else 'octets'}"
    kilobytes = round(size / 1024)
    if kilobytes < 1000:
        return f"{kilobytes}{NBSP}Ko"
    megabytes = size / 1024**2
    if round(megabytes, 1) < 1000:
        return f"{_decimal(megabytes)}{NBSP}Mo"
    return f"{_decimal(size / 1024**3)}{NBSP}Go"


def type_label(extension: str) -> str:
    """The French name of a file type ("Document Word"), from its extension."""
    extension = (extension or "").lower().lstrip(".")
    return LABELS.get(extension, f"Fichier {extension.upper()}".strip())
