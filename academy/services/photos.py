"""The optional photo of a finding: checked, re-encoded and stored without metadata.

What is accepted: a JPEG or PNG of at most ``MAX_BYTES`` (the app-wide request limit,
``MAX_CONTENT_LENGTH``, is the same 5 MB and answers larger requests with the 413 page)
and at most ``MAX_PIXELS`` pixels, as Pillow opens it (the file name and the browser's
content type are not trusted). What is stored: the picture turned upright (EXIF
orientation), at most ``MAX_SIDE`` pixels on the long side, transparency flattened on
white, re-encoded as JPEG with nothing from the file but its pixels: no EXIF (so no GPS
position or camera), no ICC profile, no comments.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from ..models import Finding, FindingPhoto, utcnow
from . import audit

MAX_BYTES = 5 * 1024 * 1024
# 40 megapixels: more than any phone camera, far less than a decompression bomb.
MAX_PIXELS = 40_000_000
MAX_SIDE = 2000
JPEG_QUALITY = 85
ACCEPTED_FORMATS = ("JPEG", "PNG")
CONTENT_TYPE = "image/jpeg"


class PhotoError(ValueError):
    """Why a file was refused, as a message for the person who sent it."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


NO_FILE = _l("Choose a photo to upload.")
TOO_LARGE = _l("The photo is larger than 5 MB. Make it smaller and try again.")
NOT_AN_IMAGE = _l("The file is not a photo that can be read. Upload a JPEG or PNG file.")
WRONG_TYPE = _l("Only JPEG and PNG photos can be uploaded. Save the photo as JPEG or PNG.")
TOO_MANY_PIXELS = _l(
    "The photo has too many pixels (at most 40 megapixels). Make it smaller and try again."
)


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def _open(data: bytes) -> Image.Image:
    """The image, opened with the bomb checks as errors (the decompression-bomb warning
    as well: it is raised between ``MAX_PIXELS`` and twice that)."""
    with warnings.catch_warnings():
        # Pillow's other warnings (a broken EXIF block...) are no reason to refuse.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoError(TOO_MANY_PIXELS) from error
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            raise PhotoError(NOT_AN_IMAGE) from error
    return image


def process(data: bytes) -> ProcessedPhoto:
    """The photo to store from the bytes sent, or PhotoError with the reason."""
    if not data:
        raise PhotoError(NO_FILE)
    if len(data) > MAX_BYTES:
        raise PhotoError(TOO_LARGE)
    image = _open(data)
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoError(WRONG_TYPE)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoError(TOO_MANY_PIXELS)
    try:
        image.verify()
    except Exception as error:  # Pillow raises many kinds for a broken file.
        raise PhotoError(NOT_AN_IMAGE) from error
    # verify() leaves the image unusable: open it again to decode it.
    image = _open(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoError(TOO_MANY_PIXELS) from error
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError(NOT_AN_IMAGE) from error
    image = _flatten(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A new image from the pixels alone, so that nothing of the file's info travels on.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    body = out.getvalue()
    return ProcessedPhoto(
        data=body,
        content_type=CONTENT_TYPE,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(body).hexdigest(),
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def set_photo(
    session: Session,
    finding: Finding,
    photo: ProcessedPhoto,
    *,
    uploaded_by_id: int,
    organisation_id: int | None,
) -> FindingPhoto:
    """Add the finding's photo, or replace the one it has."""
    row = session.get(FindingPhoto, finding.id)
    replaced = row is not None
    if row is None:
        row = FindingPhoto(finding_id=finding.id)
        session.add(row)
    row.data = photo.data
    row.content_type = photo.content_type
    row.width, row.height = photo.width, photo.height
    row.sha256 = photo.sha256
    row.uploaded_by_id = uploaded_by_id
    row.uploaded_at = utcnow()
    session.flush()
    audit.record(
        session,
        "finding.photo_replaced" if replaced else "finding.photo_added",
        actor_id=uploaded_by_id,
        object_type="finding",
        object_id=finding.id,
        organisation_id=organisation_id,
        sha256=photo.sha256,
    )
    return row


def remove_photo(
    session: Session, finding: Finding, *, removed_by_id: int, organisation_id: int | None
) -> bool:
    """Remove the finding's photo; False if it had none."""
    row = session.get(FindingPhoto, finding.id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit.record(
        session,
        "finding.photo_removed",
        actor_id=removed_by_id,
        object_type="finding",
        object_id=finding.id,
        organisation_id=organisation_id,
    )
    return True


def read_upload(storage) -> bytes:
    """The bytes of an uploaded file (a werkzeug FileStorage or None), reading at most one
    byte more than ``MAX_BYTES`` so that a larger file is told apart without holding it."""
    if storage is None or not storage.filename:
        return b""
    return storage.stream.read(MAX_BYTES + 1)
