// Starts GraphiQL on the GraphQL endpoint at this page's own address (GET /graphql serves the page, POST runs
// operations). The API is for auditors and admins: every operation, introspection included, needs a bearer
// token, which the Headers pane carries (and GraphiQL keeps only in memory: headers are not persisted).
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = window.location.href.split(/[?#]/)[0];
  var query = [
    "# The registry's GraphQL API: auditors and admins.",
    "# Headers pane below, then run (Ctrl-Enter):",
    "#   {\"Authorization\": \"Bearer <token>\"}",
    "# (from the auth service's POST /oauth/token)",
    "{",
    "  __typename",
    "}",
    "",
  ].join("\n");
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: endpoint }),
      defaultQuery: query,
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    })
  );
})();
