"""The Chinese term and English gloss of every enumerated value of the model, in one place.

GraphiQL shows these beside each enum value (``DUAL_LEAD`` → 双向领办 / two-way leadership), so a
frontend developer who does not read the source articles still picks the right value. The terms are
those of ``shared/domain.md`` and the five source articles (〔F000〕–〔F004〕); where the sources give
no term (values marked [A] in domain.md) the gloss says what the value means here.

Keys are the names of the model's enumeration constants (``model.AREA_LEVELS`` → ``"AREA_LEVELS"``).
:func:`check_vocabulary` runs at import: a value added to the model without its term here, or a term
left here for a value the model dropped, fails with a :class:`~cobuild.errors.ModelError` naming it.
"""

from __future__ import annotations

from cobuild.errors import ModelError
from cobuild.graph import model

Term = tuple[str, str]  # (中文, English)

VOCABULARY: dict[str, dict[str, Term]] = {
    "AREA_LEVELS": {
        "CITY": ("市", "City"),
        "DISTRICT": ("区(市)县、开发区、新区", "District, county, development zone or new area (district level)"),
        "STREET": ("街道", "Street (sub-district office)"),
        "TOWN": ("镇", "Town"),
        "COMMUNITY": ("社区", "Urban or agriculture-related community (社区)"),
        "VILLAGE": ("村", "Village"),
        "COMPOUND": ("小区(院落、农集区)", "Residential compound (小区/院落/农集区)"),
        "RESIDENT_GROUP": ("居民小组", "Residents' group"),
        "GRID": ("网格", "Grid (网格, the smallest management cell)"),
    },
    "COMMUNITY_TYPES": {
        "URBAN": ("城市社区", "Urban community"),
        "AGRI_RELATED": ("涉农社区", "Agriculture-related community"),
        "VILLAGE": ("村", "Village"),
    },
    "DEMO_STATUS": {
        "NONE": ("非示范", "Not a demonstration site"),
        "DISTRICT_DEMO": ("区级示范", "District-level demonstration site"),
        "CITY_DEMO": ("市级示范", "City-level demonstration site"),
        "NATIONAL": ("全国示范", "National demonstration site"),
    },
    "ZONE_KINDS": {
        "INDUSTRIAL_PARK": ("园区(产业园)", "Industrial park"),
        "BUILDING": ("楼宇(商务楼宇)", "Office building"),
        "BUSINESS_DISTRICT": ("商圈", "Business district"),
        "COMMERCIAL_CENTER": ("商业中心", "Commercial centre"),
        "MARKET": ("市场", "Market"),
        "BLOCK": ("街区", "Party-building block (街区)"),
        "DEMO_AREA": ("党建示范片区", "Party-building demonstration area"),
        "INCUBATOR_SITE": ("孵化器(场地)", "Incubator site"),
    },
    "ORG_TYPES": {
        "COMMITTEE": ("党委", "Party committee"),
        "WORKING_COMMITTEE": ("党工委", "Party working committee (street, zone or industry)"),
        "COMPREHENSIVE_COMMITTEE": ("综合党委", "Comprehensive party committee"),
        "INDUSTRY_COMMITTEE": ("行业党委", "Industry party committee"),
        "TWO_NEW_COMMITTEE": ("“两新”组织党委", "Party committee of 两新 organisations"),
        "BLOCK_COMMITTEE": ("街区党委", "Block party committee"),
        "GENERAL_BRANCH": ("党总支", "General party branch"),
        "BRANCH": ("党支部", "Party branch"),
        "JOINT_BRANCH": ("联合党支部", "Joint party branch"),
        "FLOATING_MEMBER_BRANCH": ("流动党员党支部", "Branch of floating party members"),
        "GRID_ORG": ("网格党组织", "Grid party organisation"),
        "GROUP": ("党小组", "Party group"),
    },
    "FORMATION_MODES": {
        "BUILD": ("建(单独组建)", "Set up on its own (建)"),
        "JOINT": ("联(联合组建)", "Set up jointly (联)"),
        "ATTACH": ("挂(挂靠组建)", "Attached to another organisation (挂)"),
        "AFFILIATE": ("靠(依托组建)", "Affiliated with another organisation (靠)"),
        "DISPATCH": ("派(选派党建指导员)", "Covered by a dispatched instructor (派)"),
    },
    "CULTIVATION_STAGES": {
        "NURSERY": ("党建苗圃", "Party-building nursery"),
        "INCUBATOR": ("党建孵化器", "Party-building incubator"),
        "ACCELERATOR": ("党建加速器", "Party-building accelerator"),
        "STAR": ("明星党组织", "Star party organisation"),
    },
    "UNIT_TYPES": {
        "GOV_AGENCY": ("机关(职能部门)", "Government agency or department"),
        "PUBLIC_INSTITUTION": ("事业单位(医院、学校、幼儿园…)", "Public institution (hospital, school, kindergarten …)"),
        "SOE": ("国有企业", "State-owned enterprise"),
        "NON_PUBLIC_ENTERPRISE": ("非公企业", "Non-public enterprise"),
        "SOCIAL_ORG": ("社会组织(社会企业、社工机构)", "Social organisation (social enterprise, social-work agency)"),
        "PROPERTY_MGMT": ("物业企业", "Property-management company"),
        "OWNERS_COMMITTEE": ("业主委员会", "Owners' committee"),
        "RESIDENTS_COMMITTEE": ("居民委员会", "Residents' committee"),
        "MERCHANT": ("商户(个体工商户)", "Merchant or self-employed business"),
        "INDUSTRY_ASSOCIATION": ("行业协会", "Industry association"),
        "INCUBATOR": ("孵化器(企业)", "Business incubator"),
        "FINANCIAL_INSTITUTION": ("金融机构(银行网点)", "Financial institution (bank branch)"),
        "MASS_ORG": ("群团组织(工会、共青团、妇联)", "Mass organisation (trade union, Youth League, Women's Federation)"),
        "THINK_TANK": ("智库(研究院)", "Think tank or research institute"),
        "TRAINING_OR_STARTUP_ORG": ("创业机构、培训学校", "Start-up service or training organisation"),
        "SELF_ORGANIZATION": ("群众自组织(京剧社、读书会…)", "Residents' self-organisation (opera club, reading club …)"),
    },
    "AGENCY_INSTITUTION_TYPES": {
        "GOV_AGENCY": ("机关", "Government agency"),
        "PUBLIC_INSTITUTION": ("事业单位", "Public institution"),
    },
    "TWO_NEW_TYPES": {
        "NON_PUBLIC_ENTERPRISE": ("非公企业", "Non-public enterprise"),
        "SOCIAL_ORG": ("社会组织", "Social organisation"),
        "PROPERTY_MGMT": ("物业企业", "Property-management company"),
        "MERCHANT": ("商户", "Merchant"),
        "INDUSTRY_ASSOCIATION": ("行业协会", "Industry association"),
        "INCUBATOR": ("孵化器", "Business incubator"),
        "TRAINING_OR_STARTUP_ORG": ("创业机构、培训学校", "Start-up service or training organisation"),
        "FINANCIAL_INSTITUTION": ("金融机构", "Financial institution"),
    },
    "OWNERSHIP": {
        "STATE": ("国有", "State-owned"),
        "PUBLIC_INSTITUTION": ("事业单位", "Public institution"),
        "PRIVATE": ("民营", "Private"),
        "MIXED": ("混合所有制", "Mixed ownership"),
        "NGO": ("非营利组织", "Non-profit organisation"),
    },
    "GROWTH_TIERS": {
        "SEED_EAGLET": ("种子期雏鹰企业", "Seed-stage 'eaglet' enterprise"),
        "GAZELLE": ("瞪羚企业", "Gazelle enterprise"),
        "UNICORN": ("独角兽企业", "Unicorn enterprise"),
        "PLATFORM_LEADER": ("平台生态型龙头企业", "Platform-ecosystem leader"),
    },
    "COVERAGE_STATUS": {
        "NONE": ("未覆盖", "No party organisation covers it"),
        "COVERED_BY_JOINT": ("联合党组织覆盖", "Covered by a joint party organisation"),
        "INDEPENDENT": ("单独建立党组织", "Has its own party organisation"),
    },
    "PERSON_ROLES": {
        "PARTY_MEMBER": ("党员", "Party member"),
        "ACTIVIST": ("入党积极分子", "Activist applying for membership"),
        "VOLUNTEER": ("志愿者", "Volunteer"),
        "COMMUNITY_WORKER": ("社区工作者", "Community worker"),
        "GRID_WORKER": ("网格员", "Grid worker"),
        "SOCIAL_WORKER": ("社工", "Social worker"),
        "HOUSEHOLD_LIAISON": ("联户员(甜城联户员)", "Household liaison"),
        "OBSERVER": ("市民观察员、幸福联络员", "Citizen observer or liaison"),
        "RESERVE_CADRE": ("社区后备干部", "Reserve community cadre"),
    },
    "MEMBER_CATEGORIES": {
        "IN_SERVICE": ("在职党员", "In-service member (works at an agency or enterprise)"),
        "FLOATING": ("流动党员", "Floating member"),
        "RETIRED": ("离退休党员", "Retired member"),
        "RESIDENT": ("社区居民党员", "Resident member of the community"),
    },
    "MEMBERSHIP_STATUS": {
        "ACTIVIST": ("入党积极分子", "Activist"),
        "PROBATIONARY": ("预备党员", "Probationary member"),
        "FULL": ("正式党员", "Full member"),
    },
    "POSITION_ROLES": {
        "SECRETARY": ("书记", "Secretary"),
        "DEPUTY_SECRETARY": ("副书记", "Deputy secretary"),
        "COMMITTEE_MEMBER": ("委员", "Committee member"),
        "PART_TIME_COMMITTEE_MEMBER": ("兼职委员", "Part-time committee member"),
        "FIRST_SECRETARY": ("第一书记", "First secretary"),
        "PARTY_BUILDING_INSTRUCTOR": ("党建指导员", "Party-building instructor"),
        "PARTY_AFFAIRS_WORKER": ("党务工作者", "Party-affairs worker"),
        "INVESTOR": ("出资人", "Investor (owner of a 两新 organisation)"),
        "GRID_HEAD": ("网格长", "Grid head"),
        "DIRECTOR": ("主任(居委会、业委会、物业负责人)", "Director (residents' or owners' committee, property manager)"),
        "LEAD_GOOSE": ("头雁(优秀社区书记)", "'Lead goose': outstanding community secretary held in reserve"),
    },
    "PAIRING_TYPES": {
        "CO_BUILDING": ("结对共建", "Co-building pairing"),
        "ASSISTANCE": ("结对帮扶(帮扶对子)", "Assistance pairing"),
        "MENTORING": ("结对帮带", "Mentoring pairing"),
        "LIAISON": ("结对联系", "Liaison pairing"),
    },
    "PAIRING_STATUS": {
        "PROPOSED": ("拟结对", "Proposed"),
        "ACTIVE": ("有效", "Active"),
        "UNDER_RECTIFICATION": ("整改中", "Under rectification (after a critical evaluation)"),
        "TERMINATED": ("已终止", "Terminated"),
        "EXPIRED": ("已到期", "Expired"),
    },
    "PAIRING_LEVELS": {
        "STREET": ("街道层面", "Street level"),
        "COMMUNITY": ("社区层面", "Community level"),
        "COMPOUND": ("小区层面", "Compound level"),
    },
    "FORMS": {
        "ORG_JOINT_BUILDING": ("组织联建", "Joint building of organisations"),
        "ACTIVITY_JOINT": ("活动联办", "Activities run jointly"),
        "RESOURCE_SHARING": ("资源联享", "Resources shared"),
        "MEMBER_JOINT_MGMT": ("党员联管", "Members managed jointly"),
        "SERVICE_JOINT": ("服务联办", "Services run jointly"),
    },
    "AGREEMENT_TYPES": {
        "CO_RESIDENCE_CO_BUILDING": ("共驻共建协议", "Co-residence co-building agreement (《共驻共建协议书》)"),
        "JOINT_BUILDING": ("联建协议", "Joint-building agreement"),
        "PAIRING_RESPONSIBILITY": ("结对共建责任书", "Pairing responsibility agreement"),
        "DEVELOPMENT": ("发展协议", "Development agreement (community and alliance merchants)"),
    },
    "AGREEMENT_STATUS": {
        "DRAFT": ("草拟", "Draft"),
        "SIGNED": ("已签订", "Signed"),
        "IN_FORCE": ("生效中", "In force"),
        "EXPIRED": ("已到期", "Expired"),
        "TERMINATED": ("已终止", "Terminated"),
        "RENEWED": ("已续签(被新协议取代)", "Renewed (superseded by a newer agreement)"),
    },
    "DEMAND_STATUS": {
        "DRAFT": ("草稿", "Draft"),
        "PUBLISHED": ("已发布", "Published"),
        "CLAIMED": ("已认领", "Claimed"),
        "IN_PROGRESS": ("办理中", "In progress"),
        "COMPLETED": ("已完成", "Completed"),
        "EVALUATED": ("已评价", "Evaluated"),
        "CANCELLED": ("已取消", "Cancelled"),
        "EXPIRED": ("已过期", "Expired (published past its deadline)"),
        "ESCALATED": ("已派单(上报)", "Escalated (dispatched by the street)"),
    },
    "MICROWISH_STATUS": {
        "COLLECTED": ("已收集", "Collected"),
        "PUBLICIZED": ("已公示", "Publicised"),
        "CLAIMED": ("已认领", "Claimed"),
        "FULFILLED": ("已实现", "Fulfilled"),
        "WITHDRAWN": ("已撤回", "Withdrawn"),
    },
    "PROJECT_STATUS": {
        "PROPOSED": ("拟立项", "Proposed"),
        "LISTED": ("已列入项目清单", "Listed (on the project list)"),
        "CLAIMED": ("已认领", "Claimed"),
        "IN_PROGRESS": ("实施中", "In progress"),
        "COMPLETED": ("已完成", "Completed"),
        "EVALUATED": ("已评价", "Evaluated"),
        "ARCHIVED": ("已归档", "Archived"),
        "CANCELLED": ("已取消", "Cancelled"),
        "SUSPENDED": ("已暂停", "Suspended"),
    },
    "PROJECT_DIRECTIONS": {
        "ENTERPRISE_SERVICE": ("企业服务项目(部门、园区楼宇认领)", "Enterprise-service project (claimed by departments, parks, buildings)"),
        "PUBLIC_AREA": ("公共区域服务项目(企业认领)", "Public-area service project (claimed by enterprises)"),
        "COMMUNITY": ("社区项目", "Community project"),
    },
    "CLAIM_MODES": {
        "ONLINE_ORDER": ("接单(网上接单)", "Taken online (接单)"),
        "DISPATCH": ("派单", "Dispatched (派单)"),
        "DESIGNATED": ("领单(指定领单)", "Designated (领单)"),
        "TASKFORCE": ("埋单(专班埋单)", "Task force (埋单)"),
        "DUAL_LEAD": ("双向领办", "Two-way leadership (双向领办)"),
        "CLAIM": ("认领", "Claimed (认领)"),
    },
    "CLAIM_ROLES": {
        "LEAD": ("牵头", "Lead claimant"),
        "SUPPORT": ("协助", "Supporting claimant"),
    },
    "CLAIM_STATUS": {
        "ACTIVE": ("有效", "Active"),
        "RELEASED": ("已放弃", "Released"),
        "COMPLETED": ("已完成", "Completed"),
    },
    "ALLIANCE_TYPES": {
        "MERCHANT": ("商户联盟(红色联盟)", "Merchant alliance (红色联盟)"),
        "INDUSTRY_CHAIN": ("产业链党建联盟", "Industry-chain party-building alliance"),
        "ENTERPRISE_SERVICE": ("益企助企党建联盟", "Enterprise-service alliance"),
        "VOLUNTEER_SERVICE": ("党员先锋服务联盟", "Volunteer-service alliance"),
        "AREA_JOINT_BODY": ("区域党建联合体", "Area joint body (党建联合体)"),
    },
    "VENUE_TYPES": {
        "PARTY_MASS_COMPLEX": ("党群服务综合体", "Party-mass service complex (street level)"),
        "PARTY_MASS_CENTER": ("党群服务中心", "Party-mass service centre"),
        "PARTY_MASS_STATION": ("党群服务站(驿站、睦邻中心)", "Party-mass service station (compound level)"),
        "PARTY_WORK_POST": ("党建工作驿站", "Party-work post"),
        "ENTERPRISE_SERVICE_CENTER": ("园区楼宇企业服务中心", "Enterprise service centre of a park or building"),
        "NEW_WORKER_STATION": ("新就业群体驿站(骑手之家、司机之家)", "Station for new-economy workers (riders, drivers)"),
        "SHARED_SPACE": ("共享空间(社区会客厅)", "Shared space (community living room)"),
        "SERVICE_CENTER": ("便民服务中心(站)", "Citizen service centre"),
        "VOLUNTEER_HUB": ("志愿服务站点", "Volunteer hub"),
        "REDEMPTION_POINT": ("积分兑换点(党建超市)", "Points redemption point (party-building shop)"),
        "CULTURE_SPACE": ("文化阵地", "Culture space"),
        "SPECIAL_CENTER": ("专项服务中心(调处、托管、图书馆…)", "Special centre (mediation, childcare, library …)"),
        "STUDIO": ("工作室(名师、五老、银发)", "Studio (master teachers, elders, seniors)"),
    },
    "EVALUATION_TYPES": {
        "TWO_WAY_CO_BUILDING": ("共驻共建双向评议", "Two-way co-building evaluation"),
        "SECRETARY_REPORT": ("书记述职评议", "Secretary's work-report review"),
        "SATISFACTION": ("满意度测评", "Satisfaction survey"),
        "DUAL_ASSESSMENT_FLOATING": ("流动党员双考核", "Dual assessment of a floating member"),
        "CASE_SATISFACTION": ("个案满意度", "Satisfaction with one case"),
    },
    "DIRECTIONS": {
        "AREA_TO_UNIT": ("社区评单位", "The area evaluates the unit"),
        "UNIT_TO_AREA": ("单位评社区", "The unit evaluates the area"),
    },
    "EVALUATION_OUTCOMES": {
        "OK": ("合格", "Satisfactory"),
        "CIRCULATED_CRITICISM": ("通报批评", "Circulated criticism"),
        "RECTIFY_BY_DEADLINE": ("限期整改", "Rectify by a deadline"),
    },
    "PROGRAM_KINDS": {
        "PARTY_BUILDING_BRAND": ("党建品牌", "Party-building brand"),
        "SERVICE_BRAND": ("服务品牌", "Service brand"),
        "VOLUNTEER_BRAND": ("志愿服务品牌", "Volunteer-service brand"),
        "MECHANISM": ("工作机制", "Working mechanism"),
        "CAMPAIGN": ("专项行动", "Campaign"),
        "FINANCIAL_PRODUCT": ("金融产品(党建增信)", "Financial product (party-building credit)"),
        "PLATFORM": ("平台", "Platform"),
        "POINTS_SCHEME": ("积分制度(积分银行、时间银行)", "Points scheme (points bank, time bank)"),
        "POLICY": ("政策", "Policy"),
    },
    "QUALIFIERS": {
        "EXACT": ("确数", "Exact figure"),
        "AT_LEAST": ("余、多、超(至少)", "At least (余/多/超)"),
        "APPROX": ("近、约", "Approximately (近/约)"),
        "PERCENT": ("百分比", "Percentage"),
        "RANGE": ("区间(如5—7项)", "Range (e.g. 5–7)"),
    },
    "REPORT_TYPES": {
        "IN_SERVICE": ("在职党员报到", "In-service member reporting (双报到)"),
        "FLOATING_INFLOW": ("流入党员报到", "Floating member reporting where they now live"),
        "ORGANIZATION": ("党组织报到", "Organisation-level reporting"),
    },
    "REPORT_STATUS": {
        "REPORTED": ("已报到", "Reported"),
        "ACTIVE": ("在册服务", "Active"),
        "WITHDRAWN": ("已退出", "Withdrawn"),
        "REGISTERED": ("已扫码登记", "Registered (scanned in)"),
        "VERIFIED": ("已认证", "Verified"),
    },
    "PARTY_SIDES": {
        "HOST": ("社区侧(区域或其党组织)", "Host: the area side (an area or its party organisation)"),
        "PARTNER": ("单位侧(单位或其党组织)", "Partner: the unit side (a unit or its party organisation)"),
    },
    "SIGNER_ROLES": {
        "PARTY_A": ("甲方", "Party A"),
        "PARTY_B": ("乙方", "Party B"),
    },
    "ALLIANCE_ROLES": {
        "LEAD": ("牵头单位", "Lead member"),
        "MEMBER": ("成员", "Member"),
    },
    "OPERATOR_ROLES": {
        "OWNER": ("所有方", "Owner"),
        "CO_BUILDER": ("共建方", "Co-builder"),
        "OPERATOR": ("运营方", "Operator"),
    },
    "SUBORDINATION_KINDS": {
        "LEADERSHIP": ("隶属", "Led by the superior organisation"),
        "ATTACHED": ("挂靠", "Attached to the superior organisation"),
    },
    "CONFIDENCE": {
        "STATED": ("来源载明", "Stated in a source"),
        "INFERRED": ("推断", "Inferred"),
    },
    # the change feed's event kinds (an internal record, model.CHANGE_EVENT; GraphQL ChangeKind)
    "CHANGE_KINDS": {
        "CREATED": ("新建", "Created: the record was added"),
        "UPDATED": ("更新", "Updated: properties or relationships of the record changed"),
        "DELETED": ("删除", "Deleted: the record is gone"),
        "RELOADED": ("整体重新加载(请重新同步)", "Reloaded: a bulk load replaced data — read the current state again"),
    },
}


def term(constant: str, value: str) -> Term:
    """(中文, English) of one value of a model enumeration constant."""
    return VOCABULARY[constant][value]


def enum_constants() -> dict[str, tuple[str, ...]]:
    """The model's enumeration constants by name (every tuple of upper-case strings)."""
    return {k: v for k, v in vars(model).items()
            if k.isupper() and not k.startswith("_") and isinstance(v, tuple) and v
            and all(isinstance(x, str) and x.isupper() for x in v) and k != "ACTOR_LABELS"}


def check_vocabulary() -> None:
    problems: list[str] = []
    constants = enum_constants()
    for const, values in constants.items():
        terms = VOCABULARY.get(const)
        if terms is None:
            problems.append(f"{const}: no entry")
            continue
        missing = [v for v in values if v not in terms]
        extra = [v for v in terms if v not in values]
        if missing:
            problems.append(f"{const}: no term for {', '.join(missing)}")
        if extra:
            problems.append(f"{const}: terms for values the model does not have: {', '.join(extra)}")
        for v, (zh, en) in terms.items():
            if not zh.strip() or not en.strip():
                problems.append(f"{const}.{v}: empty term")
    for const in VOCABULARY:
        if const not in constants:
            problems.append(f"{const}: the model has no such enumeration")
    if problems:
        raise ModelError("the enum vocabulary does not match the model: " + "; ".join(problems),
                         "add the Chinese term and English gloss of each value to cobuild/graph/vocabulary.py")


check_vocabulary()
