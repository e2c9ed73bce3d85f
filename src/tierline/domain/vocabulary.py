"""The domain's words as string enums, so they serialise as themselves in JSON, YAML and SQL."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"

    @property
    def rank(self) -> int:
        """1 is the most severe, so smaller sorts first."""
        return int(self.value[1])


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    WEB = "web"
    SOCIAL = "social"
    API = "api"


class EscalationType(StrEnum):
    """SPEC §2: every escalation records one of these."""

    TIER = "tier"
    FUNCTIONAL = "functional"
    COMPLEXITY = "complexity"
    AUTHORITY = "authority"
    CUSTOMER_INITIATED = "customer_initiated"
    EXECUTIVE = "executive"
    REGULATORY = "regulatory"
    SLA = "sla"
    INCIDENT = "incident"


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"
    ACCEPTANCE = "acceptance"
    REGULATORY = "regulatory"
    APPROVAL = "approval"
    COMMITMENT = "commitment"
    # Customer communication deadlines (R-COMM): each required message is a clock.
    ACKNOWLEDGEMENT = "acknowledgement"
    ESCALATION_NOTICE = "escalation_notice"
    DAILY_UPDATE = "daily_update"
    RESOLUTION_MESSAGE = "resolution_message"
    FOLLOW_UP = "follow_up"
    CONFIRMATION = "confirmation"  # the customer's window to confirm a resolution


#: The message kind (``MESSAGE.kind``, template name) each communication clock waits for.
MESSAGE_KIND_OF_CLOCK: dict[ClockKind, str] = {
    ClockKind.ACKNOWLEDGEMENT: "acknowledgement",
    ClockKind.ESCALATION_NOTICE: "escalation_notice",
    ClockKind.DAILY_UPDATE: "daily_update",
    ClockKind.RESOLUTION_MESSAGE: "resolution",
    ClockKind.FOLLOW_UP: "follow_up",
}

#: Clocks that stand for a message owed to the customer; their breach alerts the owner of the
#: next communication and then the coordinator, and never moves the case up a tier.
COMMUNICATION_CLOCKS: frozenset[ClockKind] = frozenset(
    {
        ClockKind.ACKNOWLEDGEMENT,
        ClockKind.ESCALATION_NOTICE,
        ClockKind.DAILY_UPDATE,
        ClockKind.RESOLUTION_MESSAGE,
        ClockKind.FOLLOW_UP,
        ClockKind.COMMITMENT,
    }
)


#: Clocks that a pause status may name; the regulatory and commitment clocks are deliberately
#: absent because external obligations and promises to a customer cannot be paused.
PAUSABLE_CLOCKS: frozenset[ClockKind] = frozenset(
    {ClockKind.FIRST_RESPONSE, ClockKind.NEXT_UPDATE, ClockKind.RESOLUTION, ClockKind.ACCEPTANCE}
)


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    MET_LATE = "met_late"
    CANCELLED = "cancelled"


class TimeBasis(StrEnum):
    """Whether a target counts business hours of a calendar or elapsed wall-clock time."""

    BUSINESS = "business"
    CALENDAR = "calendar"


class OwnershipModel(StrEnum):
    RELAY = "relay"
    BATON = "baton"
    HYBRID = "hybrid"


class AccountValue(StrEnum):
    STANDARD = "standard"
    VIP = "vip"
    STRATEGIC = "strategic"

    @property
    def rank(self) -> int:
        return {"standard": 0, "vip": 1, "strategic": 2}[self.value]


class Segment(StrEnum):
    SMB = "smb"
    MID_MARKET = "mid_market"
    ENTERPRISE = "enterprise"
    CONSUMER = "consumer"


class CaseStatus(StrEnum):
    """Lifecycle statuses every policy shares; pause statuses are named by the policy itself."""

    NEW = "new"
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ClosureKind(StrEnum):
    CUSTOMER_ACCEPTED = "customer_accepted"
    PROCESS_CLOSED = "process_closed"


class ActionKind(StrEnum):
    """Actions whose size is bounded by a role's authority limits (R-AUTH-1)."""

    CREDIT = "credit"
    REFUND = "refund"
    FEE_WAIVER = "fee_waiver"
    POLICY_EXCEPTION = "policy_exception"
    TIMELINE_COMMITMENT = "timeline_commitment"


class TriggerKind(StrEnum):
    """R-TRIG-1's built-in trigger kinds, plus a plain typed condition."""

    TIME_IN_TIER = "time_in_tier"
    CONTACT_TYPE_TIER = "contact_type_tier"
    CUSTOMER_REQUEST = "customer_request"
    REGULATORY_FLAG = "regulatory_flag"
    SUSPECTED_DEFECT = "suspected_defect"
    REPEAT_CONTACTS = "repeat_contacts"
    CUSTOMER_WAIT = "customer_wait"
    AUTHORITY_EXCEEDED = "authority_exceeded"
    ACCOUNT_VALUE = "account_value"
    TIME_SENSITIVE_CATEGORY = "time_sensitive_category"
    FRUSTRATION = "frustration"
    MANY_AFFECTED = "many_affected"
    CONDITION = "condition"


class EmotionalState(StrEnum):
    CALM = "calm"
    CONCERNED = "concerned"
    FRUSTRATED = "frustrated"
    ANGRY = "angry"
    DISTRESSED = "distressed"


class MessageDirection(StrEnum):
    INBOUND = "inbound"  # from the customer
    OUTBOUND = "outbound"  # to the customer
    INTERNAL = "internal"  # a note between staff
