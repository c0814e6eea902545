"""The optional photo of a finding: who may add, replace, remove and see it, what is
refused (with a message and nothing stored), and that what is stored is a re-encoded JPEG
without metadata, turned upright."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from academy.models import AuditEvent, Finding, FindingPhoto
from academy.services import photos
from tests import test_places
from tests.factories import make_enrolment, make_user
from tests.test_places import add_finding, login, submit, walk_answers, walk_row

# The fixtures of the place tests.
course = test_places.course
town = test_places.town
world = test_places.world


def jpeg(size=(40, 20), *, gps=False, orientation=None) -> bytes:
    """A JPEG whose left half is red and right half blue, with EXIF if asked."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Snoopy Camera Co"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (57.0, 11.0, 30.0)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (14.0, 2.0, 45.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def image_bytes(kind: str, size=(30, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, kind)
    return out.getvalue()


def photo_of(db, finding):
    db.expire_all()
    return db.get(FindingPhoto, finding.id)


def send(client, url, data: bytes | None, filename="photo.jpg", **kwargs):
    form = {} if data is None else {"photo": (io.BytesIO(data), filename)}
    return client.post_form(url, form, content_type="multipart/form-data", **kwargs)


@pytest.fixture
def finding(db, town):
    found = add_finding(db, town["station"], town["spring"], town["asa"], spot="Bike stand")
    db.commit()
    return found


def test_the_author_uploads_a_photo_stripped_of_gps_and_turned_upright(client, db, town, finding):
    asa = town["asa"]
    original = jpeg(gps=True, orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    login(client, asa.user)
    answer = send(client, f"/learn/{asa.id}/findings/{finding.id}/photo", original)
    assert answer.status_code == 302
    assert answer.location.endswith(f"/learn/{asa.id}/place#finding-{finding.id}")
    stored = photo_of(db, finding)
    assert stored.content_type == "image/jpeg" and stored.uploaded_by_id == asa.user_id
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "JPEG"
    # Orientation 6: turned a quarter clockwise, so the left (red) half is now on top.
    assert (image.width, image.height) == (stored.width, stored.height) == (20, 40)
    red, blue = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]
    # Nothing of the file's metadata: no EXIF (GPS, camera, orientation), no ICC profile.
    assert not image.getexif() and "icc_profile" not in image.info
    assert b"Exif" not in stored.data and b"Snoopy" not in stored.data
    assert db.scalar(
        select(func.count()).where(
            AuditEvent.action == "finding.photo_added", AuditEvent.object_id == finding.id
        )
    )


def test_an_organizer_adds_replaces_and_removes_a_photo(client, db, town, finding):
    login(client, town["organizer"])
    url = f"/organize/findings/{finding.id}/photo"
    answer = send(client, url + "?page=2", image_bytes("PNG", (3000, 1500), "RGBA"), "a.png")
    assert answer.status_code == 302
    assert answer.location.endswith(
        f"/organize/places/{town['station'].id}?page=2#finding-{finding.id}"
    )
    stored = photo_of(db, finding)
    # A PNG with transparency is flattened on white, re-encoded as JPEG, 2000 px at most.
    assert (stored.width, stored.height) == (2000, 1000)
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "JPEG" and image.getpixel((5, 5)) >= (250, 250, 250)

    page = client.get(f"/organize/places/{town['station'].id}").text
    assert f'src="/learn/findings/{finding.id}/photo.jpg"' in page
    assert 'alt="Photo of Bike stand"' in page and 'width="240" height="120"' in page
    assert "Replace the photo" in page and "Remove the photo" in page

    send(client, url, jpeg())
    assert (photo_of(db, finding).width, photo_of(db, finding).height) == (40, 20)
    answer = client.post_form(url + "/remove")
    assert answer.status_code == 302 and photo_of(db, finding) is None
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "finding", AuditEvent.object_id == finding.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["finding.photo_added", "finding.photo_replaced", "finding.photo_removed"]


def test_others_cannot_add_remove_or_see_the_photo(client, db, town, finding):
    bo = make_enrolment(db, town["spring"], make_user(db, name="Bo Bengtsson"))
    db.commit()
    # Bo's own enrolment, Åsa's finding; and the other organisation's organizer.
    login(client, bo.user)
    assert send(client, f"/learn/{bo.id}/findings/{finding.id}/photo", jpeg()).status_code == 404
    assert (
        send(client, f"/learn/{town['asa'].id}/findings/{finding.id}/photo", jpeg()).status_code
        == 404
    )
    login(client, town["other_organizer"])
    assert send(client, f"/organize/findings/{finding.id}/photo", jpeg()).status_code == 404
    assert photo_of(db, finding) is None

    login(client, town["organizer"])
    send(client, f"/organize/findings/{finding.id}/photo", jpeg())
    assert photo_of(db, finding) is not None
    url = f"/learn/findings/{finding.id}/photo.jpg"
    # Bo has not submitted a safety walk: he does not see the place's findings yet.
    for user in (bo.user, town["other_organizer"]):
        login(client, user)
        assert client.get(url).status_code == 404
    login(client, town["other_organizer"])
    assert client.post_form(f"/organize/findings/{finding.id}/photo/remove").status_code == 404
    assert photo_of(db, finding) is not None


def test_the_photo_is_served_privately_with_nosniff(client, db, town, finding):
    login(client, town["asa"].user)
    send(client, f"/learn/{town['asa'].id}/findings/{finding.id}/photo", jpeg())
    stored = photo_of(db, finding)
    for user in (town["asa"].user, town["organizer"]):
        login(client, user)
        answer = client.get(f"/learn/findings/{finding.id}/photo.jpg")
        assert answer.status_code == 200 and answer.data == stored.data
        assert answer.headers["Content-Type"] == "image/jpeg"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"].startswith("private")
    other = add_finding(db, town["station"], town["spring"], town["asa"], spot="No photo")
    db.commit()
    assert client.get(f"/learn/findings/{other.id}/photo.jpg").status_code == 404
    client.post_form("/logout")
    answer = client.get(f"/learn/findings/{finding.id}/photo.jpg")
    assert answer.status_code == 302 and "/login" in answer.location


BOMB = image_bytes("PNG", (10_000, 10_000), "1")  # 100 megapixels: Pillow's own warning
TOO_MANY = image_bytes("PNG", (7_000, 7_000), "1")  # 49 megapixels: over our limit


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (None, "", "Choose a photo to upload."),
        (b"", "photo.jpg", "Choose a photo to upload."),
        (b"%PDF-1.7 not a photo at all", "photo.jpg", "is not a photo that can be read"),
        (b"Just some text.\n" * 20, "photo.jpg", "is not a photo that can be read"),
        (jpeg()[:200], "photo.jpg", "is not a photo that can be read"),
        (image_bytes("GIF"), "photo.jpg", "Only JPEG and PNG photos"),
        (image_bytes("WEBP"), "photo.jpg", "Only JPEG and PNG photos"),
        (image_bytes("BMP"), "photo.png", "Only JPEG and PNG photos"),
        (BOMB, "bomb.png", "too many pixels"),
        (TOO_MANY, "big.png", "too many pixels"),
    ],
)
def test_refused_files_get_a_message_and_nothing_is_stored(
    client, db, town, finding, data, filename, message
):
    login(client, town["asa"].user)
    answer = send(
        client,
        f"/learn/{town['asa'].id}/findings/{finding.id}/photo",
        data,
        filename,
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert message in answer.text
    assert photo_of(db, finding) is None
    assert not db.scalar(select(func.count()).where(AuditEvent.object_type == "finding"))


def over_5_mb(client) -> dict:
    """A photo upload over the 5 MB request limit, built by hand: the test client would
    spool a large file to a temporary file that the refused request leaves open."""
    body = (
        b"--x\r\n"
        + f'Content-Disposition: form-data; name="csrf_token"\r\n\r\n{client.csrf_token()}'.encode()
        + b'\r\n--x\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
        + b"Content-Type: image/jpeg\r\n\r\n"
        + jpeg()
        + b"\0" * (5 * 1024 * 1024)
        + b"\r\n--x--\r\n"
    )
    return {
        "input_stream": io.BytesIO(body),
        "content_length": len(body),
        "content_type": "multipart/form-data; boundary=x",
    }


def test_a_file_over_5_mb_goes_back_to_the_finding_with_the_message(client, db, town, finding):
    """Refused before the view runs (the request limit), and back to the finding on the
    place page with the photo's message, still logged in; not an error page."""
    login(client, town["organizer"])
    answer = client.post(f"/organize/findings/{finding.id}/photo?page=1", **over_5_mb(client))
    assert answer.status_code == 303
    assert answer.headers["Location"] == (
        f"/organize/places/{town['station'].id}#finding-{finding.id}"
    )
    page = client.get(answer.headers["Location"]).text
    assert "The photo is larger than 5 MB." in page and "Bike stand" in page
    assert photo_of(db, finding) is None
    # The participant's own page the same way.
    asa = town["asa"]
    login(client, asa.user)
    answer = client.post(f"/learn/{asa.id}/findings/{finding.id}/photo", **over_5_mb(client))
    assert answer.headers["Location"] == f"/learn/{asa.id}/place#finding-{finding.id}"
    assert "The photo is larger than 5 MB." in client.get(answer.headers["Location"]).text
    # Someone who may not see the finding gets the error page, and learns nothing.
    login(client, town["other_organizer"])
    answer = client.post(f"/organize/findings/{finding.id}/photo", **over_5_mb(client))
    assert answer.status_code == 413 and "File too large" in answer.text
    assert "Bike stand" not in answer.text
    # Without the request limit (a chunked upload), the service's own check.
    with pytest.raises(photos.PhotoError) as error:
        photos.process(b"\xff" * (photos.MAX_BYTES + 1))
    assert error.value.message == photos.TOO_LARGE


def test_participants_see_photos_and_manage_only_their_own(
    client, db, course, world, with_real_course
):
    cohort = world["cohort"]
    asa = make_enrolment(db, cohort, make_user(db, name="Åsa Öberg", email="asa@example.se"))
    bo = make_enrolment(db, cohort, make_user(db, name="Bo Bengtsson", email="bo@example.se"))
    submit(db, asa, course, "safe-urban-planning", walk_answers([walk_row("Tunnel")]))
    submit(db, bo, course, "safe-urban-planning", walk_answers([walk_row("Bike stand")]))
    db.commit()
    tunnel = db.scalar(select(Finding).where(Finding.spot == "Tunnel"))
    bike = db.scalar(select(Finding).where(Finding.spot == "Bike stand"))
    login(client, bo.user)
    assert send(client, f"/learn/{bo.id}/findings/{bike.id}/photo", jpeg()).status_code == 302

    login(client, asa.user)
    html = client.get(f"/learn/{asa.id}/place").text
    # Her own finding is marked and has the form; Bo's has his photo and no form, no name.
    assert html.count("Your finding") == 1
    assert f"/learn/{asa.id}/findings/{tunnel.id}/photo" in html
    assert f'/findings/{bike.id}/photo"' not in html
    assert f'src="/learn/findings/{bike.id}/photo.jpg"' in html
    assert 'alt="Photo of Bike stand"' in html and "Bengtsson" not in html
    # She sees the photo, having submitted her own walk; she cannot change Bo's.
    assert client.get(f"/learn/findings/{bike.id}/photo.jpg").status_code == 200
    assert client.post_form(f"/learn/{asa.id}/findings/{bike.id}/photo/remove").status_code == 404
    assert photo_of(db, bike) is not None
