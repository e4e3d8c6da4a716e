/* cobuild's GraphiQL page. React 18 and GraphiQL 4 (their npm packages' own browser bundles, served
 * from this server under /static/vendor/) are loaded before this file; nothing comes from elsewhere. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("cobuild-config").textContent || "{}");
  var endpoint = new URL(config.endpoint || window.location.pathname, window.location.href).toString();

  var DEFAULT_QUERY = [
    "# cobuild GraphQL · 城市基层党建互联互通",
    "#",
    "# Write a query on the left and run it with Ctrl-Enter (or the ▶ button).",
    "# 在左侧编写查询，按 Ctrl-Enter（或 ▶ 按钮）运行。",
    "#",
    "# The Docs panel (book icon) lists every type and field; Ctrl-Space completes names.",
    "# Credentials: add {\"X-API-Key\": \"cbk_…\"} in the Headers tab below (anonymous = read-only).",
    "# Lists are connections (first, after, totalCount, pageInfo); docs/frontend.md has whole pages.",
    "",
    "query CommunityPage {",
    "  adminArea(id: \"area:sl-zidongge\") {",
    "    name level",
    "    parent { name }",
    "    coBuildingUnits(first: 5) {",
    "      totalCount",
    "      nodes { id name unitType }",
    "    }",
    "    demands(first: 5) { totalCount nodes { name status } }",
    "  }",
    "}",
    ""
  ].join("\n");

  // Share a query by URL: /graphql?q=… opens it (the API itself reads `query`, so no clash)
  var params = new URLSearchParams(window.location.search);

  function remember(name, value) {
    var next = new URLSearchParams(window.location.search);
    if (value) { next.set(name, value); } else { next.delete(name); }
    var search = next.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  var fetcher = GraphiQL.createFetcher({ url: endpoint });

  ReactDOM.createRoot(document.getElementById("root")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      query: params.get("q") || undefined,
      variables: params.get("variables") || undefined,
      onEditQuery: function (q) { remember("q", q); },
      onEditVariables: function (v) { remember("variables", v); },
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true
    })
  );
})();
