from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .types import OrganisationKind, string_enum
from .user import User


class Organisation(Base):
    """A municipality, police district, business association... that runs courses."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        string_enum(OrganisationKind, "organisation_kind")
    )
    # IANA zone for showing times; None means the installation's TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The language of the documents it takes decisions on (the lägesbild): "sv", "nb" or
    # "en"; None means the language of whoever downloads one.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Organizer(Base):
    """A user who may run the cohorts of an organisation."""

    __tablename__ = "organizer"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Organizer user={self.user_id} organisation={self.organisation_id}>"


class Viewer(Base):
    """A user who reads the places of an organisation (and those it is partner of) and
    changes nothing: a steering group, a crime-prevention council, a politician.

    A table of its own rather than a role on ``organizer``, so that no check that asks
    "does this user organize the organisation?" can ever let a viewer write.
    """

    __tablename__ = "viewer"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Viewer user={self.user_id} organisation={self.organisation_id}>"


class Place(Base):
    """A station area, square or housing area that an organisation works on."""

    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<Place {self.id} {self.name!r}>"


class PlacePartner(Base):
    """An organisation that shares a place with its owner: its organizers and viewers
    read the place's findings; only the owner's organizers change them. That the owner is
    never its own partner is kept by ``services.sharing.add_partner``."""

    __tablename__ = "place_partner"
    __table_args__ = (UniqueConstraint("place_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # None once the person who added it has erased their account.
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    place: Mapped[Place] = relationship()
    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<PlacePartner place={self.place_id} organisation={self.organisation_id}>"
