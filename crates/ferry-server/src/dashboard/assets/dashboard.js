// Ferry dashboard: small progressive enhancements; every page works without this script.
"use strict";

// Octopus-style links (`/app#/Spaces-1/releases/Releases-1`) carry the route after `#`, which
// browsers never send to the server: map it to the server route here.
function routeOfHash(hash) {
  var parts = hash.replace(/^#\/?/, "").split("/").filter(function (p) { return p.length > 0; });
  if (parts[0] === "spaces") { parts.shift(); }
  if (parts.length && /^spaces-\d+$/i.test(parts[0])) { parts.shift(); }
  var kinds = { projects: "projects", releases: "releases", deployments: "deployments", tasks: "tasks" };
  if (parts.length >= 2 && kinds[parts[0]]) {
    return "/app/" + kinds[parts[0]] + "/" + encodeURIComponent(decodeURIComponent(parts[1]));
  }
  if (parts.indexOf("packages") >= 0) { return "/app/packages"; }
  return null;
}

(function mapHashLink() {
  if (!/^\/app\/?$/.test(location.pathname) || !location.hash) { return; }
  var target = routeOfHash(location.hash);
  if (target) { location.replace(target); }
})();

// The project filter narrows the matrix as one types (the form also works server-side).
(function projectFilter() {
  var input = document.getElementById("project-filter");
  if (!input) { return; }
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLowerCase();
    document.querySelectorAll("tr[data-project]").forEach(function (row) {
      row.hidden = needle !== "" && row.getAttribute("data-project").indexOf(needle) < 0;
    });
  });
})();

// While something runs, the server marks <main data-refresh="seconds">: fetch the page again
// and swap the main content, keeping the filter text and focus.
(function liveRefresh() {
  var main = document.querySelector("main[data-refresh]");
  if (!main) { return; }
  var seconds = parseInt(main.getAttribute("data-refresh"), 10) || 3;
  function tick() {
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").querySelector("main");
        if (!fresh) { return; }
        var current = document.querySelector("main");
        var filter = document.getElementById("project-filter");
        var value = filter ? filter.value : null;
        var hadFocus = filter && document.activeElement === filter;
        current.innerHTML = fresh.innerHTML;
        var again = document.getElementById("project-filter");
        if (again && value !== null) {
          again.value = value;
          again.dispatchEvent(new Event("input"));
          if (hadFocus) { again.focus(); }
        }
        if (fresh.hasAttribute("data-refresh")) { setTimeout(tick, seconds * 1000); }
        else { current.removeAttribute("data-refresh"); }
      })
      .catch(function () { setTimeout(tick, seconds * 2000); });
  }
  setTimeout(tick, seconds * 1000);
})();

// A running task's log follows live over server-sent events; the page reloads at the end to
// show the final state.
(function followLog() {
  var log = document.querySelector("[data-follow]");
  if (!log || typeof EventSource === "undefined") { return; }
  var status = document.getElementById("live-status");
  var source = new EventSource(log.getAttribute("data-follow"));
  source.addEventListener("line", function (event) {
    var line = JSON.parse(event.data);
    var lists = log.querySelectorAll("ol");
    var list = lists[lists.length - 1];
    if (!list) { return; }
    var item = document.createElement("li");
    var failing = line.category === "Error" || line.category === "Fatal";
    if (failing) { item.className = "failing"; }
    else if (line.category === "Warning") { item.className = "warning"; }
    var time = document.createElement("time");
    time.setAttribute("datetime", line.at);
    time.textContent = line.time;
    var category = document.createElement("span");
    category.textContent = (failing ? "\u2717 " : "") + line.category;
    var message = document.createElement("span");
    message.textContent = line.message;
    item.appendChild(time); item.appendChild(category); item.appendChild(message);
    list.appendChild(item);
  });
  source.addEventListener("end", function () {
    source.close();
    if (status) { status.textContent = "Finished: reloading"; }
    location.reload();
  });
  source.onerror = function () { if (status) { status.textContent = "Connection lost: retrying"; } };
})();
