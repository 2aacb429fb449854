// Progressive enhancement for /query. The page works without this script and without network.
// Ctrl/Cmd+Enter runs the query; the optional YASGUI editor loads only when the user asks for
// it and only if its files can be fetched (nothing is requested otherwise).
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var text = document.getElementById("query-text");
  if (!form || !text) { return; }
  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { form.submit(); }
  });
  var button = document.getElementById("yasgui-button");
  if (!button || !navigator.onLine) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "https://unpkg.com/@zazuko/yasgui@4/build/yasgui.min.css";
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = "https://unpkg.com/@zazuko/yasgui@4/build/yasgui.min.js";
    script.onerror = function () { button.textContent = "YASGUI could not be loaded (offline?)"; button.disabled = true; };
    script.onload = function () {
      var endpoint = new URL("sparql", document.baseURI.replace(/query.*$/, "")).href;
      var yasgui = new window.Yasgui(document.getElementById("yasgui"), {
        requestConfig: { endpoint: endpoint }, copyEndpointOnNewTab: false
      });
      yasgui.getTab().setQuery(text.value);
      form.hidden = true;
      button.hidden = true;
    };
    document.head.appendChild(script);
  });
})();
