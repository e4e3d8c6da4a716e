"""Mutations enforcing the business rules of domain.md §5 (issue #3 part 4).

Each mutation is one write unit of work (:mod:`cobuild.resolvers.mutations`): rule checks read
inside the same transaction before anything is written, and a refused mutation writes nothing.
Errors carry ``extensions.code`` (``PAIRING_DUPLICATE``, ``ALREADY_CLAIMED`` …) and ``rule``;
soft rules come back as ``warnings`` in the payload. Batch ``upsert*`` fields key nodes by the
integration partner's external id (:mod:`cobuild.schema.upserts`). Every mutation takes an
idempotency key — the ``Idempotency-Key`` HTTP header or the ``clientMutationId`` argument — and
prunes the change feed now and then after it committed (:func:`_run`). Examples:
``docs/mutations.md``, ``docs/partners.md``.

Annotations are evaluated at definition time (no ``from __future__ import annotations``) because
the upsert inputs and fields are generated from the model.
"""

import datetime as dt
import enum
from typing import Annotated, Any, Awaitable, Callable, Optional

import strawberry
from strawberry.types import Info

from cobuild.graph import changes, idempotency, model
from cobuild.graph.compile import plain
from cobuild.graph.rules import Outcome
from cobuild.resolvers import mutations as run
from cobuild.schema import upserts
from cobuild.schema.filters import enum_for

# ------------------------------------------------------------------------------------------------
# Enums from the model: the entity layer's own enums (filters.enum_for), so each is defined once
# ------------------------------------------------------------------------------------------------
def model_enum(values: tuple[str, ...], owner: str, prop_name: str) -> Any:
    """The GraphQL enum of ``owner.prop_name``'s model values: the same enum filters and results use
    (:func:`cobuild.schema.filters.enum_for`), with its values' 中文 / English descriptions."""
    prop = model.label(owner).prop(prop_name) if owner in model.LABELS_BY_NAME else model.rel(owner).prop(prop_name)
    return enum_for(values, owner, prop)


PairingTypeEnum = model_enum(model.PAIRING_TYPES, "Pairing", "pairingType")
FormEnum = model_enum(model.FORMS, "Pairing", "forms")
AgreementTypeEnum = model_enum(model.AGREEMENT_TYPES, "Agreement", "agreementType")
ClaimModeEnum = model_enum(model.CLAIM_MODES, "CLAIMED", "mode")
ClaimRoleEnum = model_enum(model.CLAIM_ROLES, "CLAIMED", "role")
DirectionEnum = model_enum(model.DIRECTIONS, "Evaluation", "direction")
OutcomeEnum = model_enum(model.EVALUATION_OUTCOMES, "Evaluation", "outcome")


def _v(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_v(x) for x in value]
    return value


def _arg(zh: str, en: str) -> Any:
    return strawberry.argument(description=f"{zh} / {en}")


def _f(zh: str, en: str) -> Any:
    return strawberry.field(description=f"{zh} / {en}")


# ------------------------------------------------------------------------------------------------
# Payloads
# ------------------------------------------------------------------------------------------------
@strawberry.type(name="Warning", description="软性规则提示(不阻止操作) / A soft rule's note (the mutation was accepted)")
class MutationWarning:
    code: str = _f("稳定提示代码", "Stable warning code, e.g. PAIRING_WITHOUT_AGREEMENT")
    message: str = _f("说明", "What it means and what to do")


def _entity_types() -> dict[str, Any]:
    from cobuild.schema.entities import TYPES

    return TYPES


def _entity(label_name: str, id_attr: str) -> Any:
    """A payload field returning the changed entity itself, read after the mutation committed: one
    more statement, and only when the field is selected (the entity layer compiles its selection)."""
    from cobuild.resolvers.entities import resolve_lookup
    from cobuild.schema.entities import entity_from_row

    lab = model.label(label_name)
    cls = _entity_types()[label_name]

    async def resolve(self: Any, info: Info) -> Optional[cls]:  # type: ignore[valid-type]
        return await resolve_lookup(info, getattr(self, id_attr), label_name, entity_from_row)

    return strawberry.field(resolver=resolve, description=f"变更后的{lab.zh}(选择时多一次读取) / The {label_name} after the change (one more read when selected)")


def _warnings(o: Outcome) -> list[MutationWarning]:
    return [MutationWarning(code=w.code, message=w.message) for w in o.warnings]


@strawberry.type(description="结对操作结果 / Result of a pairing mutation")
class PairingPayload:
    pairing_id: strawberry.ID = _f("结对编号", "Pairing id")
    status: str = _f("结对的新状态", "The pairing's new status")
    pairing = _entity("Pairing", "pairing_id")
    warnings: list[MutationWarning] = _f("软性规则提示", "Soft-rule warnings")
    client_mutation_id: Optional[str] = strawberry.field(default=None, description="调用方传入的幂等键 / The clientMutationId sent, echoed")


@strawberry.type(description="签订协议结果 / Result of signing an agreement")
class AgreementPayload:
    agreement_id: strawberry.ID = _f("协议编号", "Agreement id")
    agreement = _entity("Agreement", "agreement_id")
    pairing_id: strawberry.ID = _f("所确立的结对", "The pairing it formalises")
    status: str = _f("协议状态", "The agreement's status")
    warnings: list[MutationWarning] = _f("软性规则提示", "Soft-rule warnings")
    client_mutation_id: Optional[str] = strawberry.field(default=None, description="调用方传入的幂等键 / The clientMutationId sent, echoed")


@strawberry.type(description="发布需求结果 / Result of publishing a demand")
class DemandPayload:
    demand_id: strawberry.ID = _f("需求编号", "Demand id")
    demand = _entity("Demand", "demand_id")
    status: str = _f("需求状态", "The demand's status")
    warnings: list[MutationWarning] = _f("软性规则提示", "Soft-rule warnings")
    client_mutation_id: Optional[str] = strawberry.field(default=None, description="调用方传入的幂等键 / The clientMutationId sent, echoed")


@strawberry.type(description="认领结果 / Result of a claim")
class ClaimPayload:
    item_id: strawberry.ID = _f("被认领的需求、项目或微心愿", "The claimed demand, project or micro-wish")
    claimant_id: strawberry.ID = _f("认领方", "The claimant")
    role: str = _f("牵头/协助", "LEAD or SUPPORT")
    status: str = _f("被认领事项的新状态", "The item's new status")
    warnings: list[MutationWarning] = _f("软性规则提示", "Soft-rule warnings")
    client_mutation_id: Optional[str] = strawberry.field(default=None, description="调用方传入的幂等键 / The clientMutationId sent, echoed")


@strawberry.type(description="项目状态变更结果 / Result of a project state change")
class ProjectPayload:
    project_id: strawberry.ID = _f("项目编号", "Project id")
    status: str = _f("项目的新状态", "The project's new status")
    project = _entity("Project", "project_id")
    warnings: list[MutationWarning] = _f("软性规则提示", "Soft-rule warnings")
    client_mutation_id: Optional[str] = strawberry.field(default=None, description="调用方传入的幂等键 / The clientMutationId sent, echoed")


@strawberry.type(description="评议结果 / Result of an evaluation")
class EvaluationPayload:
    evaluation_id: strawberry.ID = _f("评议编号", "Evaluation id")
    evaluation = _entity("Evaluation", "evaluation_id")
    pairing_id: strawberry.ID = _f("所评结对", "The pairing evaluated")
    status: str = _f("结对状态(整改时为 UNDER_RECTIFICATION)", "The pairing's status (UNDER_RECTIFICATION after a rectification outcome)")
    warnings: list[MutationWarning] = _f("软性规则提示", "Soft-rule warnings")
    client_mutation_id: Optional[str] = strawberry.field(default=None, description="调用方传入的幂等键 / The clientMutationId sent, echoed")


@strawberry.type(description="党员到社区报到结果 / Result of a party member reporting to a community")
class ReportPayload:
    person_id: strawberry.ID = _f("党员", "The party member")
    community_id: strawberry.ID = _f("社区", "The community")
    party_organization_id: strawberry.ID = _f("报到的社区党组织", "The community party organisation reported to")
    status: str = _f("报到状态", "Report status")
    warnings: list[MutationWarning] = _f("软性规则提示", "Soft-rule warnings")
    client_mutation_id: Optional[str] = strawberry.field(default=None, description="调用方传入的幂等键 / The clientMutationId sent, echoed")


@strawberry.type(description="服务记录结果 / Result of recording a service")
class ServiceRecordPayload:
    service_record_id: strawberry.ID = _f("服务记录编号", "Service record id")
    service_record = _entity("ServiceRecord", "service_record_id")
    hours_that_day: float = _f("该党员当日累计时长", "The person's total hours on that day, this record included")
    warnings: list[MutationWarning] = _f("软性规则提示", "Soft-rule warnings")
    client_mutation_id: Optional[str] = strawberry.field(default=None, description="调用方传入的幂等键 / The clientMutationId sent, echoed")


# ------------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------------
@strawberry.input(description="新建结对 / Create a pairing")
class CreatePairingInput:
    host_id: strawberry.ID = _f("社区侧:街道、社区、小区或其党组织", "Host side: a street, community or compound, or its party organisation")
    partner_id: strawberry.ID = _f("单位侧:单位或单位党组织", "Partner side: a unit or a unit's party organisation")
    pairing_type: PairingTypeEnum = strawberry.field(default=PairingTypeEnum.CO_BUILDING, description="结对类型 / Pairing type")  # type: ignore[valid-type]
    forms: list[FormEnum] = strawberry.field(default_factory=list, description="共建形式 / Forms of co-building")  # type: ignore[valid-type]
    since: Optional[dt.date] = strawberry.field(default=None, description="结对日期(默认今天,UTC) / Paired since (default: today, UTC)")


@strawberry.input(description="签订共建协议 / Sign a co-building agreement")
class SignAgreementInput:
    pairing_id: strawberry.ID = _f("所确立的结对", "The pairing the agreement formalises")
    agreement_type: AgreementTypeEnum = _f("协议类型", "Agreement type")  # type: ignore[valid-type]
    scope: list[FormEnum] = _f("协议范围(五联)", "Scope: a subset of the five co-building forms")  # type: ignore[valid-type]
    signer_ids: list[strawberry.ID] = _f("签署方(至少两方,须为结对各方)", "Signers (at least two, all parties to the pairing)")
    signed_at: Optional[dt.date] = strawberry.field(default=None, description="签订日期(不晚于今天) / Signed on (not in the future)")
    name: Optional[str] = strawberry.field(default=None, description="协议名称 / Agreement title")


@strawberry.input(description="发布需求 / Publish a demand")
class PublishDemandInput:
    publisher_id: strawberry.ID = _f("发布方(区域、党组织、单位或居民)", "Publisher: area, party organisation, unit or resident")
    name: str = _f("需求名称", "Title")
    description: Optional[str] = strawberry.field(default=None, description="说明 / Description")
    category_ids: list[strawberry.ID] = _f("类别(至少一个)", "Categories (at least one)")
    deadline: Optional[dt.date] = strawberry.field(default=None, description="截止日期 / Deadline")


@strawberry.input(description="认领需求、项目或微心愿 / Claim a demand, project or micro-wish")
class ClaimInput:
    item_id: strawberry.ID = _f("需求、项目或微心愿", "The demand, project or micro-wish")
    claimant_id: strawberry.ID = _f("认领方(党组织、单位或党员)", "Claimant: party organisation, unit or party member")
    mode: ClaimModeEnum = strawberry.field(default=ClaimModeEnum.CLAIM, description="认领方式 / Claim mode")  # type: ignore[valid-type]
    role: ClaimRoleEnum = strawberry.field(default=ClaimRoleEnum.LEAD, description="牵头或协助 / LEAD or SUPPORT")  # type: ignore[valid-type]


@strawberry.input(description="双向评议 / Two-way evaluation of a pairing")
class EvaluateInput:
    pairing_id: strawberry.ID = _f("被评议的结对", "The pairing evaluated")
    evaluator_id: strawberry.ID = _f("评议方(与方向对应一侧的结对方)", "Evaluator: a party on the side matching the direction")
    direction: DirectionEnum = _f("方向:AREA_TO_UNIT 社区评单位,UNIT_TO_AREA 单位评社区", "AREA_TO_UNIT (host side evaluates) or UNIT_TO_AREA (partner side evaluates)")  # type: ignore[valid-type]
    year: int = _f("年度", "Year")
    score: float = _f("得分(0–100)", "Score (0–100)")
    satisfaction_rate: Optional[float] = strawberry.field(default=None, description="居民满意度(%),社区评单位时必填 / Resident satisfaction (%), required for AREA_TO_UNIT")
    outcome: OutcomeEnum = strawberry.field(default=OutcomeEnum.OK, description="结果;通报批评或限期整改使结对进入整改 / Outcome; criticism or rectification puts the pairing under rectification")  # type: ignore[valid-type]


@strawberry.input(description="在职党员到社区报到 / An in-service party member reports to a community")
class ReportToCommunityInput:
    person_id: strawberry.ID = _f("党员", "The party member")
    community_id: strawberry.ID = _f("社区(须有社区党组织)", "The community (must have a party organisation)")
    reported_at: Optional[dt.date] = strawberry.field(default=None, description="报到日期(默认今天) / Reported on (default: today)")
    channel: Optional[str] = strawberry.field(default=None, description="渠道(线上、扫码…) / Channel (online, QR code …)")


@strawberry.input(description="记录志愿服务 / Record a volunteer service")
class RecordServiceInput:
    person_id: strawberry.ID = _f("服务人", "The person who served")
    date: dt.date = _f("服务日期(不晚于今天)", "Date of service (not in the future)")
    hours: float = _f("时长(大于0,不超过24)", "Hours (more than 0, at most 24)")
    points: Optional[int] = strawberry.field(default=None, description="积分 / Points awarded")
    at_id: strawberry.ID = _f("服务地点(社区或阵地)", "Where: a community (area) or a venue")
    for_id: Optional[strawberry.ID] = strawberry.field(default=None, description="服务对象(需求、项目或微心愿) / For: a demand, project or micro-wish")
    description: Optional[str] = strawberry.field(default=None, description="说明 / Description")


# ------------------------------------------------------------------------------------------------
# Idempotency and prune-on-write around every mutation
# ------------------------------------------------------------------------------------------------
CMID = Annotated[Optional[str], strawberry.argument(name="clientMutationId", description=(
    "幂等键:同一调用方以同键同内容重试,返回首次结果而不再写入 / Idempotency key: a retry by the same caller with the "
    "same key and input returns the first answer without writing again (or send the Idempotency-Key header)"))]


def _request(info: Info, operation: str, arguments: dict[str, Any], client_mutation_id: Optional[str]) -> Optional[idempotency.IdempotentRequest]:
    """The call's idempotency key: ``clientMutationId``, else the ``Idempotency-Key`` header (which
    covers one mutation field: a document with several uses it once per response key)."""
    settings = info.context.settings
    if client_mutation_id is not None:
        key = idempotency.check_key(client_mutation_id, "clientMutationId")
    else:
        request = info.context.request
        header = request.headers.get("idempotency-key") if request is not None else None
        if header is None:
            return None
        key = f"{idempotency.check_key(header, 'Idempotency-Key')}\x1f{info.path.key}"
    return idempotency.IdempotentRequest(
        key=key, principal=idempotency.principal_scope(info.context.principal), operation=operation,
        request_hash=idempotency.request_hash(operation, arguments),
        ttl_s=float(getattr(settings, "idempotency_ttl_s", 86_400)))


async def _run(info: Info, operation: str, arguments: dict[str, Any], client_mutation_id: Optional[str],
               call: Callable[[], Awaitable[Outcome]]) -> Outcome:
    """One mutation call: its idempotency key in force, then prune-on-write of the change feed."""
    with idempotency.using(_request(info, operation, arguments, client_mutation_id)):
        outcome = await call()
    settings = info.context.settings
    await changes.maybe_prune(info.context.engine, float(getattr(settings, "change_retention_days", 30)),
                              float(getattr(settings, "change_prune_interval_s", 3600)))
    return outcome


# ------------------------------------------------------------------------------------------------
# Mutation root
# ------------------------------------------------------------------------------------------------
@strawberry.type(description="写操作(每个操作一个事务;失败不写入任何内容;均可带幂等键) / Mutations (one transaction each; a failed mutation writes nothing; each takes an idempotency key)")
class Mutation:
    @strawberry.mutation(description="新建结对(规则 A1、A2、A5;派生共建边同步更新) / Create a pairing (rules A1, A2, A5; derived co-building edges are recomputed)")
    async def create_pairing(self, info: Info, input: Annotated[CreatePairingInput, _arg("结对内容", "The pairing")],
                             client_mutation_id: CMID = None) -> PairingPayload:
        o = await _run(info, "createPairing", {"input": plain(input)}, client_mutation_id, lambda: run.create_pairing(
            info.context.engine, info.context.principal, host_id=input.host_id, partner_id=input.partner_id,
            pairing_type=_v(input.pairing_type), forms=_v(input.forms), since=input.since))
        return PairingPayload(pairing_id=o.ids["pairingId"], status=o.ids["status"], warnings=_warnings(o),
                              client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="签订共建协议(规则 A3、A7) / Sign an agreement formalising a pairing (rules A3, A7)")
    async def sign_agreement(self, info: Info, input: Annotated[SignAgreementInput, _arg("协议内容", "The agreement")],
                             client_mutation_id: CMID = None) -> AgreementPayload:
        o = await _run(info, "signAgreement", {"input": plain(input)}, client_mutation_id, lambda: run.sign_agreement(
            info.context.engine, info.context.principal, pairing_id=input.pairing_id, agreement_type=_v(input.agreement_type),
            scope=_v(input.scope), signer_ids=list(input.signer_ids), signed_at=input.signed_at, name=input.name))
        return AgreementPayload(agreement_id=o.ids["agreementId"], pairing_id=o.ids["pairingId"], status=o.ids["status"],
                                warnings=_warnings(o), client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="终止结对(规则 A8;须先关闭其未完成项目) / Terminate a pairing (rule A8; its open projects must be closed first)")
    async def terminate_pairing(
        self, info: Info,
        pairing_id: Annotated[strawberry.ID, _arg("结对编号", "Pairing id")],
        reason: Annotated[str, _arg("终止原因", "Reason for terminating")],
        client_mutation_id: CMID = None,
    ) -> PairingPayload:
        o = await _run(info, "terminatePairing", {"pairingId": pairing_id, "reason": reason}, client_mutation_id,
                       lambda: run.terminate_pairing(info.context.engine, info.context.principal, pairing_id=pairing_id, reason=reason))
        return PairingPayload(pairing_id=o.ids["pairingId"], status=o.ids["status"], warnings=_warnings(o),
                              client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="发布需求(规则 D3) / Publish a demand (rule D3)")
    async def publish_demand(self, info: Info, input: Annotated[PublishDemandInput, _arg("需求内容", "The demand")],
                             client_mutation_id: CMID = None) -> DemandPayload:
        o = await _run(info, "publishDemand", {"input": plain(input)}, client_mutation_id, lambda: run.publish_demand(
            info.context.engine, info.context.principal, publisher_id=input.publisher_id, name=input.name,
            description=input.description, category_ids=list(input.category_ids), deadline=input.deadline))
        return DemandPayload(demand_id=o.ids["demandId"], status=o.ids["status"], warnings=_warnings(o),
                             client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="认领需求、项目或微心愿(规则 D1、D2、D4、D9;并发安全) / Claim a demand, project or micro-wish (rules D1, D2, D4, D9; safe under concurrent claims)")
    async def claim(self, info: Info, input: Annotated[ClaimInput, _arg("认领内容", "The claim")],
                    client_mutation_id: CMID = None) -> ClaimPayload:
        o = await _run(info, "claim", {"input": plain(input)}, client_mutation_id, lambda: run.claim(
            info.context.engine, info.context.principal, item_id=input.item_id, claimant_id=input.claimant_id,
            mode=_v(input.mode), role=_v(input.role)))
        return ClaimPayload(item_id=o.ids["itemId"], claimant_id=o.ids["claimantId"], role=o.ids["role"],
                            status=o.ids["status"], warnings=_warnings(o), client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="项目开始实施(CLAIMED → IN_PROGRESS) / Start a project (CLAIMED → IN_PROGRESS)")
    async def start_project(self, info: Info, project_id: Annotated[strawberry.ID, _arg("项目编号", "Project id")],
                            client_mutation_id: CMID = None) -> ProjectPayload:
        o = await _run(info, "startProject", {"projectId": project_id}, client_mutation_id,
                       lambda: run.start_project(info.context.engine, info.context.principal, project_id=project_id))
        return ProjectPayload(project_id=o.ids["projectId"], status=o.ids["status"], warnings=_warnings(o),
                              client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="项目完成(IN_PROGRESS → COMPLETED;须有服务记录或完成说明,规则 D5) / Complete a project (IN_PROGRESS → COMPLETED; needs a service record or a note, rule D5)")
    async def complete_project(
        self, info: Info,
        project_id: Annotated[strawberry.ID, _arg("项目编号", "Project id")],
        completed_at: Annotated[Optional[dt.date], _arg("完成日期(默认今天)", "Completed on (default: today)")] = None,
        note: Annotated[Optional[str], _arg("完成说明(无服务记录时必填)", "Completion note (required when no service record exists)")] = None,
        client_mutation_id: CMID = None,
    ) -> ProjectPayload:
        o = await _run(info, "completeProject", {"projectId": project_id, "completedAt": completed_at, "note": note},
                       client_mutation_id, lambda: run.complete_project(
                           info.context.engine, info.context.principal, project_id=project_id, completed_at=completed_at, note=note))
        return ProjectPayload(project_id=o.ids["projectId"], status=o.ids["status"], warnings=_warnings(o),
                              client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="双向评议(规则 E3、E4、E6、E7) / Two-way evaluation (rules E3, E4, E6, E7)")
    async def evaluate(self, info: Info, input: Annotated[EvaluateInput, _arg("评议内容", "The evaluation")],
                       client_mutation_id: CMID = None) -> EvaluationPayload:
        o = await _run(info, "evaluate", {"input": plain(input)}, client_mutation_id, lambda: run.evaluate(
            info.context.engine, info.context.principal, pairing_id=input.pairing_id, evaluator_id=input.evaluator_id,
            direction=_v(input.direction), year=input.year, score=input.score,
            satisfaction_rate=input.satisfaction_rate, outcome=_v(input.outcome)))
        return EvaluationPayload(evaluation_id=o.ids["evaluationId"], pairing_id=o.ids["pairingId"],
                                 status=o.ids["status"], warnings=_warnings(o), client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="在职党员到社区报到(规则 M1、M2) / An in-service party member reports to a community (rules M1, M2)")
    async def report_to_community(self, info: Info, input: Annotated[ReportToCommunityInput, _arg("报到内容", "The report")],
                                  client_mutation_id: CMID = None) -> ReportPayload:
        o = await _run(info, "reportToCommunity", {"input": plain(input)}, client_mutation_id, lambda: run.report_to_community(
            info.context.engine, info.context.principal, person_id=input.person_id, community_id=input.community_id,
            reported_at=input.reported_at, channel=input.channel))
        return ReportPayload(person_id=o.ids["personId"], community_id=o.ids["communityId"],
                             party_organization_id=o.ids["partyOrganizationId"], status=o.ids["status"],
                             warnings=_warnings(o), client_mutation_id=client_mutation_id)

    @strawberry.mutation(description="记录志愿服务(规则 PT5) / Record a volunteer service (rule PT5)")
    async def record_service(self, info: Info, input: Annotated[RecordServiceInput, _arg("服务内容", "The service")],
                             client_mutation_id: CMID = None) -> ServiceRecordPayload:
        o = await _run(info, "recordService", {"input": plain(input)}, client_mutation_id, lambda: run.record_service(
            info.context.engine, info.context.principal, person_id=input.person_id, date=input.date, hours=input.hours,
            points=input.points, at_id=input.at_id, for_id=input.for_id, description=input.description))
        return ServiceRecordPayload(service_record_id=o.ids["serviceRecordId"], hours_that_day=o.ids["hoursThatDay"],
                                    warnings=_warnings(o), client_mutation_id=client_mutation_id)

    # batch upserts by external id (cobuild.schema.upserts), one per record a partner may own
    upsert_admin_areas = upserts.upsert_field("AdminArea", _run)
    upsert_party_organizations = upserts.upsert_field("PartyOrganization", _run)
    upsert_units = upserts.upsert_field("Unit", _run)
    upsert_persons = upserts.upsert_field("Person", _run)
    upsert_pairings = upserts.upsert_field("Pairing", _run)
    upsert_agreements = upserts.upsert_field("Agreement", _run)
    upsert_demands = upserts.upsert_field("Demand", _run)
    upsert_resources = upserts.upsert_field("Resource", _run)
    upsert_projects = upserts.upsert_field("Project", _run)
    upsert_micro_wishes = upserts.upsert_field("MicroWish", _run)
    upsert_service_records = upserts.upsert_field("ServiceRecord", _run)
    upsert_evaluations = upserts.upsert_field("Evaluation", _run)
    upsert_venues = upserts.upsert_field("Venue", _run)
    upsert_alliances = upserts.upsert_field("Alliance", _run)
