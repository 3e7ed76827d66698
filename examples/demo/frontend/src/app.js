// Client code. process.env.NEXT_PUBLIC_API_URL is replaced by a string literal at build
// time (build.py), exactly like Next.js: setting it at run time changes nothing (seed 004
// issue 6). Calls /api/v1 directly: /api/* answers with a 307 that carries no CORS
// headers (seed 000 issue 6).
(function () {
  "use strict";
  var API_URL = process.env.NEXT_PUBLIC_API_URL;
  var list = document.getElementById("items");
  var status = document.getElementById("status");
  document.getElementById("api-url").textContent = API_URL;

  function render(items) {
    list.innerHTML = "";
    if (!items.length) {
      list.innerHTML = "<li>no items yet (run the demo-items seed)</li>";
      return;
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.sku + " " + item.name + " (" + item.category + ") " +
        (item.price_cents / 100).toFixed(2);
      list.appendChild(li);
    });
  }

  fetch(API_URL + "/api/v1/items")
    .then(function (res) {
      if (!res.ok) { throw new Error("API answered " + res.status); }
      return res.json();
    })
    .then(render)
    .catch(function (err) {
      list.innerHTML = "";
      status.className = "error";
      // "CORS blocked" often means the API crashed: look at its logs (seed 000 issue 5).
      status.textContent = "Could not load items from " + API_URL + ": " + err.message;
    });
})();
