"""Checking uploaded files by their content and keeping them in the attachment storage.

A file is accepted when its bytes are an image (PNG, JPEG, GIF, WebP), a PDF or UTF-8
text, its name's extension agrees with what the bytes are, and it is not larger than the
deployment's limit (10 MB by default). Anything else is a 422 naming the file's field.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from sqlalchemy.orm import Session

from orion.kernel.errors import FieldError
from orion.kernel.runtime import runtime_of
from orion.modules.messaging.exceptions import AttachmentRefused
from orion.modules.messaging.models import Attachment
from orion.modules.messaging.repository import AttachmentRepository
from orion.modules.messaging.settings import MessagingSettings, settings_from
from orion.modules.messaging.storage import storage_of

# content type -> the extensions a file of that type may have
ALLOWED = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
    "text/plain": {".txt", ".text", ".csv", ".log", ".md"},
}


@dataclass(frozen=True)
class Upload:
    """A file as posted: its name and bytes (at most the limit plus one byte read)."""

    filename: str
    data: bytes


def messaging_settings(session: Session) -> MessagingSettings:
    return settings_from(runtime_of(session).settings.modules.get("messaging"))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def content_type(filename: str, data: bytes) -> str | None:
    """What the bytes are, if they are something accepted whose name agrees; else None."""
    kind = filetype.guess(data)
    if kind is not None:
        mime = kind.mime
    elif b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        mime = "text/plain"
    else:
        return None
    extensions = ALLOWED.get(mime)
    if extensions is None or PurePath(filename).suffix.lower() not in extensions:
        return None
    return mime


def check_uploads(
    session: Session, uploads: list[Upload], *, field: str = "files"
) -> list[tuple[Upload, str]]:
    """Each upload with its content type; every refusal at once, naming `files[i]`."""
    settings = messaging_settings(session)
    errors: list[FieldError] = []
    if len(uploads) > settings.max_attachments:
        errors.append(FieldError(field, f"at most {settings.max_attachments} files a message"))
    checked = []
    for index, upload in enumerate(uploads):
        name = f"{field}[{index}]"
        if not upload.filename or len(upload.filename) > 255:
            errors.append(FieldError(name, "a file needs a name of at most 255 characters"))
        elif len(upload.data) > settings.max_attachment_bytes:
            limit = _mb(settings.max_attachment_bytes)
            errors.append(FieldError(name, f"{upload.filename} is larger than {limit}"))
        elif not upload.data:
            errors.append(FieldError(name, f"{upload.filename} is empty"))
        else:
            mime = content_type(upload.filename, upload.data)
            if mime is None:
                errors.append(
                    FieldError(
                        name,
                        f"{upload.filename} is not an image (PNG, JPEG, GIF, WebP), a PDF or "
                        "text matching its name",
                    )
                )
            else:
                checked.append((upload, mime))
    if errors:
        raise AttachmentRefused("an attachment was refused", errors=errors)
    return checked


def store(
    session: Session,
    checked: list[tuple[Upload, str]],
    *,
    tenant_id: uuid.UUID,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
) -> list[Attachment]:
    storage = storage_of(session)
    repository = AttachmentRepository(session)
    rows = []
    for upload, mime in checked:
        attachment_id = uuid.uuid4()
        key = f"{tenant_id}/{attachment_id}"
        storage.save(key, upload.data)
        rows.append(
            repository.add(
                Attachment(
                    id=attachment_id,
                    message_id=message_id,
                    conversation_id=conversation_id,
                    filename=PurePath(upload.filename.replace("\\", "/")).name[:255],
                    content_type=mime,
                    size=len(upload.data),
                    sha256=hashlib.sha256(upload.data).hexdigest(),
                    storage_key=key,
                )
            )
        )
    return rows


def load(session: Session, attachment: Attachment) -> bytes:
    return storage_of(session).load(attachment.storage_key)
