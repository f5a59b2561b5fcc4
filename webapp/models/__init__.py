"""All models, imported in one place so Alembic and the app see the whole schema."""

from webapp.models.account import OtpChallenge, PhoneAccount, PhoneSession
from webapp.models.application import Application, ApplicationEvent
from webapp.models.audit import AuditEvent
from webapp.models.checkin import CheckIn
from webapp.models.compliance import Complaint, Consent, CreditEvent, Sanction
from webapp.models.employer import Agency, Employer
from webapp.models.gig import Gig, GigRevision
from webapp.models.kiosk_visit import KioskVisit
from webapp.models.ledger import LedgerAmendment, LedgerDay, PolicySession, SpecialistVisit
from webapp.models.market import Kiosk, Market
from webapp.models.matchchange import MatchChange
from webapp.models.publication import Publication
from webapp.models.staff import StaffSession, StaffUser
from webapp.models.verification import Document, VerificationRequest
from webapp.models.worker import FaceTemplate, Worker, WorkerCertificate, WorkerTrade

__all__ = [
    "VerificationRequest",
    "Document",
    "PhoneSession",
    "PhoneAccount",
    "OtpChallenge",
    "Agency",
    "Application",
    "ApplicationEvent",
    "AuditEvent",
    "CheckIn",
    "Complaint",
    "Consent",
    "CreditEvent",
    "Employer",
    "FaceTemplate",
    "Gig",
    "GigRevision",
    "Kiosk",
    "KioskVisit",
    "LedgerAmendment",
    "LedgerDay",
    "Market",
    "MatchChange",
    "PolicySession",
    "Publication",
    "Sanction",
    "SpecialistVisit",
    "StaffSession",
    "StaffUser",
    "Worker",
    "WorkerCertificate",
    "WorkerTrade",
]
