"""How people sign in besides their password: a second factor (TOTP and recovery codes),
an organisation's own identity provider (OpenID Connect) and the accounts it links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .organisation import Organisation
from .user import User


class SecondFactor(Base):
    """A person's authenticator app (TOTP, RFC 6238): the shared secret, and the time
    step of the last code accepted, so that no code is accepted twice."""

    __tablename__ = "second_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    # Base32, as authenticator apps take it.
    secret: Mapped[str] = mapped_column(String(64))
    last_used_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SecondFactor user={self.user_id}>"


class RecoveryCode(Base):
    """One of the ten codes that stand in for the authenticator app once each; only a
    SHA-256 of the code is kept (80 random bits: no slow hash needed)."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id}>"


class SignInProvider(Base):
    """An organisation's OpenID Connect provider (Entra ID, Google Workspace, Keycloak):
    people whose address is of one of its domains sign in there."""

    __tablename__ = "sign_in_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # Fernet token of the client secret (SIGN_IN_ENCRYPTION_KEYS); never shown again.
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    # Whether the covered domains may still use a password (False) or must sign in here.
    required: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    domains: Mapped[list[SignInDomain]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="SignInDomain.domain"
    )

    def __repr__(self) -> str:
        return f"<SignInProvider {self.id} {self.issuer!r}>"


class SignInDomain(Base):
    """An e-mail domain a provider covers (lower case); one provider per domain."""

    __tablename__ = "sign_in_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("sign_in_provider.id"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    provider: Mapped[SignInProvider] = relationship(back_populates="domains")

    def __repr__(self) -> str:
        return f"<SignInDomain {self.domain!r}>"


class ExternalIdentity(Base):
    """A person at a provider (its ``iss`` and ``sub``), linked to their account: what
    signs them in from then on, whatever their e-mail address becomes."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    # The address the provider asserted when the link was made (for the administrator).
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ExternalIdentity user={self.user_id} {self.issuer!r}>"
