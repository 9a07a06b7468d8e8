// Verifies the registration certificate shown in the page in the browser itself (WebCrypto, ES256),
// against the registry JWKS embedded beside it, and checks it names the query code on the page.
(function () {
  "use strict";
  function b64url(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }
  function show(el, ok, text) {
    el.textContent = text;
    el.className = "verdict " + (ok ? "ok" : "bad");
    el.setAttribute("data-verified", ok ? "true" : "false");
  }
  async function run() {
    var out = document.getElementById("browser-verdict");
    var certEl = document.getElementById("certificate");
    var jwksEl = document.getElementById("registry-jwks");
    if (!out || !certEl || !jwksEl) { return; }
    if (!window.crypto || !window.crypto.subtle) { show(out, false, out.dataset.unsupported); return; }
    try {
      var token = certEl.textContent.trim(), parts = token.split(".");
      var header = JSON.parse(new TextDecoder().decode(b64url(parts[0])));
      var claims = JSON.parse(new TextDecoder().decode(b64url(parts[1])));
      var jwk = (JSON.parse(jwksEl.textContent).keys || []).find(function (k) { return k.kid === header.kid; });
      var code = document.getElementById("query-code").textContent.trim();
      if (!jwk || header.alg !== "ES256" || jwk.kty !== "EC") { throw new Error("key"); }
      var key = await crypto.subtle.importKey("jwk", {kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true},
        {name: "ECDSA", namedCurve: "P-256"}, false, ["verify"]);
      var ok = await crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, key, b64url(parts[2]),
        new TextEncoder().encode(parts[0] + "." + parts[1]));
      ok = ok && claims.code === code && claims.exp * 1000 > Date.now();
      show(out, ok, ok ? out.dataset.ok : out.dataset.bad);
    } catch (e) {
      show(out, false, out.dataset.bad);
    }
  }
  document.addEventListener("DOMContentLoaded", run);
})();
