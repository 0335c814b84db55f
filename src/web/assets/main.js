// The console's router: /ui/<page>[/<id>] -> FW.pages.<page>. Links inside
// the console navigate without reloading.
"use strict";
(function () {
const routes = {
  incidents: (m, id) => (id ? FW.pages.incident(m, decodeURIComponent(id)) : FW.pages.incidents(m)),
  alerts: FW.pages.alerts, oncall: FW.pages.oncall, explore: FW.pages.explore,
  logs: FW.pages.logs, login: FW.pages.login,
};

function who() {
  const box = document.getElementById("who");
  box.textContent = "";
  if (FW.session.signedIn) {
    const out = FW.el("button", { type: "button", id: "sign-out" }, "Sign out");
    out.addEventListener("click", FW.guard(async () => {
      await FW.post("/ui/logout");
      FW.session = { signedIn: false };
      FW.go("/ui/login");
    }));
    box.append(FW.session.name + " (" + FW.session.role + ") ", out);
  } else {
    box.append(FW.el("a", { href: "/ui/login?next=" + encodeURIComponent(location.pathname) }, "Sign in"));
  }
}

async function render() {
  FW.stopPolling();
  FW.pending.clear();
  const [, , page, id] = location.pathname.split("/");
  if (page === "incidents" && id) {
    const base = "/api/v1/incidents/" + id;
    FW.prefetch([base, base + "/response", base + "/action_items"]);
  }
  await FW.loadSession();
  who();
  const main = document.getElementById("main");
  main.textContent = "";
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.pathname === "/ui/" + page);
  const route = routes[page || "incidents"];
  if (!route) {
    main.append(FW.el("p", {}, "No page " + page + "."));
    return;
  }
  try {
    await route(main, id);
  } catch (e) {
    if (e.status === 401) FW.go("/ui/login?next=" + encodeURIComponent(location.pathname));
    else FW.flash(e.message);
  }
}

FW.go = function (path) {
  history.pushState(null, "", path);
  render();
};
document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a");
  if (!a || a.target || a.hasAttribute("download") || e.ctrlKey || e.metaKey || e.button !== 0) return;
  if (a.origin === location.origin && a.pathname.startsWith("/ui/")) {
    e.preventDefault();
    FW.go(a.pathname + a.search);
  }
});
window.addEventListener("popstate", render);
// Pages poll; an API answering 401 (session gone) sends the reader to sign in.
window.addEventListener("unhandledrejection", (e) => {
  if (e.reason && e.reason.status === 401) FW.go("/ui/login?next=" + encodeURIComponent(location.pathname));
});
render();
})();
