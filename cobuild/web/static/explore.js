/* cobuild's network explorer (/explore). Cytoscape.js (its npm package's own UMD bundle, served from
 * this server under /static/vendor/) is loaded before this file; nothing comes from elsewhere.
 *
 * Every answer comes from the GraphQL API (/graphql) with the credential typed into the page (sent as
 * X-API-Key, or as Authorization: Bearer for a JWT), one root field — one graph statement — per request.
 * Colours and sizes per label come from the Neo4j Browser style sheet (cobuild/analyst/style.grass).
 *
 * For tests and the bench, window.cobuildExplorer exposes the same actions the UI runs (search, open,
 * expand, shortest, district, demo); each returns a promise. ?demo=2000 draws 2,000 real nodes on load
 * and ?district=<area id> opens the district view. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("cobuild-config").textContent || "{}");
  var endpoint = new URL(config.endpoint || "/graphql", window.location.href).toString();
  var LABELS = config.labels || {};
  var RELS = config.relationships || {};
  var CREDENTIAL_KEY = "cobuild.explore.credential";
  var BIG = 300; // above this many nodes: a linear-time layout, edges hidden while panning

  // ---- DOM --------------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "on") {
        Object.keys(attrs.on).forEach(function (ev) { node.addEventListener(ev, attrs.on[ev]); });
      } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return node;
  }

  var root = document.getElementById("root");
  root.textContent = "";
  var searchInput = el("input", { id: "explore-search", type: "search", placeholder: "名称 · name, e.g. 紫东阁社区", "aria-label": "搜索 / Search" });
  var credentialInput = el("input", { id: "explore-credential", type: "password", autocomplete: "off",
    placeholder: "API key 或 JWT(可空:匿名只读)", "aria-label": "凭证 / Credential" });
  credentialInput.value = window.sessionStorage.getItem(CREDENTIAL_KEY) || "";
  credentialInput.addEventListener("change", function () { window.sessionStorage.setItem(CREDENTIAL_KEY, credentialInput.value.trim()); });
  var results = el("ul", { id: "explore-results", class: "explore-results" });
  var status = el("div", { id: "explore-status", class: "explore-status", role: "status" });
  var fromBox = el("span", { id: "explore-from", class: "explore-pick", text: "—" });
  var toBox = el("span", { id: "explore-to", class: "explore-pick", text: "—" });
  var districtInput = el("input", { id: "explore-district-id", type: "text", placeholder: "area:shuangliu", "aria-label": "区域编号 / Area id" });
  var panel = el("aside", { id: "explore-panel", class: "explore-panel" }, [
    el("p", { class: "explore-hint", text: "搜索并点击一个节点查看详情 · Search, then click a node to see its details." })]);
  var graphBox = el("div", { id: "explore-graph", class: "explore-graph" });
  var legend = el("div", { id: "explore-legend", class: "explore-legend" });

  var sidebar = el("nav", { class: "explore-sidebar" }, [
    el("h1", { text: "网络浏览 · Network explorer" }),
    el("form", { id: "explore-search-form", on: { submit: function (e) { e.preventDefault(); api.search(searchInput.value).catch(quiet); } } }, [
      el("label", { for: "explore-search", text: "搜索单位、社区、组织 / Search units, communities, organisations" }),
      el("div", { class: "explore-row" }, [searchInput, el("button", { type: "submit", id: "explore-search-button", text: "搜索 Search" })])]),
    results,
    el("section", { class: "explore-box" }, [
      el("h2", { text: "最短联系 · Shortest connection" }),
      el("div", { class: "explore-row" }, [el("span", { text: "起点 From:" }), fromBox]),
      el("div", { class: "explore-row" }, [el("span", { text: "终点 To:" }), toBox]),
      el("button", { id: "explore-shortest-button", type: "button", text: "查找 Find",
        on: { click: function () { if (picked.from && picked.to) { api.shortest(picked.from, picked.to).catch(quiet); } else { say("先在详情面板选定起点和终点 · Pick a start and an end in the side panel first", true); } } } })]),
    el("section", { class: "explore-box" }, [
      el("h2", { text: "区县视图 · District view" }),
      el("form", { id: "explore-district-form", on: { submit: function (e) { e.preventDefault(); api.district(districtInput.value.trim()).catch(quiet); } } }, [
        el("div", { class: "explore-row" }, [districtInput, el("button", { type: "submit", id: "explore-district-button", text: "显示 Show" })])])]),
    el("section", { class: "explore-box" }, [
      el("label", { for: "explore-credential", text: "凭证 · Credential" }), credentialInput,
      el("p", { class: "explore-hint", text: "与 GraphiQL 相同:API key 作为 X-API-Key 发送,JWT 作为 Bearer。Sent like GraphiQL's headers: an API key as X-API-Key, a JWT as Bearer; kept for this tab only." })]),
    legend,
    status
  ]);
  root.appendChild(sidebar);
  root.appendChild(graphBox);
  root.appendChild(panel);

  Object.keys(LABELS).forEach(function (name) {
    var l = LABELS[name];
    legend.appendChild(el("span", { class: "explore-legend-item", "data-label": name }, [
      el("i", { style: "background:" + l.color }), l.zh + " " + name]));
  });
  legend.appendChild(el("span", { class: "explore-legend-item" }, [el("i", { class: "gap" }), "缺口 gap"]));
  legend.appendChild(el("span", { class: "explore-legend-item" }, [el("i", { class: "covered" }), "已覆盖 covered"]));

  // UI handlers: a failure is already in the status line (failed() wrote it)
  function quiet() {}

  function say(text, isError) {
    status.textContent = text;
    status.className = "explore-status" + (isError ? " error" : "");
  }

  // ---- GraphQL ----------------------------------------------------------------------------------
  function credentialHeaders() {
    var c = credentialInput.value.trim();
    if (!c) { return {}; }
    if (/^bearer\s+/i.test(c)) { return { Authorization: c }; }
    if (/^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(c)) { return { Authorization: "Bearer " + c }; } // a JWT
    return { "X-API-Key": c };
  }

  var requests = 0;
  function gql(query, variables) {
    requests += 1;
    var headers = Object.assign({ "Content-Type": "application/json", Accept: "application/graphql-response+json, application/json" }, credentialHeaders());
    return fetch(endpoint, { method: "POST", headers: headers, credentials: "same-origin",
      body: JSON.stringify({ query: query, variables: variables || {} }) })
      .then(function (r) { return r.json().catch(function () { throw new Error("HTTP " + r.status); }); })
      .then(function (body) {
        if (body.errors && body.errors.length) {
          var e = body.errors[0], code = (e.extensions || {}).code || "ERROR";
          var err = new Error(code + ": " + e.message);
          err.code = code;
          throw err;
        }
        return body.data;
      });
  }

  function failed(err) {
    say("出错 · Error — " + err.message, true);
    throw err;
  }

  var SEARCH = "query ExploreSearch($text: String!) { search(text: $text, labels: [AdminArea, Unit, PartyOrganization, Alliance], first: 20) { id label name aliases } }";

  // the node, its properties and its neighbours: one root field, one statement
  var OPEN = [
    "query ExploreNode($id: ID!) {",
    "  node(id: $id) {",
    "    __typename id",
    "    ... on Entity { name aliases sourceRefs synthetic }",
    "    ... on AdminArea { level kind communityType demoStatus populationResident areaKm2",
    "      parent { id name level }",
    "      children(first: 40) { totalCount nodes { id name level } }",
    "      partyOrganizations(first: 10) { totalCount nodes { id name } }",
    "      coBuildingUnits(first: 40) { totalCount nodes { id name } }",
    "      unitsLocatedHere(first: 20) { totalCount nodes { id name } } }",
    "    ... on Unit { unitType ownership sector isResidentUnit partyCoverageStatus",
    "      locatedInAreas(first: 10) { totalCount nodes { id name level } }",
    "      communities(first: 40) { totalCount nodes { id name level } }",
    "      partyOrganizations(first: 10) { totalCount nodes { id name } }",
    "      alliances(first: 10) { totalCount nodes { id name } } }",
    "    ... on PartyOrganization { orgType level formationMode",
    "      owner { __typename id name }",
    "      superior { id name }",
    "      subordinates(first: 40) { totalCount nodes { id name } }",
    "      coveredUnits(first: 20) { totalCount nodes { id name } }",
    "      alliances(first: 10) { totalCount nodes { id name } }",
    "      pairedPartnerOrganizations(first: 20) { totalCount nodes { id name } } }",
    "    ... on Alliance { allianceType members(first: 40) { totalCount nodes { __typename id name } } }",
    "  }",
    "}"].join("\n");

  var CO_BUILDERS = "query ExploreCoBuilders($id: ID!) { communityCoBuilders(communityId: $id) { unitCount items { unit { id name unitType } since status via { name } } } }";
  var UNIT_COMMUNITIES = "query ExploreUnitCommunities($id: ID!) { unitCommunities(unitId: $id) { communityCount streetCount communities { community { id name } street { name } since } } }";
  var SHORTEST = "query ExploreShortest($from: ID!, $to: ID!) { shortestConnection(fromId: $from, toId: $to) { found hops nodes { id label name } steps { from { id } relationship direction to { id } } } }";
  var GAPS = "query ExploreGaps($id: ID!) { coverageGaps(areaId: $id) { area { id name level } communityCount gapCount groups { street { id name level } gapCount gaps { id name } } } }";
  var COMMUNITIES = "query ExploreCommunities($id: ID!, $after: String) { adminArea(id: $id) { id name level communities(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id name level communityType parent { id name level parent { id name level } } } } } }";

  // ---- the graph --------------------------------------------------------------------------------
  var style = [
    { selector: "node", style: { "background-color": "data(color)", width: "data(size)", height: "data(size)",
      label: "data(name)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3, color: "#1f2933",
      "min-zoomed-font-size": 7, "border-width": 1, "border-color": "#ffffff" } },
    { selector: "edge", style: { width: 1, "line-color": "#A5ABB6", "target-arrow-color": "#A5ABB6",
      "target-arrow-shape": "triangle", "arrow-scale": 0.6, "curve-style": "haystack" } },
    { selector: "edge[caption]", style: { "curve-style": "bezier", label: "data(caption)", "font-size": 7,
      "text-rotation": "autorotate", color: "#52606d", "min-zoomed-font-size": 9 } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#1f2933" } },
    { selector: "node.gap", style: { "background-color": "#D9363E" } },
    { selector: "node.covered", style: { "background-color": "#4CAF50" } },
    { selector: ".path", style: { "border-width": 4, "border-color": "#111", "line-color": "#111", width: 3,
      "target-arrow-color": "#111", "z-index": 10 } },
    { selector: ".faded", style: { opacity: 0.25 } }
  ];

  var cy = cytoscape({ container: graphBox, style: style, wheelSensitivity: 0.3, pixelRatio: 1,
    textureOnViewport: false, hideEdgesOnViewport: false, minZoom: 0.02, maxZoom: 4 });

  var labelOf = { area: "AdminArea", unit: "Unit", org: "PartyOrganization", alliance: "Alliance", person: "Person",
    pairing: "Pairing", agreement: "Agreement", demand: "Demand", resource: "Resource", project: "Project" };
  function guessLabel(id) { return labelOf[String(id).split(":")[0]] || "Entity"; }

  function nodeData(id, name, label, extra) {
    var l = LABELS[label] || {};
    return Object.assign({ id: id, name: name || id, label: label, color: l.color || "#A5ABB6",
      size: Math.round((l.diameter || 50) * 0.5) }, extra || {});
  }

  function addNode(id, name, label, extra) {
    var n = cy.getElementById(id);
    if (n.nonempty()) { return n; }
    return cy.add({ group: "nodes", data: nodeData(id, name, label, extra) });
  }

  function addEdge(source, target, rel) {
    var id = source + "|" + rel + "|" + target;
    if (cy.getElementById(id).nonempty()) { return; }
    cy.add({ group: "edges", data: { id: id, source: source, target: target, rel: rel, caption: RELS[rel] || rel } });
  }

  // captions cost a text measurement each (layout and fit need their boxes): a big picture shows the
  // names of the selected node and its neighbours only, and no relationship captions
  var bigStyle = null;
  function setBig(big) {
    if (big === bigStyle) { return; }
    bigStyle = big;
    cy.style().selector("edge[caption]").style({ label: big ? "" : "data(caption)" })
      .selector("node").style({ label: big ? "" : "data(name)" })
      .selector("node:selected, node.named").style({ label: "data(name)" }).update();
  }

  function runLayout(focus) {
    var big = cy.nodes().length > BIG;
    setBig(big);
    var opts = big ? { name: "concentric", animate: false, fit: false, concentric: function (n) { return n.degree(); },
      levelWidth: function () { return 4; }, minNodeSpacing: 4, avoidOverlap: false }
      : { name: "cose", animate: false, fit: false, randomize: false, nodeRepulsion: function () { return 9000; },
        idealEdgeLength: function () { return 90; }, numIter: 600 };
    return new Promise(function (resolve) {
      var layout = cy.layout(opts);
      layout.one("layoutstop", function () {
        if (focus && cy.getElementById(focus).nonempty() && !big) { cy.fit(undefined, 40); } else { cy.fit(undefined, 20); }
        resolve();
      });
      layout.run();
    });
  }

  function clearGraph() { cy.elements().remove(); }

  // ---- actions ----------------------------------------------------------------------------------
  function search(text) {
    text = (text || "").trim();
    if (!text) { say("请输入名称 · Type a name", true); return Promise.resolve([]); }
    searchInput.value = text;
    say("搜索中… Searching…");
    return gql(SEARCH, { text: text }).then(function (data) {
      results.textContent = "";
      data.search.forEach(function (hit) {
        var l = LABELS[hit.label] || {};
        results.appendChild(el("li", {}, [el("button", { type: "button", class: "explore-hit", "data-id": hit.id,
          on: { click: function () { clearGraph(); open(hit.id).catch(quiet); } } }, [
          el("i", { style: "background:" + (l.color || "#A5ABB6") }), hit.name || hit.id,
          el("small", { text: " " + (l.zh || hit.label) + " · " + hit.label })])]));
      });
      say(data.search.length + " 条结果 · " + data.search.length + " hits");
      return data.search;
    }).catch(failed);
  }

  function neighbours(n) {
    // [neighbour, label, relationship, direction (true: from the node to the neighbour)]
    var out = [];
    function each(conn, label, rel, outward) {
      ((conn && conn.nodes) || []).forEach(function (m) { out.push([m, m.__typename || label, rel, outward]); });
    }
    if (n.__typename === "AdminArea") {
      if (n.parent) { out.push([n.parent, "AdminArea", "PART_OF", true]); }
      each(n.children, "AdminArea", "PART_OF", false);
      each(n.partyOrganizations, "PartyOrganization", "HAS_PARTY_ORG", true);
      each(n.coBuildingUnits, "Unit", "CO_BUILDS_WITH", false);
      each(n.unitsLocatedHere, "Unit", "LOCATED_IN", false);
    } else if (n.__typename === "Unit") {
      each(n.locatedInAreas, "AdminArea", "LOCATED_IN", true);
      each(n.communities, "AdminArea", "CO_BUILDS_WITH", true);
      each(n.partyOrganizations, "PartyOrganization", "HAS_PARTY_ORG", true);
      each(n.alliances, "Alliance", "BELONGS_TO", true);
    } else if (n.__typename === "PartyOrganization") {
      if (n.owner) { out.push([n.owner, n.owner.__typename, "HAS_PARTY_ORG", false]); }
      if (n.superior) { out.push([n.superior, "PartyOrganization", "SUBORDINATE_TO", true]); }
      each(n.subordinates, "PartyOrganization", "SUBORDINATE_TO", false);
      each(n.coveredUnits, "Unit", "COVERS", true);
      each(n.alliances, "Alliance", "BELONGS_TO", true);
      each(n.pairedPartnerOrganizations, "PartyOrganization", "PAIRED_WITH", true);
    } else if (n.__typename === "Alliance") {
      each(n.members, "Unit", "BELONGS_TO", false);
    }
    return out;
  }

  // fetch a node with its neighbours, add them to the picture; resolves with the node's record
  function expand(id) {
    say("加载中… Loading " + id + " …");
    return gql(OPEN, { id: id }).then(function (data) {
      var n = data.node;
      var before = cy.nodes().length;
      var centre = addNode(n.id, n.name, n.__typename);
      var box = centre.position();
      var around = neighbours(n);
      cy.batch(function () {
        around.forEach(function (x, i) {
          var m = x[0], isNew = cy.getElementById(m.id).empty();
          var added = addNode(m.id, m.name, x[1] || guessLabel(m.id));
          if (isNew && before > 0) { // place newcomers around the expanded node
            var a = (2 * Math.PI * i) / Math.max(around.length, 1);
            added.position({ x: box.x + 120 * Math.cos(a), y: box.y + 120 * Math.sin(a) });
          }
          if (x[3]) { addEdge(n.id, m.id, x[2]); } else { addEdge(m.id, n.id, x[2]); }
        });
      });
      centre.data("expanded", true);
      // a small picture is laid out again; in a big one the newcomers stay where they were placed
      var grown = cy.nodes().length > before;
      var done = before === 0 || (grown && cy.nodes().length <= BIG) ? runLayout(n.id) : Promise.resolve();
      return done.then(function () {
        say(n.name + ":" + around.length + " 个相邻节点 · " + around.length + " neighbours");
        return n;
      });
    }).catch(failed);
  }

  function row(key, value) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) { return null; }
    return el("tr", { "data-key": key }, [el("th", { text: key }), el("td", { text: Array.isArray(value) ? value.join(", ") : String(value) })]);
  }

  function showPanel(n) {
    var l = LABELS[n.__typename] || {};
    panel.textContent = "";
    var props = el("table", { id: "explore-props", class: "explore-props" });
    Object.keys(n).forEach(function (k) {
      var v = n[k];
      if (k === "__typename" || (v && typeof v === "object" && !Array.isArray(v))) { return; }
      var r = row(k, v);
      if (r) { props.appendChild(r); }
    });
    var actions = el("div", { class: "explore-row explore-actions" }, [
      el("button", { type: "button", id: "explore-set-from", text: "设为起点 From", on: { click: function () { pick("from", n); } } }),
      el("button", { type: "button", id: "explore-set-to", text: "设为终点 To", on: { click: function () { pick("to", n); } } })]);
    if (n.__typename === "AdminArea" && n.level !== "COMMUNITY" && n.level !== "COMPOUND" && n.level !== "GRID") {
      actions.appendChild(el("button", { type: "button", id: "explore-open-district", text: "区县视图 District view",
        on: { click: function () { api.district(n.id).catch(quiet); } } }));
    }
    panel.appendChild(el("h2", { id: "explore-panel-title", text: n.name || n.id }));
    panel.appendChild(el("p", { class: "explore-kind" }, [el("i", { style: "background:" + (l.color || "#A5ABB6") }),
      (l.zh || n.__typename) + " · " + (l.en || n.__typename)]));
    panel.appendChild(actions);
    panel.appendChild(el("h3", { text: "属性 · Properties" }));
    panel.appendChild(props);
    var question = el("section", { id: "explore-question", class: "explore-question" });
    panel.appendChild(question);
    return question;
  }

  function listSection(question, title, items) {
    question.appendChild(el("h3", { text: title }));
    var ul = el("ul", { class: "explore-list" });
    items.forEach(function (it) {
      ul.appendChild(el("li", {}, [el("button", { type: "button", class: "explore-link", "data-id": it.id,
        on: { click: function () { open(it.id).catch(quiet); } } }, [it.name || it.id]), it.note ? el("small", { text: " " + it.note }) : null]));
    });
    if (!items.length) { ul.appendChild(el("li", { class: "explore-hint", text: "无 · none" })); }
    question.appendChild(ul);
  }

  // the page question: a community's co-builders, a unit's communities (a second request, a second statement)
  function pageQuestion(n, question) {
    if (n.__typename === "AdminArea" && n.level === "COMMUNITY") {
      return gql(CO_BUILDERS, { id: n.id }).then(function (d) {
        var r = d.communityCoBuilders;
        listSection(question, "结对共建单位 · Co-building units (" + r.unitCount + ")", r.items.map(function (it) {
          return { id: it.unit.id, name: it.unit.name, note: [it.since, it.status, it.via.map(function (v) { return v.name; }).join("/")].filter(Boolean).join(" · ") };
        }));
      });
    }
    if (n.__typename === "Unit") {
      return gql(UNIT_COMMUNITIES, { id: n.id }).then(function (d) {
        var r = d.unitCommunities;
        listSection(question, "共建社区 · Communities (" + r.communityCount + ", " + r.streetCount + " 街道 streets)", r.communities.map(function (c) {
          return { id: c.community.id, name: c.community.name, note: [c.street && c.street.name, c.since].filter(Boolean).join(" · ") };
        }));
      });
    }
    return Promise.resolve();
  }

  // open a node: expand it, select it and fill the side panel (properties, then its page question)
  function open(id) {
    return expand(id).then(function (n) {
      cy.nodes().unselect();
      cy.nodes(".named").removeClass("named");
      cy.getElementById(n.id).select().closedNeighborhood().addClass("named");
      var question = showPanel(n);
      return pageQuestion(n, question).then(function () { return n; });
    }).catch(failed);
  }

  var picked = { from: null, to: null };
  function pick(which, n) {
    picked[which] = n.id;
    (which === "from" ? fromBox : toBox).textContent = n.name || n.id;
    (which === "from" ? fromBox : toBox).setAttribute("data-id", n.id);
  }

  function shortest(fromId, toId) {
    say("查找中… Searching the shortest connection …");
    return gql(SHORTEST, { from: fromId, to: toId }).then(function (d) {
      var r = d.shortestConnection;
      cy.elements().removeClass("path faded");
      var box = el("section", { id: "explore-path", class: "explore-question" });
      if (!r.found) {
        box.appendChild(el("p", { text: "没有联系 · No connection within the hop limit" }));
      } else {
        cy.batch(function () {
          r.nodes.forEach(function (m) { addNode(m.id, m.name, m.label || guessLabel(m.id)); });
          r.steps.forEach(function (s) {
            var out = s.direction !== "INCOMING";
            if (out) { addEdge(s.from.id, s.to.id, s.relationship); } else { addEdge(s.to.id, s.from.id, s.relationship); }
          });
        });
        var onPath = cy.collection();
        r.nodes.forEach(function (m) { onPath = onPath.union(cy.getElementById(m.id)); });
        r.steps.forEach(function (s) {
          onPath = onPath.union(cy.getElementById(s.from.id + "|" + s.relationship + "|" + s.to.id))
            .union(cy.getElementById(s.to.id + "|" + s.relationship + "|" + s.from.id));
        });
        cy.elements().not(onPath).addClass("faded");
        onPath.addClass("path");
        var ol = el("ol", { class: "explore-list" });
        r.nodes.forEach(function (m, i) {
          var step = r.steps[i];
          ol.appendChild(el("li", { "data-id": m.id }, [m.name || m.id, step ? el("small", { text: " —" + (RELS[step.relationship] || "") + " " + step.relationship + "→" }) : null]));
        });
        box.appendChild(el("h3", { text: "最短联系 · Shortest connection: " + r.hops + " 步 hops" }));
        box.appendChild(ol);
      }
      var old = document.getElementById("explore-path");
      if (old) { old.remove(); }
      panel.appendChild(box);
      return runLayout().then(function () {
        say(r.found ? "最短联系 " + r.hops + " 步 · " + r.hops + " hops" : "没有联系 · no connection");
        return r;
      });
    }).catch(failed);
  }

  // the district view: every community under the area, coloured by coverage gaps (two root fields, two requests)
  function district(areaId) {
    if (!areaId) { say("请输入区域编号 · Type an area id", true); return Promise.resolve(null); }
    districtInput.value = areaId;
    say("加载区县视图… Loading the district view …");
    var communities = [];
    function page(after) {
      return gql(COMMUNITIES, { id: areaId, after: after }).then(function (d) {
        var c = d.adminArea.communities;
        communities = communities.concat(c.nodes);
        return c.pageInfo.hasNextPage ? page(c.pageInfo.endCursor) : d.adminArea;
      });
    }
    return gql(GAPS, { id: areaId }).then(function (g) {
      return page(null).then(function (area) { return [g.coverageGaps, area]; });
    }).then(function (both) {
      var gaps = both[0], area = both[1], gapIds = {};
      gaps.groups.forEach(function (grp) { grp.gaps.forEach(function (c) { gapIds[c.id] = true; }); });
      clearGraph();
      cy.batch(function () {
        addNode(area.id, area.name, "AdminArea");
        communities.forEach(function (c) {
          var chain = [c], p = c.parent;
          while (p) { chain.push(p); p = p.parent; }
          addNode(c.id, c.name, "AdminArea", { level: c.level }).addClass(gapIds[c.id] ? "gap" : "covered");
          for (var i = 1; i < chain.length; i++) { // up to the area itself
            addNode(chain[i].id, chain[i].name, "AdminArea", { level: chain[i].level });
            addEdge(chain[i - 1].id, chain[i].id, "PART_OF");
            if (chain[i].id === area.id) { break; }
          }
          var top = chain[chain.length - 1];
          if (top.id !== area.id && chain.every(function (x) { return x.id !== area.id; })) { addEdge(top.id, area.id, "PART_OF"); }
        });
      });
      panel.textContent = "";
      panel.appendChild(el("h2", { id: "explore-panel-title", text: area.name + " · 区县视图 District view" }));
      var summary = el("p", { id: "explore-district-summary", "data-communities": String(gaps.communityCount), "data-gaps": String(gaps.gapCount),
        text: "社区 " + gaps.communityCount + " 个,其中 " + gaps.gapCount + " 个尚无有效结对 · " + gaps.communityCount + " communities, " + gaps.gapCount + " without an active co-building" });
      panel.appendChild(summary);
      var question = el("section", { id: "explore-question", class: "explore-question" });
      panel.appendChild(question);
      listSection(question, "缺口社区 · Communities with a gap (" + gaps.gapCount + ")",
        gaps.groups.reduce(function (acc, grp) {
          return acc.concat(grp.gaps.map(function (c) { return { id: c.id, name: c.name, note: grp.street ? grp.street.name : "" }; }));
        }, []));
      return runLayout().then(function () {
        say(area.name + ":" + gaps.communityCount + " 个社区," + gaps.gapCount + " 个缺口 · communities " + gaps.communityCount + ", gaps " + gaps.gapCount);
        return { area: area, communityCount: gaps.communityCount, gapCount: gaps.gapCount, drawn: communities.length };
      });
    }).catch(failed);
  }

  // ---- 2,000 real nodes: the responsiveness hook ----------------------------------------------------
  // Pages through root lists (areas, party organisations, units, persons, pairings, alliances) until
  // `count` nodes are loaded, with the relationships each page holds, then draws them all at once.
  var DEMO_LISTS = [
    ["AdminArea", "adminAreas", "parent { id }", function (n) { return n.parent ? [[n.id, n.parent.id, "PART_OF"]] : []; }],
    ["PartyOrganization", "partyOrganizations", "owner { id } superior { id }", function (n) {
      var e = [];
      if (n.owner) { e.push([n.owner.id, n.id, "HAS_PARTY_ORG"]); }
      if (n.superior) { e.push([n.id, n.superior.id, "SUBORDINATE_TO"]); }
      return e; }],
    ["Unit", "units", "locatedInAreas(first: 3) { nodes { id } }", function (n) {
      return n.locatedInAreas.nodes.map(function (a) { return [n.id, a.id, "LOCATED_IN"]; }); }],
    ["Alliance", "alliances", "", function () { return []; }],
    ["Pairing", "pairings", "parties(first: 2) { nodes { id } }", function (n) {
      return n.parties.nodes.map(function (a) { return [a.id, n.id, "PARTY_TO"]; }); }],
    ["Agreement", "agreements", "pairing { id }", function (n) { return n.pairing ? [[n.id, n.pairing.id, "FORMALIZES"]] : []; }],
    ["Demand", "demands", "publisher { id }", function (n) { return n.publisher ? [[n.publisher.id, n.id, "PUBLISHES"]] : []; }],
    ["Resource", "resources", "provider { id }", function (n) { return n.provider ? [[n.provider.id, n.id, "OFFERS"]] : []; }],
    ["Person", "persons", "employer { id }", function (n) { return n.employer ? [[n.id, n.employer.id, "EMPLOYED_BY"]] : []; }],
    ["Statistic", "statistics", "subject { id }", function (n) { return n.subject ? [[n.subject.id, n.id, "HAS_STATISTIC"]] : []; }],
    ["Project", "projects", "", function () { return []; }],
    ["Venue", "venues", "", function () { return []; }],
    ["Program", "programs", "", function () { return []; }],
    ["Category", "categories", "parent { id }", function (n) { return n.parent ? [[n.id, n.parent.id, "SUBCATEGORY_OF"]] : []; }]
  ];

  function loadDemo(count) {
    var nodes = [], edges = [], requests0 = requests;
    function list(i, after) {
      if (i >= DEMO_LISTS.length || nodes.length >= count) { return Promise.resolve(); }
      var spec = DEMO_LISTS[i], want = Math.min(100, count - nodes.length);
      var q = "query ExploreDemo($first: Int!, $after: String) { " + spec[1] + "(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { id name " + spec[2] + " } } }";
      return gql(q, { first: want, after: after }).then(function (d) {
        var conn = d[spec[1]];
        conn.nodes.forEach(function (n) { nodes.push([n.id, n.name, spec[0]]); edges = edges.concat(spec[3](n)); });
        return conn.pageInfo.hasNextPage ? list(i, conn.pageInfo.endCursor) : list(i + 1, null);
      });
    }
    return list(0, null).then(function () { return { nodes: nodes, edges: edges, requests: requests - requests0 }; });
  }

  function nextFrame() { return new Promise(function (r) { window.requestAnimationFrame(function () { window.requestAnimationFrame(r); }); }); }

  // Concentric rings by degree (hubs in the middle), computed before the nodes reach Cytoscape so a big
  // picture is added once with its positions (no layout pass over 2,000 live nodes): O(n log n).
  function ringPositions(nodes, edges) {
    var degree = {}, spacing = 22, pos = {};
    edges.forEach(function (e) { degree[e[0]] = (degree[e[0]] || 0) + 1; degree[e[1]] = (degree[e[1]] || 0) + 1; });
    var order = nodes.map(function (n) { return n[0]; }).sort(function (a, b) { return (degree[b] || 0) - (degree[a] || 0); });
    var ring = 0, placed = 0;
    while (placed < order.length) {
      var r = ring * spacing * 1.6, slots = ring === 0 ? 1 : Math.floor((2 * Math.PI * r) / spacing);
      for (var i = 0; i < slots && placed < order.length; i++, placed++) {
        var a = (2 * Math.PI * i) / slots + ring * 0.37;
        pos[order[placed]] = { x: r * Math.cos(a), y: r * Math.sin(a) };
      }
      ring += 1;
    }
    return pos;
  }

  // the viewport that shows every given position (cy.fit would first measure every element's box)
  function fitPositions(pos) {
    var xs = [], ys = [];
    Object.keys(pos).forEach(function (k) { xs.push(pos[k].x); ys.push(pos[k].y); });
    var minX = Math.min.apply(null, xs) - 20, maxX = Math.max.apply(null, xs) + 20;
    var minY = Math.min.apply(null, ys) - 20, maxY = Math.max.apply(null, ys) + 20;
    var w = cy.width(), h = cy.height(), zoom = Math.min(w / (maxX - minX), h / (maxY - minY));
    cy.viewport({ zoom: zoom, pan: { x: w / 2 - zoom * (minX + maxX) / 2, y: h / 2 - zoom * (minY + maxY) / 2 } });
  }

  // draw loaded elements and time it: from cy.add to the second animation frame after layout and render
  function draw(data) {
    clearGraph();
    var t0 = performance.now();
    var ids = {};
    var big = data.nodes.length > BIG;
    var pos = big ? ringPositions(data.nodes, data.edges) : {};
    var elements = data.nodes.map(function (n) {
      ids[n[0]] = true;
      return { group: "nodes", data: nodeData(n[0], n[1], n[2]), position: pos[n[0]] };
    });
    data.edges.forEach(function (e) {
      if (ids[e[0]] && ids[e[1]]) { elements.push({ group: "edges", data: { id: e[0] + "|" + e[2] + "|" + e[1], source: e[0], target: e[1], rel: e[2] } }); }
    });
    setBig(big);
    cy.add(elements);
    var addMs = performance.now() - t0, laidOut;
    var layout = big ? Promise.resolve(fitPositions(pos)) : runLayout();
    return layout.then(function () { laidOut = performance.now() - t0; return nextFrame(); }).then(function () {
      var drawMs = performance.now() - t0;
      // responsiveness once drawn: the mean time of a zoom step (redraw of all 2,000 nodes)
      var steps = 10, t1 = performance.now(), z = cy.zoom(), chain = Promise.resolve();
      for (var i = 0; i < steps; i++) {
        (function (k) { chain = chain.then(function () { cy.zoom({ level: z * (k % 2 ? 1.1 : 0.9), renderedPosition: { x: 400, y: 300 } }); return nextFrame(); }); })(i);
      }
      return chain.then(function () {
        var result = { nodes: cy.nodes().length, edges: cy.edges().length, drawMs: Math.round(drawMs), addMs: Math.round(addMs), layoutMs: Math.round(laidOut - addMs), renderMs: Math.round(drawMs - laidOut),
          zoomFrameMs: Math.round((performance.now() - t1) / steps), requests: data.requests };
        api.lastDraw = result;
        graphBox.setAttribute("data-drawn-nodes", String(result.nodes));
        say("已绘制 " + result.nodes + " 个节点 · drew " + result.nodes + " nodes, " + result.edges + " edges in " + result.drawMs + " ms");
        return result;
      });
    });
  }

  function demo(count) {
    say("加载 " + count + " 个节点… Loading " + count + " nodes …");
    return loadDemo(count).then(draw).catch(failed);
  }

  cy.on("tap", "node", function (evt) { open(evt.target.id()).catch(quiet); });

  var api = { search: search, open: open, expand: expand, shortest: shortest, district: district, demo: demo,
    pick: function (which, id) { pick(which, { id: id, name: (cy.getElementById(id).data("name")) || id }); },
    cy: cy, lastDraw: null, requestCount: function () { return requests; } };
  window.cobuildExplorer = api;

  var params = new URLSearchParams(window.location.search);
  var ready;
  if (params.get("demo")) {
    ready = demo(Math.max(1, Math.min(10000, parseInt(params.get("demo"), 10) || 2000)));
  } else if (params.get("district")) {
    ready = district(params.get("district"));
  } else if (params.get("id")) {
    ready = open(params.get("id"));
  } else if (params.get("q")) {
    ready = search(params.get("q"));
  } else {
    ready = Promise.resolve();
    say("就绪 · Ready");
  }
  api.ready = ready.catch(function () {});
})();
