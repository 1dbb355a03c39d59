"""Uploads: what is refused and why, hostile names, storage keys, downloads."""

import io
import re
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask import request
from werkzeug.datastructures import FileStorage as Upload

from app.files import (
    MAX_FILE_BYTES,
    CheckedFile,
    FileRefused,
    FolderStorage,
    check_upload,
    human_size,
    safe_filename,
    send_stored_file,
    storage,
    type_label,
)

NBSP = "\u00a0"
TYPE_REFUSED = (
    f"Ce type de fichier n’est pas accepté. Formats acceptés{NBSP}: "
    "PDF, DOCX, ODT, XLSX, ODS, PNG, JPEG."
)
TOO_BIG = f"Le fichier dépasse 10{NBSP}Mo."
EMPTY = "Le fichier est vide."
MACROS = "Les documents contenant des macros ne sont pas acceptés."
ZIP_BOMB = (
    f"Ce document est anormalement volumineux une fois décompressé{NBSP}: il n’est pas accepté."
)


def mismatch(extension: str) -> str:
    return f"Le contenu du fichier ne correspond pas à son extension .{extension}."


# --- Real small files ------------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes() -> bytes:
    """A valid 1×1 red PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = png_bytes()
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xdb\x00\x43\x00"
    + bytes(range(64))
    + b"\xff\xd9"
)

DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
XLSX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
XLSM_TYPES = XLSX_TYPES.replace(
    "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "vnd.ms-excel.sheet.macroEnabled.main+xml",
)


def make_zip(members: dict[str, bytes | str], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            # ODF wants `mimetype` first and uncompressed, as LibreOffice writes it.
            archive.writestr(stored_first, members[stored_first], zipfile.ZIP_STORED)
        for name, content in members.items():
            if name != stored_first:
                archive.writestr(name, content)
    return buffer.getvalue()


def docx(**extra) -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": DOCX_TYPES,
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document><w:body><w:p/></w:body></w:document>",
            **extra,
        }
    )


def xlsx(types: str = XLSX_TYPES, **extra) -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": types,
            "_rels/.rels": "<Relationships/>",
            "xl/workbook.xml": "<workbook><sheets/></workbook>",
            **extra,
        }
    )


def odf(kind: str, extra: dict | None = None) -> bytes:
    return make_zip(
        {
            "mimetype": f"application/vnd.oasis.opendocument.{kind}",
            "content.xml": "<office:document-content/>",
            "META-INF/manifest.xml": "<manifest:manifest/>",
            **(extra or {}),
        },
        stored_first="mimetype",
    )


def upload(filename: str | None, data: bytes) -> Upload:
    return Upload(stream=io.BytesIO(data), filename=filename)


def refusal(filename: str | None, data: bytes) -> str:
    with pytest.raises(FileRefused) as caught:
        check_upload(upload(filename, data))
    return caught.value.message


# --- Accepted files --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "extension", "content_type"),
    [
        ("Livret d’accueil – EHPAD.pdf", PDF, "pdf", "application/pdf"),
        ("plan.png", PNG, "png", "image/png"),
        ("photo.jpg", JPEG, "jpg", "image/jpeg"),
        ("Photo équipe.JPEG", JPEG, "jpg", "image/jpeg"),
        (
            "trame.docx",
            docx(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "planning.xlsx",
            xlsx(),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("trame.odt", odf("text"), "odt", "application/vnd.oasis.opendocument.text"),
        (
            "planning.ods",
            odf("spreadsheet"),
            "ods",
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
    ],
)
def test_accepts_each_allowed_type(filename, data, extension, content_type):
    checked = check_upload(upload(filename, data))
    assert checked == CheckedFile(
        filename=safe_filename(filename),
        extension=extension,
        content_type=content_type,
        size=len(data),
        data=data,
    )


def test_accepted_name_keeps_accents_apostrophe_and_dash():
    checked = check_upload(upload("Livret d’accueil – EHPAD.pdf", PDF))
    assert checked.filename == "Livret d’accueil – EHPAD.pdf"


def test_accepts_exactly_ten_megabytes():
    data = PDF + b"0" * (MAX_FILE_BYTES - len(PDF))
    assert check_upload(upload("gros.pdf", data)).size == 10 * 1024 * 1024


def test_accepts_a_real_multipart_upload(app):
    """Through a real request: the stream is Werkzeug's, not a BytesIO."""

    @app.post("/test-upload")
    def receive():
        try:
            checked = check_upload(request.files["document"])
        except FileRefused as refused:
            return refused.message, 422
        return f"{checked.filename}|{checked.size}"

    client = app.test_client()
    ok = client.post(
        "/test-upload",
        data={"document": (io.BytesIO(PDF), "Livret d’accueil.pdf")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 200
    assert ok.text == f"Livret d’accueil.pdf|{len(PDF)}"
    bad = client.post(
        "/test-upload",
        data={"document": (io.BytesIO(PNG), "faux.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert bad.text == mismatch("pdf")


# --- Refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename",
    [
        "setup.exe",
        "facture.pdf.exe",
        "page.html",
        "image.svg",
        "macro.docm",
        "sans-extension",
        "archive.zip",
    ],
)
def test_refuses_other_types(filename):
    assert refusal(filename, PDF) == TYPE_REFUSED


def test_refuses_a_missing_file():
    assert refusal("", b"") == "Aucun fichier n’a été envoyé."
    assert refusal(None, b"") == "Aucun fichier n’a été envoyé."


def test_refuses_an_empty_file():
    assert refusal("vide.pdf", b"") == EMPTY


def test_refuses_ten_megabytes_and_one_byte():
    data = PDF + b"0" * (MAX_FILE_BYTES + 1 - len(PDF))
    assert len(data) == 10 * 1024 * 1024 + 1
    assert refusal("gros.pdf", data) == TOO_BIG


def test_never_reads_more_than_the_limit_from_an_endless_stream():
    class Endless(io.RawIOBase):
        read_so_far = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"%" * len(buffer)
            self.read_so_far += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(FileRefused) as caught:
        check_upload(Upload(stream=stream, filename="infini.pdf"))
    assert caught.value.message == TOO_BIG
    assert stream.read_so_far <= MAX_FILE_BYTES + 1


@pytest.mark.parametrize(
    ("filename", "data", "extension"),
    [
        ("rapport.pdf", PNG, "pdf"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "pdf"),
        ("photo.png", JPEG, "png"),
        ("photo.png", b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>", "png"),  # no IHDR chunk
        ("photo.jpg", PNG, "jpg"),
        ("photo.jpeg", PDF, "jpeg"),
        ("trame.docx", PDF, "docx"),
        ("trame.docx", xlsx(), "docx"),  # a zip, but a spreadsheet
        ("planning.xlsx", docx(), "xlsx"),
        ("trame.odt", odf("spreadsheet"), "odt"),
        ("planning.ods", odf("text"), "ods"),
        ("trame.odt", odf("text-template"), "odt"),
        ("trame.odt", docx(), "odt"),  # no mimetype member
        ("trame.docx", make_zip({"word/document.xml": "<w/>"}), "docx"),  # no content types
        ("trame.docx", b"PK\x03\x04" + b"\x00" * 200, "docx"),  # broken zip
        ("trame.docx", PNG + docx(), "docx"),  # image with a zip glued after it
    ],
)
def test_refuses_content_that_does_not_match_the_extension(filename, data, extension):
    assert refusal(filename, data) == mismatch(extension)


def test_refuses_a_docx_with_a_vba_project():
    assert refusal("trame.docx", docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})) == MACROS


def test_refuses_an_xlsx_declared_macro_enabled():
    assert refusal("planning.xlsx", xlsx(types=XLSM_TYPES)) == MACROS


def test_refuses_an_xlsx_with_a_vba_project_in_another_folder():
    data = xlsx(**{"xl/Custom/VBAPROJECT.BIN": b"\xd0\xcf\x11\xe0"})
    assert refusal("planning.xlsx", data) == MACROS


def test_refuses_an_odt_with_basic_macros():
    data = odf("text", {"Basic/Standard/Module1.xml": "<script:module/>"})
    assert refusal("trame.odt", data) == MACROS


def test_refuses_an_ods_with_scripts():
    data = odf("spreadsheet", {"Scripts/python/run.py": "import os"})
    assert refusal("planning.ods", data) == MACROS


def test_refuses_a_zip_with_too_many_members():
    members = {f"word/media/image{n}.xml": "" for n in range(2001)}
    data = docx(**members)
    assert len(data) < MAX_FILE_BYTES
    assert refusal("trame.docx", data) == ZIP_BOMB


def test_refuses_a_zip_that_inflates_beyond_100_megabytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        archive.writestr("word/document.xml", "<w/>")
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(101):
                member.write(block)
    data = buffer.getvalue()
    assert len(data) < MAX_FILE_BYTES
    assert refusal("trame.docx", data) == ZIP_BOMB


# --- Names -----------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\win.ini.pdf",
    "a\x00b\n.pdf",
    ".htaccess.pdf",
    "x" * 300 + ".pdf",
    "CON<>|.pdf",
    "/",
    "..",
    "",
    "\x00\x01\x1f\x7f",
    "C:\\Users\\moi\\Bureau\\note.pdf",
    "facture\u202efdp.exe",
    ' "quoted";\r\nSet-Cookie: a=b.pdf',
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_names_never_hold_a_path_or_control_character(name):
    safe = safe_filename(name)
    assert safe
    assert "/" not in safe and "\\" not in safe
    assert not any(unicodedata.category(c).startswith("C") for c in safe)
    assert not re.search(r'[<>:"|?*]', safe)
    assert not safe.startswith(".")
    assert len(safe) <= 120
    assert safe == safe.strip()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Livret d’accueil – EHPAD.pdf", "Livret d’accueil – EHPAD.pdf"),
        ("Fiche métier l'aide-soignant(e).docx", "Fiche métier l'aide-soignant(e).docx"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\win.ini.pdf", "win.ini.pdf"),
        ("C:\\Users\\moi\\Bureau\\note.pdf", "note.pdf"),
        ("a\x00b\n.pdf", "ab.pdf"),
        (".htaccess.pdf", "htaccess.pdf"),
        ("CON<>|.pdf", "CON_.pdf"),
        ("Compte rendu : réunion?.pdf", "Compte rendu réunion.pdf"),
        ("  trop   d’espaces\t ici  .pdf", "trop d’espaces ici.pdf"),
        ("e\u0301te\u0301.pdf", "\u00e9t\u00e9.pdf"),  # NFC
        ("rapport.PDF", "rapport.pdf"),
        (".pdf", "document.pdf"),
        ("../.pdf", "document.pdf"),
        ("", "document"),
        ("...", "document"),
    ],
)
def test_safe_filename_examples(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_is_nfc():
    name = safe_filename("Re\u0301union d’e\u0301quipe.odt")
    assert name == unicodedata.normalize("NFC", name)
    assert "\u0301" not in name


def test_long_names_are_cut_to_120_characters_keeping_the_extension():
    safe = safe_filename("é" * 300 + ".xlsx")
    assert len(safe) == 120
    assert safe == "é" * 115 + ".xlsx"


def test_spoofed_extension_is_not_hidden_by_a_bidi_override():
    safe = safe_filename("facture\u202efdp.exe")
    assert safe == "facturefdp.exe"
    assert refusal("facture\u202efdp.exe", PDF) == TYPE_REFUSED


# --- Storage ---------------------------------------------------------------------------

KEY_PATTERN = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}\.pdf")


def test_folder_storage_round_trip(tmp_path):
    store = FolderStorage(tmp_path / "uploads")
    key = store.save(PDF, "pdf")
    assert KEY_PATTERN.fullmatch(key)
    assert key[:2] == key[3:5]  # sharded by the name's first two characters
    assert (tmp_path / "uploads" / key).read_bytes() == PDF
    assert store.exists(key)
    with store.open(key) as handle:
        assert handle.read() == PDF
    store.delete(key)
    assert not store.exists(key)
    assert not (tmp_path / "uploads" / key).exists()
    store.delete(key)  # already gone: no error
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_folder_storage_uses_new_random_names_and_leaves_no_temporary_file(tmp_path):
    store = FolderStorage(tmp_path)
    keys = {store.save(PNG, "png") for _ in range(20)}
    assert len(keys) == 20
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == sorted(keys)


@pytest.mark.parametrize("extension", ["exe", "../pdf", "pdf/../../x", "", "PDF"])
def test_folder_storage_refuses_other_extensions(tmp_path, extension):
    with pytest.raises(ValueError):
        FolderStorage(tmp_path / "uploads").save(PDF, extension)
    assert not any(tmp_path.rglob("*.*"))


HOSTILE_KEYS = [
    "../secret_key",
    "/etc/passwd",
    "ab/../../x",
    "..",
    "",
    "ab/ab" + "0" * 30 + ".exe",
    "ab/cd" + "0" * 30 + ".pdf",  # shard does not match the name
    "AB/AB" + "0" * 30 + ".pdf",
    "ab\\ab" + "0" * 30 + ".pdf",
    "ab/ab" + "0" * 30 + ".pdf\n",
    "ab/ab" + "0" * 30 + ".pdf/../../../secret_key",
    None,
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_folder_storage_refuses_hostile_keys(tmp_path, key):
    (tmp_path / "secret_key").write_text("do not read me")
    store = FolderStorage(tmp_path / "uploads")
    with pytest.raises(ValueError):
        store.open(key)
    with pytest.raises(ValueError):
        store.exists(key)
    with pytest.raises(ValueError):
        store.delete(key)
    assert (tmp_path / "secret_key").read_text() == "do not read me"


def test_storage_is_the_uploads_folder_of_the_app(app):
    with app.app_context():
        store = storage()
        assert store is storage()  # one per app
        key = store.save(PDF, "pdf")
    assert (Path(app.config["UPLOADS_DIR"]) / key).read_bytes() == PDF


# --- Downloads -------------------------------------------------------------------------


@pytest.fixture
def download(app):
    """A client on an app with a test route that serves a stored file."""

    @app.get("/test-download/<path:key>")
    def serve(key):
        return send_stored_file(key, "Livret d’accueil – EHPAD.pdf", "application/pdf")

    return app.test_client()


def test_downloads_are_attachments_with_the_utf8_name(app, download):
    with app.app_context():
        key = storage().save(PDF, "pdf")
    with download.get(f"/test-download/{key}") as response:
        assert response.status_code == 200
        assert response.data == PDF
        assert response.content_length == len(PDF)
        assert response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert 'filename="Livret d\'accueil - EHPAD.pdf"' in disposition
        encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
        assert unquote(encoded) == "Livret d’accueil – EHPAD.pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert "private" in response.headers["Cache-Control"]


def test_ascii_names_are_sent_as_they_are(app):
    with app.app_context():
        key = storage().save(PNG, "png")
    with app.test_request_context():
        response = send_stored_file(key, "plan.png", "image/png")
        try:
            assert response.headers["Content-Disposition"] == "attachment; filename=plan.png"
            assert response.mimetype == "image/png"
        finally:
            response.close()


def test_hostile_names_cannot_inject_headers(app):
    with app.app_context():
        key = storage().save(PDF, "pdf")
    with app.test_request_context():
        response = send_stored_file(key, '../x";\r\nSet-Cookie: a=b.pdf', "application/pdf")
        try:
            assert "Set-Cookie" not in response.headers
            disposition = response.headers["Content-Disposition"]
            assert "\r" not in disposition and "\n" not in disposition
            assert "/" not in disposition
        finally:
            response.close()


@pytest.mark.parametrize(
    "key",
    [
        "../secret_key",
        "..%2Fsecret_key",
        "etc/passwd",
        "ab/../../secret_key",
        "ab/ab" + "0" * 30 + ".pdf",  # well formed but not stored
    ],
)
def test_missing_or_hostile_keys_are_404(app, download, key):
    Path(app.instance_path, "secret_key").write_text("do not read me")
    with download.get(f"/test-download/{key}") as response:
        assert response.status_code == 404
        assert b"do not read me" not in response.data


def test_deleted_files_are_404(app, download):
    with app.app_context():
        key = storage().save(PDF, "pdf")
        storage().delete(key)
    with download.get(f"/test-download/{key}") as response:
        assert response.status_code == 404


# --- Display ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 octet"),
        (1, "1 octet"),
        (850, "850 octets"),
        (1023, "1023 octets"),
        (1024, "1 Ko"),
        (12 * 1024, "12 Ko"),
        (999 * 1024, "999 Ko"),
        (int(1.4 * 1024 * 1024), "1,4 Mo"),
        (10 * 1024 * 1024, "10 Mo"),
        (int(2.5 * 1024**3), "2,5 Go"),
    ],
)
def test_human_size_in_french(size, expected):
    assert human_size(size) == expected.replace(" ", NBSP)


@pytest.mark.parametrize(
    ("extension", "label"),
    [
        ("pdf", "PDF"),
        ("docx", "Document Word"),
        ("odt", "Document OpenDocument"),
        ("xlsx", "Tableur Excel"),
        ("ods", "Tableur OpenDocument"),
        ("png", "Image PNG"),
        ("jpg", "Image JPEG"),
        ("jpeg", "Image JPEG"),
        (".PDF", "PDF"),
    ],
)
def test_type_labels(extension, label):
    assert type_label(extension) == label
