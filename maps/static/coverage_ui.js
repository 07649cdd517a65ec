/* stationfinder coverage map: what a planner picks and sees around the layers.
 *
 * - One collapsed control ("图层 / Layers") instead of a checkbox per layer: the
 *   basemap, the radius, the filter (when there are several), the view (covered and
 *   uncovered areas, or the covered share per district) and four switches (stations,
 *   district names, outlines, demand heat). Only the chosen radius and filter are drawn.
 * - An overview (a province, a large area) has districts only: the per-district view,
 *   no stations and no covered area to switch to.
 * - On a site plan's map, two more switches: the suggested sites and what they newly
 *   cover (the area in the area view, the demand points in both).
 * - District names: one label per district at a point inside it; a label that would
 *   overlap a larger district's label, or lies off screen, is hidden until the zoom or
 *   a pan leaves room for it.
 * - The legend of the share classes only with the per-district view; the key of
 *   covered / uncovered only with the area view.
 * - The study area is fitted into the part of the map the panels leave free (the
 *   summary open on a wide screen, closed on a phone), and fitted again when the
 *   summary is opened or closed.
 * - A street basemap when the device is online: Amap's tiles (GCJ-02, the data shifted
 *   to match) if one tile loads within a few seconds; otherwise the outlines alone,
 *   and the title says so.
 *
 * Every text comes from the payload and reaches the page through textContent.
 */
/* exported sfCoverageUi */
/* global L */
"use strict";

function sfCoverageUi(map, P, api) {
  var T = P.ui;
  var state = {base: 0, f: 0, r: 0, view: P.overview ? "districts" : "area", stations: true, labels: true,
    outlines: true, heat: true, sites: true, newly: true};

  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function wanted(o) {
    switch (o.kind) {
      case "outlines": return state.outlines;
      case "labels": return state.labels;
      case "heat": return state.heat;
      case "stations": return state.stations && o.f === state.f;
      case "covered": case "uncovered":
        return state.view === "area" && o.f === state.f && o.r === state.r;
      case "choropleth":
        return state.view === "districts" && o.f === state.f && o.r === state.r;
      case "sites": return state.sites;
      case "newly": return state.newly && state.view === "area";
      case "newdemand": return state.newly;
      default: return false;
    }
  }
  function show() {
    api.containers.forEach(function (box, i) {
      var on = wanted(P.overlays[i]);
      if (on && !map.hasLayer(box)) { box.addTo(map); }
      if (!on && map.hasLayer(box)) { map.removeLayer(box); }
    });
    var legend = document.getElementById(P.legendId), key = document.getElementById(P.keyId);
    if (legend) { legend.hidden = state.view !== "districts"; }
    if (key) { key.hidden = state.view !== "area"; }
    placeLabels();
  }

  // -- the control ---------------------------------------------------------------------
  function radios(box, title, name, options, current, pick) {
    var set = node("fieldset", "sf-group");
    set.appendChild(node("legend", null, title));
    options.forEach(function (label, i) {
      var row = node("label");
      var input = node("input");
      input.type = "radio";
      input.name = name;
      input.value = String(i);
      input.checked = i === current;
      input.addEventListener("change", function () { pick(i); });
      row.appendChild(input);
      row.appendChild(node("span", null, label));
      set.appendChild(row);
    });
    box.appendChild(set);
  }
  function toggle(set, label, key) {
    var row = node("label");
    var input = node("input");
    input.type = "checkbox";
    input.checked = state[key];
    input.dataset.key = key;
    input.addEventListener("change", function () { state[key] = input.checked; show(); });
    row.appendChild(input);
    row.appendChild(node("span", null, label));
    set.appendChild(row);
  }
  var Control = L.Control.extend({
    options: {position: "topright"},
    onAdd: function () {
      var details = node("details", "sf-control leaflet-bar");
      details.appendChild(node("summary", null, T.layers));
      var body = node("div", "sf-control-body");
      radios(body, T.basemap, "sf-base", P.basemaps.map(function (b) { return b.name; }),
        state.base, function (i) { setBase(i); });
      radios(body, T.radius, "sf-radius", P.radiusLabels, state.r,
        function (i) { state.r = i; show(); });
      if (P.filterLabels.length > 1) {
        radios(body, T.filter_pick, "sf-filter", P.filterLabels, state.f,
          function (i) { state.f = i; show(); });
      }
      if (!P.overview) {  // an overview has the per-district view only, and no stations
        radios(body, T.view, "sf-view", [T.view_area, T.view_districts], 0,
          function (i) { state.view = i === 0 ? "area" : "districts"; show(); });
      }
      var set = node("fieldset", "sf-group");
      set.appendChild(node("legend", null, T.show));
      if (!P.overview) { toggle(set, T.stations_toggle, "stations"); }
      toggle(set, T.labels, "labels");
      toggle(set, T.outlines, "outlines");
      if (P.demand) { toggle(set, T.heat, "heat"); }
      if (P.sites) {
        toggle(set, P.siteWords.sites_toggle, "sites");
        toggle(set, P.siteWords.newly_toggle, "newly");
      }
      body.appendChild(set);
      details.appendChild(body);
      L.DomEvent.disableClickPropagation(details);
      L.DomEvent.disableScrollPropagation(details);
      return details;
    }
  });
  var control = new Control();
  control.addTo(map);

  // -- basemaps ------------------------------------------------------------------------
  var bases = P.basemaps.map(function (b) {
    if (!b.url) { return L.layerGroup(); }
    var tiles = [b.url].concat(b.labels ? [b.labels] : []).map(function (url) {
      var one = L.tileLayer(url, {attribution: b.attribution, maxZoom: 18,
        subdomains: b.subdomains || "abc"});
      one.on("tileerror", function () { offline(true); });
      return one;
    });
    // Tianditu: the street map and its labels, two layers switched as one.
    var layer = tiles.length === 1 ? tiles[0] : L.layerGroup(tiles);
    layer.sfGcj02 = !!b.gcj02;
    return layer;
  });
  function setBase(i) {
    map.removeLayer(bases[state.base]);
    state.base = i;
    bases[i].addTo(map);
    api.setDatum(bases[i].sfGcj02);
    placeLabels();
    var input = document.querySelector(".sf-control input[name=sf-base][value=\"" + i + "\"]");
    if (input) { input.checked = true; }
  }
  function offline(yes) {
    var note = document.getElementById(P.basemapNoteId);
    if (note) { note.hidden = !yes; }
  }
  function probe(b, done) {
    // One tile at the area's centre: loaded means online (the layer then loads the rest).
    var c = map.getCenter(), z = 10, n = Math.pow(2, z), rad = c.lat * Math.PI / 180;
    var x = Math.floor((c.lng + 180) / 360 * n);
    var y = Math.floor((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2 * n);
    var url = b.url.replace("{s}", (b.subdomains || "a").charAt(0)).replace("{z}", z)
      .replace("{x}", x).replace("{y}", y);
    var img = new Image(), settled = false;
    function end(ok) { if (!settled) { settled = true; done(ok); } }
    var timer = setTimeout(function () { end(false); }, P.probeMs);
    img.onload = function () { clearTimeout(timer); end(true); };
    img.onerror = function () { clearTimeout(timer); end(false); };
    img.src = url;
  }
  bases[0].addTo(map);
  if (P.autoBasemap !== null) {
    probe(P.basemaps[P.autoBasemap], function (ok) {
      if (ok && state.base === 0) { setBase(P.autoBasemap); }
      offline(!ok);
      // The title may have grown by the note: fit again unless the planner has moved.
      if (fitted && map.getZoom() === fitted.zoom && map.getCenter().equals(fitted.centre)) {
        fit();
      }
      map.fire("sfbasemap", {online: ok});
    });
  }

  // -- district names ------------------------------------------------------------------
  function placeLabels() {
    var box = api.containers[P.overlays.findIndex(function (o) { return o.kind === "labels"; })];
    if (!box || !map.hasLayer(box)) { return; }
    var items = [];
    box.eachLayer(function (group) {
      group.eachLayer(function (m) {  // larger districts first (the payload's order)
        var el = m.getElement();
        if (el) { items.push({m: m, el: el}); }
      });
    });
    // Sizes are measured once, all reads together (one layout), never between writes:
    // measuring each label after hiding the previous one laid the page out 2,848 times
    // for the country (4 s).
    items.forEach(function (it) {
      if (!it.m.sfSize) { it.m.sfSize = [it.el.offsetWidth, it.el.offsetHeight]; }
    });
    var size = map.getSize(), taken = [];
    items.forEach(function (it) {
      var w = it.m.sfSize[0], h = it.m.sfSize[1];
      var p = map.latLngToContainerPoint(it.m.getLatLng());
      var r = {l: p.x - w / 2 - 2, r: p.x + w / 2 + 2, t: p.y - h / 2 - 1, b: p.y + h / 2 + 1};
      var clash = r.r < 0 || r.l > size.x || r.b < 0 || r.t > size.y || taken.some(function (q) {
        return r.l < q.r && q.l < r.r && r.t < q.b && q.t < r.b;
      });
      if (!clash) { taken.push(r); }
      it.el.style.visibility = clash ? "hidden" : "";
    });
  }
  map.on("zoomend moveend", placeLabels);
  map.on("overlayadd layeradd", function (e) {
    if (e.layer && e.layer.sfLabels) { placeLabels(); }
  });

  // -- fitting the area into the free part of the map -----------------------------------
  var summary = document.querySelector(".sf-summary"), fitted = null;
  if (summary && map.getSize().x < P.narrowPx) { summary.open = false; }
  function fit() {
    var size = map.getSize(), top = 10, bottom = 10, left = 10, right = 10;
    var mapBox = map.getContainer().getBoundingClientRect();
    function rect(el) {
      if (!el || el.hidden) { return null; }
      var b = el.getBoundingClientRect();
      return {l: b.left - mapBox.left, r: b.right - mapBox.left, t: b.top - mapBox.top,
        b: b.bottom - mapBox.top};
    }
    var title = rect(document.querySelector(".sf-title"));
    var ctl = rect(control.getContainer());
    if (title) { top = Math.max(top, title.b + 10); }
    if (ctl) { top = Math.max(top, ctl.b + 10); }
    var legend = rect(document.getElementById(P.legendId)) || rect(document.getElementById(P.keyId));
    if (legend) { bottom = Math.max(bottom, size.y - legend.t + 10); }
    var s = rect(summary);
    var options = {paddingTopLeft: [left, top], paddingBottomRight: [right, bottom],
      animate: false};
    if (s) {
      // Beside the summary or above it: whichever shows the area larger (and leaves
      // room at all: on a phone the summary is as wide as the map).
      var choices = [
        {paddingTopLeft: [s.r + 10, top], paddingBottomRight: [right, bottom]},
        {paddingTopLeft: [left, top], paddingBottomRight: [right, Math.max(bottom, size.y - s.t + 10)]}
      ].filter(function (c) {
        return size.x - c.paddingTopLeft[0] - c.paddingBottomRight[0] >= P.minFreePx
          && size.y - c.paddingTopLeft[1] - c.paddingBottomRight[1] >= P.minFreePx;
      });
      var best = null, bestZoom = -Infinity;
      choices.forEach(function (c) {
        var z = map.getBoundsZoom(P.bounds, false,
          L.point(c.paddingTopLeft).add(c.paddingBottomRight));
        if (z > bestZoom) { best = c; bestZoom = z; }
      });
      if (best) { options = L.extend(best, {animate: false}); }
    }
    map.fitBounds(P.bounds, options);
    fitted = {zoom: map.getZoom(), centre: map.getCenter()};
    placeLabels();
  }
  if (summary) { summary.addEventListener("toggle", fit); }
  show();
  fit();
  return {state: state, fit: fit, setBase: setBase, show: show, placeLabels: placeLabels};
}
