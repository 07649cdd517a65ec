/* The map: collapsed by default so that the list comes first on a phone; the rider's
 * choice is kept in localStorage. Leaflet is set up the first time the map is opened
 * (a hidden container has no size to fit). No basemap unless switched on: a plain grid,
 * the rider, numbered stations. Coordinates are WGS84. */
import { t } from "./i18n.js";
import { el } from "./cards.js";

const KEY = "stationfinder.map";
let map = null, layer = null, osm = null, onPick = null, lastAnswer = null, lastHasMe = false;

function remembered() {
  try { return localStorage.getItem(KEY) === "open"; } catch (e) { return false; }
}

function remember(open) {
  try { localStorage.setItem(KEY, open ? "open" : "closed"); } catch (e) { /* private mode */ }
}

function create() {
  if (map || !window.L) return;
  map = L.map("sf-map", { zoomControl: true, attributionControl: true, center: [35, 105], zoom: 4 });
  map.attributionControl.setPrefix(false);
  L.control.scale({ imperial: false }).addTo(map);
  layer = L.layerGroup().addTo(map);
  map.on("click", function (e) { onPick(e.latlng.lng, e.latlng.lat); });
  window.sfPageMap = map;
  basemap(document.getElementById("sf-basemap").checked);
}

export function isOpen() { return !document.getElementById("sf-map").hidden; }

// Open or close the map; `pick(lon, lat)` is called when the rider taps it.
export function showMap(open, pick) {
  if (pick) onPick = pick;
  const box = document.getElementById("sf-map");
  box.hidden = !open;
  remember(open);
  labelToggle();
  if (!open) return;
  create();
  if (map) {
    map.invalidateSize();
    draw(lastAnswer, lastHasMe);
  }
}

export function initMap(pick) {
  onPick = pick;
  document.getElementById("sf-map-toggle").addEventListener("click", function () {
    showMap(!isOpen());
  });
  showMap(remembered());
}

export function labelToggle() {
  const button = document.getElementById("sf-map-toggle");
  button.textContent = t(isOpen() ? "map_hide" : "map_show");
  button.setAttribute("aria-expanded", String(isOpen()));
  document.getElementById("sf-map").setAttribute("aria-label", t("map"));
}

// The basemap the server offers (page.py): OpenStreetMap, or Tianditu's street map and
// labels when it has a key. Both are WGS84/CGCS2000 tiles: the data is drawn as it is.
export function basemapConfig() {
  return JSON.parse(document.getElementById("sf-basemap-config").textContent);
}

export function basemap(on) {
  if (!map) return;
  if (on) {
    if (!osm) {
      const b = basemapConfig();
      const opts = { maxZoom: 18, attribution: b.attribution, subdomains: b.subdomains || "abc" };
      osm = L.layerGroup([b.url].concat(b.labels ? [b.labels] : []).map(function (url) {
        return L.tileLayer(url, opts);
      }));
    }
    osm.addTo(map);
  } else if (osm) {
    map.removeLayer(osm);
  }
}

// The route, the rider (when known) and the numbered stations of an answer.
export function draw(answer, hasMe) {
  lastAnswer = answer;
  lastHasMe = hasMe;
  if (!map || !isOpen()) return;
  layer.clearLayers();
  let points = [];
  if (answer && answer.route) {
    const line = answer.route.map(function (p) { return [p[1], p[0]]; });
    L.polyline(line, { color: "#0b5394", weight: 4, opacity: 0.6 }).addTo(layer);
    points = points.concat(line);
  }
  if (hasMe && answer && answer.position) {
    const me = [answer.position.wgs84[1], answer.position.wgs84[0]];
    L.circleMarker(me, { radius: 9, color: "#fff", weight: 3, fillColor: "#d35400", fillOpacity: 1 })
      .bindTooltip(t("me")).addTo(layer);
    points.push(me);
  }
  (answer ? answer.stations : []).forEach(function (st, i) {
    const marker = L.marker([st.lat, st.lon], {
      icon: L.divIcon({ html: el("div", "sf-pin", i + 1), className: "", iconSize: [26, 26] }),
      keyboard: false
    });
    marker.bindTooltip(el("span", null, st.name)); // a node: the name stays text
    marker.on("click", function () {
      const card = document.querySelector('.sf-card[data-id="' + st.id + '"]');
      if (card) card.scrollIntoView({ behavior: "smooth", block: "center" });
    });
    marker.addTo(layer);
    points.push([st.lat, st.lon]);
  });
  if (points.length === 1) map.setView(points[0], 16);
  else if (points.length > 1) map.fitBounds(points, { padding: [24, 24], maxZoom: 17 });
}
