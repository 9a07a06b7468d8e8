// Starts Swagger UI from the page's data- attributes (services/kernel/docs_ui.py). A file, not an inline script,
// so the page's Content-Security-Policy allows scripts from this origin only.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var here = window.location.href;
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.spec, here).href,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // the default asks a public validator about the document: nothing leaves the intranet
    oauth2RedirectUrl: new URL(root.dataset.oauth2Redirect, here).href,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
