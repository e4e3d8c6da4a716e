"""The selection compiler without a database: plans, Cypher text and parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from cobuild.errors import ValidationError
from cobuild.graph import compile as gc
from cobuild.graph.cypher import Params, Vars
from cobuild.graph.dialect import DIALECTS

D = DIALECTS["ladybug"]


def f(name: str, *sels: object, alias: str | None = None, args: dict | None = None, directives: dict | None = None) -> SelectedField:
    return SelectedField(name=name, directives=directives or {}, arguments=args or {}, selections=list(sels), alias=alias)


def on(cond: str | None, *sels: object, directives: dict | None = None) -> InlineFragment:
    return InlineFragment(type_condition=cond, selections=list(sels), directives=directives or {})


def test_plan_merges_fragments_and_applies_directives() -> None:
    sel = [
        f("name"),
        on("Unit", f("unitType")),
        on("AdminArea", f("level")),  # does not apply to a Unit
        FragmentSpread(name="F", type_condition="Actor", directives={}, selections=[f("aliases")]),
        f("sector", directives={"skip": {"if": True}}),
        f("creditCode", directives={"include": {"if": False}}),
        f("locatedInAreas", f("edges", f("primary"), f("node", f("name"), f("parent", f("name")))), alias="loc"),
        f("coveringPartyOrganizationLink", f("mode"), f("node", f("name"))),
    ]
    plan = gc.plan_entity(sel, "Unit")
    assert list(plan.props) == ["id", "name", "unitType", "aliases"]
    rp = plan.rels["loc"]
    assert rp.field.rel.name == "LOCATED_IN" and rp.field.hops[0].direction == "out" and rp.first == gc.DEFAULT_FIRST
    assert rp.mode == "connection" and rp.order_by == [("name", "ASC")]  # the natural order when none is given
    assert list(rp.edge_props) == ["primary", "confidence"]  # all of them: cursors must not depend on the selection
    assert set(rp.nodes) == {"AdminArea"}
    assert rp.nodes["AdminArea"].rels["parent"].mode == "one"
    link = plan.rels["coveringPartyOrganizationLink"]
    assert link.mode == "link" and link.field.name == "coveringPartyOrganization"


def test_project_entity_text_and_carry() -> None:
    sel = [f("name"), f("coBuildingUnits", f("edges", f("pairingId"), f("node", f("name"), f("partyOrganizations", f("nodes", f("name"))))))]
    params, vars = Params(), Vars()
    a = vars.new("a")
    clauses, expr = gc.project_entity(sel, "AdminArea", a, params, vars, ["keep"], D)
    text = " ".join(clauses)
    assert clauses[0].startswith(f"OPTIONAL MATCH ({a})-[")
    assert "`CO_BUILDS_WITH`" in text and "`HAS_PARTY_ORG`" in text
    # every WITH carries the caller's names and the entity variable
    withs = [c for c in clauses if c.startswith("WITH ")]
    assert len(withs) == 2 and all(w.startswith(f"WITH keep, {a}") for w in withs)
    assert "collect(CASE WHEN" in text and "IS NULL THEN NULL ELSE" in text
    assert expr.startswith("{`id`: a0.`id`, `name`: a0.`name`, `r_coBuildingUnits`: {`Unit`: c")
    assert "`r_coBuildingUnits#total`: t" in expr
    assert params.values == {}


def test_empty_selection_projects_id() -> None:
    clauses, expr = gc.project_entity(None, "Unit", "u", Params(), Vars(), [], D)
    assert clauses == [] and expr == "{`id`: u.`id`}"


def test_where_values_are_parameters() -> None:
    params, vars = Params(), Vars()
    evil = "x' OR 1=1 //`"
    where = {
        "name": {"eq": evil, "startsWith": "海"},
        "validFrom": {"gte": "2021-01-01"},
        "OR": [{"unitType": {"in": ["SOE", "GOV_AGENCY"]}}, {"sector": {"isNull": True}}],
        "NOT": {"aliases": {"includes": "医院"}},
        "locatedInAreas_some": {"name": {"contains": "社区"}},
        "coBuildingAreas_none": {},
    }
    text = gc.compile_where(where, "Unit", "n", params, vars)
    assert evil not in text and "海" not in text and "社区" not in text
    assert evil in params.values.values()
    assert dt.date(2021, 1, 1) in params.values.values()
    assert "n.`name` = $p0" in text and "n.`name` STARTS WITH $p1" in text
    assert "n.`validFrom` >= $p2" in text
    assert "(n.`unitType` IN $p3 OR n.`sector` IS NULL)" in text
    assert "NOT ($p4 IN n.`aliases`)" in text
    assert "EXISTS { MATCH (n)-[:`LOCATED_IN`]->(w0:`AdminArea`) WHERE w0.`name` CONTAINS $p5 }" in text
    assert "NOT (EXISTS { MATCH (n)<-[:`CO_BUILDS_WITH`]-(w1:`AdminArea`) })" in text


def test_where_on_side_and_page_fields_walks_the_whole_side() -> None:
    params, vars = Params(), Vars()
    text = gc.compile_where({"agreements_some": {"status": {"eq": "IN_FORCE"}}}, "AdminArea", "n", params, vars)
    # the area's side: itself and the areas below it, each itself or through its party organisations
    assert text.startswith("(EXISTS { MATCH (n)<-[:`PART_OF`*0..4]-(")
    assert "-[:`HAS_PARTY_ORG`*0..1]->(" in text and "-[:`SIGNED`]->(w0:`Agreement`)" in text
    text = gc.compile_where({"partTimeCommitteeMembers_some": {}}, "AdminArea", "n", params, vars)
    assert "`role` = $" in text and "PART_TIME_COMMITTEE_MEMBER" in params.values.values()
    text = gc.compile_where({"communities_none": {}}, "AdminArea", "n", params, vars)
    assert text.startswith("NOT (EXISTS { MATCH (n)<-[:`PART_OF`*0..4]-(") and "`level` IN $" in text


@pytest.mark.parametrize("where", [
    {"nope": {"eq": 1}},
    {"unitType": {"eq": "NOT_A_TYPE"}},
    {"validFrom": {"gte": "yesterday"}},
    {"name": {"gt": 3}},
    {"isResidentUnit": {"gt": True}},
])
def test_bad_filters_are_validation_errors(where: dict) -> None:
    with pytest.raises(ValidationError):
        gc.compile_where(where, "Unit", "n", Params(), Vars())


def test_first_limits() -> None:
    assert gc.check_first(None) == 20 and gc.check_first("5") == 5 and gc.check_first(100) == 100
    for bad in (101, -1, "x"):
        with pytest.raises(ValidationError):
            gc.check_first(bad)


def test_connection_statement_shape() -> None:
    sel = [f("totalCount"), f("edges", f("cursor"), f("node", f("name"))), f("nodes", f("sector"))]
    plan = gc.compile_connection(sel, "Unit", {"first": 5, "orderBy": [{"field": "name", "direction": "DESC"}],
                                                "where": {"name": {"contains": "医"}}}, D)
    text = plan.statement.text
    assert text.startswith("MATCH (m")  # totalCount selected: counted first
    assert "OPTIONAL MATCH (n0:`Unit`) WHERE n0.`name` CONTAINS" in text
    assert "ORDER BY n0.`name` DESC, n0.`id` ASC LIMIT" in text
    assert "`sector`: n0.`sector`" in text and "`name`: n0.`name`" in text
    assert 6 in plan.statement.params.values()  # first + 1
    no_total = gc.compile_connection([f("nodes", f("name"))], "Unit", {}, D)
    assert "count(" not in no_total.statement.text and no_total.statement.text.startswith("MATCH (n0:`Unit`)")


def test_cursor_round_trip_and_keyset() -> None:
    order = [("validFrom", "DESC"), ("name", "ASC")]
    row = {"id": "unit:u1", "validFrom": dt.date(2021, 3, 4), "name": None}
    cur = gc.encode_cursor(row, order)
    c = gc.decode_cursor(cur, "Unit", order)
    assert c.values == [dt.date(2021, 3, 4), None] and c.id == "unit:u1" and (c.edge, c.nth) == ("", 1)
    c = gc.decode_cursor(gc.encode_cursor(row, order, "{\"role\": \"LEAD\"}", 2), "Unit", order)
    assert (c.edge, c.nth) == ("{\"role\": \"LEAD\"}", 2)
    with pytest.raises(ValidationError):
        gc.decode_cursor(cur, "Unit", [("name", "ASC")])
    with pytest.raises(ValidationError):
        gc.decode_cursor("%%%", "Unit", order)
    plan = gc.compile_connection([f("nodes", f("id"))], "Unit", {"after": cur, "orderBy": [
        {"field": "validFrom", "direction": "DESC"}, {"field": "name"}]}, D)
    assert "n0.`validFrom` < $" in plan.statement.text and "n0.`name` IS NULL" in plan.statement.text


def test_python_order_mirrors_cypher_nulls() -> None:
    rows = [{"id": "b", "x": None}, {"id": "a", "x": 2}, {"id": "c", "x": 1}, {"id": "d", "x": None}]
    assert [r["id"] for r in gc.order_rows(rows, [("x", "ASC")])] == ["c", "a", "b", "d"]
    assert [r["id"] for r in gc.order_rows(rows, [("x", "DESC")])] == ["b", "d", "a", "c"]


def test_selection_of_follows_aliases_and_fragments() -> None:
    class Info:
        selected_fields = [f("question", f("items", on("Row", f("unit", f("name"), alias="u")), f("score")))]

    sub = gc.selection_of(Info(), ["items", "u"])
    assert sub is not None and [s.name for s in sub] == ["name"]
    assert gc.selection_of(Info(), ["items", "unit"]) is not None  # by field name too
    assert gc.selection_of(Info(), ["nothing"]) is None


def test_depth_limit() -> None:
    sel: list = [f("name")]
    for _ in range(gc.MAX_DEPTH + 1):
        sel = [f("parent", *sel)]
    with pytest.raises(ValidationError):
        gc.plan_entity(sel, "AdminArea")
    ok = [f("name")]
    for _ in range(gc.MAX_DEPTH):
        ok = [f("children", f("nodes", *ok))]
    gc.plan_entity(ok, "AdminArea")


def test_a_new_label_needs_only_a_model_entry_and_field_names() -> None:
    """A label and a relationship added to the model need their field names in
    cobuild/graph/fields.py (a missing entry is a ModelError saying what to add); then the type, its
    fields, a to-one field with its Link and a root list appear with no schema code."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent('''
        from cobuild.errors import ModelError
        from cobuild.graph import fields, model
        lab = model.NodeLabel("Festival", "fest", "节庆活动", "Festival", (model.Prop("theme", model.S, "主题", "Theme"),))
        rel = model.RelType("HOSTS_FESTIVAL", "举办节庆", "Hosts a festival", (("AdminArea", "Festival"),),
                            (model.Prop("since", model.D, "起始", "Since"),), "1:N")
        model.LABELS = model.LABELS + (lab,)
        model.LABELS_BY_NAME[lab.name] = lab
        model.LABELS_BY_PREFIX[lab.id_prefix] = lab
        model.RELATIONSHIPS = model.RELATIONSHIPS + (rel,)
        model.RELS_BY_NAME[rel.name] = rel
        try:
            fields.rebuild()
            raise SystemExit("no ModelError")
        except ModelError as e:
            assert "('AdminArea', 'HOSTS_FESTIVAL', 'out')" in str(e) and "RELATIONSHIP_FIELDS" in str(e), e
        fields.RELATIONSHIP_FIELDS[("AdminArea", "HOSTS_FESTIVAL", "out")] = fields.many("festivals", "举办的节庆", "Festivals it hosts")
        fields.RELATIONSHIP_FIELDS[("Festival", "HOSTS_FESTIVAL", "in")] = fields.one("host", "主办区域", "The hosting area")
        fields.rebuild()
        from cobuild.schema.root import build_schema
        sdl = build_schema().as_str()
        assert "type Festival implements Entity & Node" in sdl
        assert "  festivals(" in sdl and "  festival(" in sdl
        assert "): AdminAreaFestivalsConnection!" in sdl and "type AdminAreaFestivalsEdge" in sdl
        assert "  host: AdminArea" in sdl and "  hostLink: FestivalHostLink" in sdl
        assert "input FestivalWhere" in sdl and "theme: StringFilter" in sdl and "festivals_some: FestivalWhere" in sdl
        print("ok")
    ''')
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_statements_stay_in_the_common_subset() -> None:
    import re

    sel = [
        f("totalCount"),
        f("edges", f("cursor"), f("node", f("name"),
          f("locatedInAreas", f("nodes", f("parent", f("name"))),
            args={"where": {"name": {"startsWith": "海"}}, "orderBy": [{"field": "name"}], "after": gc.encode_cursor(
                {"id": "area:x", "name": "海"}, [("name", "ASC")])}),
          f("pairings", f("edges", f("side"), f("via", f("name")), f("node", f("status"),
            f("parties", f("edges", f("side"), f("node", on("Actor", f("name"), f("actorType"))))))))),
          f("communities", f("totalCount"), f("nodes", f("name"))),
        ),
    ]
    where = {"aliases": {"includesAny": ["a", "b"]}, "coBuildingAreas_some": {"parent_none": {"name": {"eq": "x"}}},
             "agreements_some": {}}
    text = gc.compile_connection(sel, "Unit", {"where": where, "orderBy": [{"field": "validFrom", "direction": "DESC"}]}, D).statement.text
    forbidden = [r"\[\s*\(", r"CALL\s*\{", r"\{\s*\.", r"\blabels\(", r"\btype\(", r"\[\w+ IN ", r"FOREACH", r"\bapoc\.", r"\bgds\."]
    for pattern in forbidden:
        assert not re.search(pattern, text), (pattern, text)
    assert "$" in text and "海" not in text
    # every collect of an OPTIONAL MATCH goes through the NULL guard (side fields then collect per prefix member)
    assert text.count("collect(CASE WHEN") >= 4 and "collect(c" not in text.replace("collect(CASE", "")
    # the guard tests the node's key (cobuild.graph.cypher.missing), never the node itself
    assert not re.search(r"WHEN n\d+ IS NULL", text)
    assert re.search(r"collect\(CASE WHEN n\d+\.`id` IS NULL THEN NULL WHEN \(", text)  # `after` filters inside the statement
