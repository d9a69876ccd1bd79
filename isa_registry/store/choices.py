"""The pick-lists the forms and filters offer, and the one name a page needs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from .db import Session
from .models import Agreement as AgreementModel
from .models import Flow as FlowModel
from .models import Organisation as OrganisationModel

__all__ = ["agreement_choices", "organisation_choices", "organisation_name", "programmes"]


def organisation_name(session: Session, key: str) -> str:
    """The organisation's name (one statement), or its key when there is none."""
    return session.scalar(select(OrganisationModel.name).where(OrganisationModel.key == key)) or key


def programmes(session: Session) -> list[str]:
    """The programmes that flows name, for the flows list's filter."""
    f = FlowModel.__table__
    return list(
        session.scalars(
            select(f.c.programme).where(f.c.programme.is_not(None)).distinct().order_by(f.c.programme)
        )
    )


def organisation_choices(session: Session, keep: Sequence[str | None] = ()) -> list[tuple[str, str]]:
    """(key, name) of every organisation that is not archived, plus any in ``keep``, by name."""
    o = OrganisationModel.__table__
    wanted = [k for k in keep if k]
    rows = session.execute(
        select(o.c.key, o.c.name)
        .where(or_(o.c.archived.is_(False), o.c.key.in_(wanted)))
        .order_by(o.c.name, o.c.key)
    ).all()
    return [(k, n) for k, n in rows]


def agreement_choices(session: Session, keep: Sequence[str | None] = ()) -> list[tuple[str, str]]:
    """(key, title) of every agreement that is not archived, plus any in ``keep``, by key."""
    a = AgreementModel.__table__
    wanted = [k for k in keep if k]
    rows = session.execute(
        select(a.c.key, a.c.title).where(or_(a.c.archived.is_(False), a.c.key.in_(wanted))).order_by(a.c.key)
    ).all()
    return [(k, t) for k, t in rows]
