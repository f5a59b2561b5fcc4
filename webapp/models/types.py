"""Enumerations stored as checked strings (portable across SQLite and PostgreSQL)."""

from enum import StrEnum

from sqlalchemy import Enum


def enum_type(enum_cls: type[StrEnum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint holding the enum's values (not its names)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
    )


class MarketLevel(StrEnum):
    """Levels of the market hierarchy."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    STATION = "station"


class StaffRole(StrEnum):
    """Staff roles, from the narrowest to the widest."""

    STATION_STAFF = "station_staff"
    STATION_ADMIN = "station_admin"
    SUPERVISOR = "supervisor"  # city / province 人社 staff: read over a subtree
    AUDITOR = "auditor"  # reads the audit log of a subtree


class VerificationStatus(StrEnum):
    """Real-name verification (实名核验) states for workers and employers."""

    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"


class EmployerKind(StrEnum):
    """用工主体 kinds."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"  # 个人雇主
    HR_AGENCY = "hr_agency"  # 人力资源服务机构


class PayUnit(StrEnum):
    """计薪方式."""

    HOUR = "hour"
    DAY = "day"
    PIECE = "piece"
    MONTH = "month"


class Settlement(StrEnum):
    """结算方式: 日结 / 周结 / 完工结 / 月结."""

    DAILY = "daily"
    WEEKLY = "weekly"
    ON_COMPLETION = "on_completion"
    MONTHLY = "monthly"


class GigStatus(StrEnum):
    """Lifecycle of a posting (用工需求)."""

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"
    EXPIRED = "expired"
    REJECTED = "rejected"


class GigChannel(StrEnum):
    """来源渠道 of a posting: QR scan, window, specialist, phone."""

    QR = "qr"
    WINDOW = "window"
    SPECIALIST = "specialist"
    PHONE = "phone"


class ApplicationSource(StrEnum):
    """How a worker and a gig came together (对接方式)."""

    KIOSK_RECOMMENDATION = "kiosk_recommendation"  # 现场推荐
    WORKER_SELF = "worker_self"  # 自主报名 / 扫码报名
    STAFF_DISPATCH = "staff_dispatch"  # 轮候派工
    EMPLOYER_INVITE = "employer_invite"  # 雇主邀请


class ApplicationStatus(StrEnum):
    """The hire lifecycle (对接状态)."""

    PROPOSED = "proposed"
    APPLIED = "applied"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    PAID_CONFIRMED = "paid_confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# Statuses that hold one of the gig's places (counted in Gig.accepted_count).
HELD_STATUSES = frozenset(
    {
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.DISPATCHED,
        ApplicationStatus.ARRIVED,
        ApplicationStatus.COMPLETED,
        ApplicationStatus.PAID_CONFIRMED,
    }
)
# Statuses still in progress (not ended one way or the other).
LIVE_STATUSES = frozenset(
    {
        ApplicationStatus.PROPOSED,
        ApplicationStatus.APPLIED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.DISPATCHED,
        ApplicationStatus.ARRIVED,
    }
)


class CheckInMethod(StrEnum):
    """How a walk-in was identified at the station."""

    ID_CARD_FACE = "id_card_face"
    FACE_ONLY = "face_only"
    QR = "qr"
    STAFF_ASSISTED = "staff_assisted"


class FaceDecision(StrEnum):
    """Three-way face comparison outcome."""

    MATCH = "match"
    REVIEW = "review"
    REJECT = "reject"


class SubjectKind(StrEnum):
    """Whose record a credit event, sanction or consent concerns."""

    WORKER = "worker"
    EMPLOYER = "employer"


class ComplaintStatus(StrEnum):
    """投诉举报 handling states."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class RequestStatus(StrEnum):
    """Where a real-name verification request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class AgencyStatus(StrEnum):
    """人力资源服务许可证 state in the registry."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class ConsentPurpose(StrEnum):
    """What a consent covers (PIPL: face data needs its own, separate consent)."""

    PERSONAL_INFO = "personal_info"  # registration and matching
    FACE_VERIFICATION = "face_verification"  # compare the live face with the card photo once
    FACE_TEMPLATE = "face_template"  # keep a face template for later face-only check-in
    SMS = "sms"


class LedgerKind(StrEnum):
    """The five daily ledgers (五个日志台账)."""

    POLICY = "policy"  # ① 灵活用工政策宣讲日志
    DEMAND = "demand"  # ② 灵活用工企业需求日志
    SUPPLY = "supply"  # ③ 人力资源供给日志
    SPECIALIST = "specialist"  # ④ 用工专员服务企业日志
    MATCHING = "matching"  # ⑤ 零工市场即时对接日志
