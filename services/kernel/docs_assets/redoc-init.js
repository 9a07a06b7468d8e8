// Starts ReDoc on the OpenAPI document named by the page (services/kernel/docs_ui.py); a file, so the CSP
// allows scripts from this origin only. ReDoc's styles go into <style> elements carrying the page's nonce.
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  Redoc.init(new URL(root.dataset.spec, window.location.href).href, { nonce: root.dataset.styleNonce }, root);
})();
