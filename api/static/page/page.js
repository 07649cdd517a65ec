/* stationfinder page: vanilla JS modules, no framework, no third-party request unless the
 * OpenStreetMap basemap is switched on. Station text is only ever set with textContent
 * (cards.js). Coordinates on the map are WGS84; the server converts them for the
 * navigation links (GCJ-02 for Amap, BD-09 for Baidu), see docs/page.md.
 *
 * Modules: i18n.js (words), format.js (distances, times, hours phrases, dialable
 * numbers, report times), cards.js (a station card), reports.js (couriers' reports on a
 * card and the report sheet), mapview.js (the map), this file (state, search, status
 * and errors, language). */
import { lang, setLang, t } from "./i18n.js";
import { metres, place, tooFarToRide } from "./format.js";
import { card, el, icon } from "./cards.js";
import { block, button, initReports, translateSheet } from "./reports.js";
import { basemap, basemapConfig, draw, initMap, labelToggle } from "./mapview.js";

const MAIN = ["drinking_water", "microwave", "toilet", "phone_charging", "ebike_charging",
  "battery_swap", "car_parking", "motorcycle_parking", "ev_charging"];
const VOCAB = JSON.parse(document.getElementById("sf-amenities").textContent);
const params = new URLSearchParams(location.search);
setLang(params.get("lang"));

const state = {
  position: null, // {lon, lat, crs, how}
  wanted: new Set((params.get("amenities") || "").split(",").filter(function (c) {
    return VOCAB.some(function (a) { return a.code === c; });
  })),
  closed: params.get("closed") === "1",
  hideReported: params.get("hide_reported") === "1", // sends exclude_reported=HIDDEN
  route: params.get("route"),
  routeFormat: params.get("route_format") || "lonlat",
  routeCrs: params.get("crs"),
  answer: null,
  // What the status line says, kept as what it means so that a language switch says it
  // again: {key} for the page's words, {error} for an API error (both languages).
  status: null,
  request: 0
};

// What "不看已满、未开门的" leaves out: stations couriers report so right now.
const HIDDEN = "parking_full,closed_now";
const LIVE = { block: block, button: button }; // what a card shows of couriers' reports

function $(id) { return document.getElementById(id); }

function label(code) {
  for (const a of VOCAB) if (a.code === code) return a[lang()];
  return code;
}

// -- the status line: the page's words, or an API error in the language in use -------
function setStatus(status) {
  state.status = status;
  renderStatus();
}

function renderStatus() {
  const s = $("sf-status"), st = state.status;
  let text = "";
  if (st && st.key) text = t(st.key);
  else if (st && st.error) {
    const e = st.error;
    text = t("failed") + ((lang() === "zh" ? e.message_zh : e.message) || e.message || e.code);
  }
  s.textContent = text;
  s.classList.toggle("sf-error", !!(st && (st.error || st.bad)));
  s.dataset.code = st && st.error ? st.error.code : "";
}

// -- rendering ---------------------------------------------------------------------
function renderAmenityToggles() {
  const main = $("sf-main-amenities"), more = $("sf-more-amenities");
  main.textContent = "";
  more.textContent = "";
  VOCAB.forEach(function (a) {
    const box = el("label", "sf-toggle");
    const input = el("input");
    input.type = "checkbox";
    input.value = a.code;
    input.checked = state.wanted.has(a.code);
    input.addEventListener("change", function () {
      if (input.checked) state.wanted.add(a.code); else state.wanted.delete(a.code);
      showChosen();
      remember();
      search();
    });
    box.appendChild(input);
    box.appendChild(icon(a.code));
    box.appendChild(el("span", null, a[lang()]));
    (MAIN.indexOf(a.code) >= 0 ? main : more).appendChild(box);
  });
  if (VOCAB.some(function (a) { return state.wanted.has(a.code) && MAIN.indexOf(a.code) < 0; })) {
    document.querySelector(".sf-more").open = true;
  }
  showChosen();
}

// "I need" is collapsed to one line so that the first station is on the first screen;
// what is chosen is named on that line, and the toggles open when the rider asks.
function showChosen() {
  const zh = lang() === "zh";
  const chosen = VOCAB.filter(function (a) { return state.wanted.has(a.code); })
    .map(function (a) { return a[lang()]; });
  if (state.closed) chosen.push(t("closed_too"));
  if (state.hideReported) chosen.push(t("hide_reported_short"));
  $("sf-needs-chosen").textContent = chosen.length ? (zh ? "：" : ": ") + chosen.join(zh ? "、" : ", ") : "";
}

function translate() {
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  document.querySelectorAll("[data-i18n]").forEach(function (node) {
    node.textContent = t(node.getAttribute("data-i18n"));
  });
  const btn = $("sf-lang");
  btn.textContent = t("lang");
  btn.lang = t("lang_code");
  labelToggle();
  renderAmenityToggles();
  renderList();
  renderStatus();
  translateSheet();
}

function onRoute() { return !!state.route && $("sf-on-route").checked; }

function summary(answer) {
  const n = answer.stations.length;
  if (!n) return t(answer.route ? "none_route" : state.closed ? "none_all" : "none");
  let text = t(answer.route ? "found_route" : "found")(n);
  if (answer.route && answer.off_route_m) text = t("rider_off_route")(metres(answer.off_route_m)) + " " + text;
  const first = answer.stations[0];
  if (!answer.route && tooFarToRide(first.distance_m)) text = t("far")(metres(first.distance_m), place(first));
  return text;
}

function renderList() {
  const list = $("sf-list");
  list.textContent = "";
  $("sf-results-h").textContent = t((onRoute() ? "results_route" : "results") + (state.closed ? "_all" : ""));
  const answer = state.answer;
  if (!answer) { $("sf-summary").textContent = ""; return; }
  $("sf-summary").textContent = summary(answer);
  answer.stations.forEach(function (st, i) { list.appendChild(card(st, i, answer, state.wanted, label, LIVE)); });
}

// -- searching ---------------------------------------------------------------------
function remember() {
  const p = new URLSearchParams(location.search);
  if (state.wanted.size) p.set("amenities", Array.from(state.wanted).join(","));
  else p.delete("amenities");
  if (lang() === "en") p.set("lang", "en"); else p.delete("lang");
  if (state.closed) p.set("closed", "1"); else p.delete("closed");
  if (state.hideReported) p.set("hide_reported", "1"); else p.delete("hide_reported");
  const q = p.toString();
  history.replaceState(null, "", location.pathname + (q ? "?" + q : ""));
}

function search() {
  const route = onRoute();
  if (!route && !state.position) return;
  const p = new URLSearchParams();
  if (state.position) {
    p.set("lon", state.position.lon);
    p.set("lat", state.position.lat);
    p.set("crs", state.position.crs);
  }
  if (state.wanted.size) p.set("amenities", Array.from(state.wanted).join(","));
  if (state.closed) p.set("closed", "true");
  if (state.hideReported) p.set("exclude_reported", HIDDEN);
  let url;
  if (route) {
    p.set("route", state.route);
    p.set("route_format", state.routeFormat);
    if (state.routeCrs) p.set("route_crs", state.routeCrs);
    p.set("width_m", $("sf-width").value);
    url = "/page/data/along-route?" + p;
  } else {
    url = "/page/data/nearest?" + p;
  }
  const ticket = ++state.request;
  document.body.setAttribute("aria-busy", "true");
  $("sf-summary").textContent = t("loading");
  fetch(url, { headers: { Accept: "application/json" } })
    .then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw Object.assign(new Error(body.error.message), { body: body.error });
        return body;
      });
    })
    .then(function (body) {
      if (ticket !== state.request) return; // a newer search was started meanwhile
      state.answer = body;
      if (state.status && state.status.error) setStatus(null); // an earlier failure is over
      renderList();
      draw(body, !!state.position);
    })
    .catch(function (err) {
      if (ticket !== state.request) return;
      state.answer = null;
      renderList();
      draw(null, false);
      // The error as the API wrote it (code, message, message_zh): said again in the
      // other language when the rider switches.
      if (err.body) setStatus({ error: err.body });
      else setStatus({ key: err instanceof TypeError ? "offline" : "server_error", bad: true });
    })
    .finally(function () {
      if (ticket === state.request) document.body.removeAttribute("aria-busy");
    });
}

function pick(lon, lat, crs, how) {
  state.position = { lon: lon, lat: lat, crs: crs, how: how };
  setStatus({ key: how === "picked" ? "picked" : "typed_pos" });
  search();
}

function locate() {
  if (!navigator.geolocation) { setStatus({ key: "geo_missing", bad: true }); return; }
  setStatus({ key: "locating" });
  navigator.geolocation.getCurrentPosition(function (pos) {
    // The W3C Geolocation API reports WGS84.
    state.position = { lon: pos.coords.longitude, lat: pos.coords.latitude, crs: "wgs84", how: "located" };
    setStatus({ key: "located" });
    search();
  }, function () {
    setStatus({ key: "geo_denied", bad: true });
    search();
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}

function init() {
  if (basemapConfig().name === "tianditu") {  // the switch names the basemap it shows
    document.querySelector("#sf-basemap + span").setAttribute("data-i18n", "basemap_tianditu");
  }
  initMap(function (lon, lat) { pick(lon, lat, "wgs84", "picked"); });
  initReports({
    stations: function () { return state.answer ? state.answer.stations : []; },
    station: function (id) {
      return (state.answer ? state.answer.stations : []).find(function (st) { return st.id === id; }) || null;
    },
    // Only the phone's own fix goes with a report (WGS84): a tapped or typed point is
    // where the rider looks, not where the rider is.
    position: function () { return state.position && state.position.how === "located" ? state.position : null; },
    sent: function () { setStatus({ key: "report_sent" }); }
  });
  $("sf-closed").checked = state.closed;
  $("sf-hide-reported").checked = state.hideReported;
  translate();
  if (state.route) $("sf-route").hidden = false;
  $("sf-lang").addEventListener("click", function () {
    setLang(lang() === "zh" ? "en" : "zh");
    remember();
    translate();
  });
  $("sf-locate").addEventListener("click", locate);
  $("sf-coords").addEventListener("submit", function (e) {
    e.preventDefault();
    const lon = parseFloat($("sf-lon").value), lat = parseFloat($("sf-lat").value);
    if (!isFinite(lon) || !isFinite(lat)) return;
    pick(lon, lat, $("sf-crs").value, "typed");
  });
  $("sf-closed").addEventListener("change", function (e) {
    state.closed = e.target.checked;
    showChosen();
    remember();
    search();
  });
  $("sf-hide-reported").addEventListener("change", function (e) {
    state.hideReported = e.target.checked;
    showChosen();
    remember();
    search();
  });
  $("sf-on-route").addEventListener("change", search);
  $("sf-width").addEventListener("change", search);
  $("sf-basemap").addEventListener("change", function (e) { basemap(e.target.checked); });
  if (state.route) search();
  locate();
}

window.sfPage = { state: state, search: search };
init(); // a module runs after the document is parsed, and after Leaflet (deferred before it)
