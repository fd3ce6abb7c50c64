"""Files attached to tickets: checked, stored under random names, handed out only as downloads.

A file is accepted when its extension and its first bytes agree on one allowed type (photos,
PDF, Word): the browser-supplied content type is ignored, since anyone can forge it. What is
stored is the bytes under a random key in ATTACHMENT_DIR (outside static/), so nothing uploaded
is ever served as a page; the download sets the type we determined, `attachment` disposition
and `nosniff`, so even a disguised file cannot run in the reader's browser.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from hotline.domain import lifecycle
from hotline.domain.errors import Forbidden, InvalidInput
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import Actor
from hotline.domain.roles import Permission, allows
from hotline.domain.states import UNIT_WORK
from hotline.identity.access import check_view
from hotline.models import Attachment, Ticket, User


def _docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]
    matches: Callable[[bytes], bool]


KINDS = (
    Kind("image/jpeg", (".jpg", ".jpeg"), lambda d: d.startswith(b"\xff\xd8\xff")),
    Kind("image/png", (".png",), lambda d: d.startswith(b"\x89PNG\r\n\x1a\n")),
    Kind("application/pdf", (".pdf",), lambda d: d.startswith(b"%PDF-")),
    Kind("application/msword", (".doc",), lambda d: d.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")),
    Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",),
         lambda d: d.startswith(b"PK\x03\x04") and _docx(d)),
)
ACCEPT = ",".join(ext for kind in KINDS for ext in kind.extensions)
MAX_NAME = 200


def clean_name(raw: str | None) -> str:
    """The last path part without control characters: shown and offered as download name only."""
    name = PurePosixPath((raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if not name or name.startswith("."):
        raise InvalidInput("文件名无效 / invalid file name", field="attachment")
    return name[-MAX_NAME:]


def kind_of(name: str, data: bytes) -> Kind:
    """The allowed type that both the extension and the content agree on, else 415-worthy."""
    suffix = PurePosixPath(name).suffix.lower()
    for kind in KINDS:
        if suffix in kind.extensions:
            if kind.matches(data):
                return kind
            break
    raise UnsupportedFile(f"只接受图片（JPG/PNG）、PDF 和 Word 文件，且内容须与扩展名一致 / only "
                          f"JPG, PNG, PDF and Word files whose content matches the extension "
                          f"are accepted: {name}", field="attachment")


class UnsupportedFile(InvalidInput):
    status = 415
    code = "unsupported_file"


def size(n: int) -> str:
    """A byte count as people read a limit: 10 MB, 512 KB, 900 B (both languages write it so)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} B"


class FileTooLarge(InvalidInput):
    status = 413
    code = "file_too_large"


def may_attach(user: User, ticket: Ticket) -> bool:
    """Posts that attach files: the centre on any ticket; a unit while it leads the work
    (dispatched, signed) or has an open assisting or forwarded (转派) task on it."""
    if not allows(user.role, Permission.ATTACH_FILES):
        return False
    if allows(user.role, Permission.VIEW_ALL_TICKETS):
        return True
    if ticket.department_id == user.department_id:
        return ticket.status in UNIT_WORK
    return any(t.department_id == user.department_id and t.open
               for t in (*ticket.assist_tasks, *ticket.forward_tasks))


@dataclass(frozen=True)
class Upload:
    """A checked file, held in memory until the action it belongs to has succeeded."""

    name: str
    kind: Kind
    data: bytes


def check(files: list[FileStorage], max_bytes: int) -> list[Upload]:
    """Validate every file of a form before anything is changed; empty file inputs are skipped."""
    uploads = []
    for file in files:
        if not file or not file.filename:
            continue
        name = clean_name(file.filename)
        data = file.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            limit = size(max_bytes)
            raise FileTooLarge(f"文件超过 {limit} 上限：{name} / file larger than {limit}: {name}",
                               field="attachment")
        if not data:
            raise InvalidInput(f"文件为空 / empty file: {name}", field="attachment")
        uploads.append(Upload(name, kind_of(name, data), data))
    return uploads


def save(session: Session, user: User, ticket: Ticket, uploads: list[Upload],
         directory: Path) -> list[Attachment]:
    """Write the files and their rows, with one trace event per file; the caller commits."""
    check_view(user, ticket)
    if uploads and not may_attach(user, ticket):
        raise Forbidden("当前不能为此工单上传附件 / you cannot attach files to this ticket now")
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    for upload in uploads:
        key = secrets.token_hex(16)
        (directory / key).write_bytes(upload.data)
        row = Attachment(ticket_id=ticket.id, department_id=user.department_id,
                         uploaded_by_id=user.id, filename=upload.name,
                         content_type=upload.kind.content_type, size=len(upload.data),
                         sha256=hashlib.sha256(upload.data).hexdigest(), storage_key=key)
        session.add(row)
        lifecycle.record(ticket, Actor.of(user), EventKind.ATTACHED, note=upload.name,
                         data={"size": len(upload.data), "type": upload.kind.content_type})
        rows.append(row)
    return rows


def discard(rows: list[Attachment], directory: Path) -> None:
    """Remove files whose transaction failed, so the disk holds no file without a row."""
    for row in rows:
        (directory / row.storage_key).unlink(missing_ok=True)
