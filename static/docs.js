// Starts swagger-ui on /api/v1/docs. Lives in a file (no inline script) for a strict CSP.
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
  });
})();
