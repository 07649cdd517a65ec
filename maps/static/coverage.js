/* stationfinder coverage map: builds every layer from one JSON payload.
 *
 * The payload (maps/coverage_map.py) holds WGS84 data. When a GCJ-02 basemap (Amap) is
 * switched on, every layer is rebuilt with its coordinates shifted to GCJ-02 by the
 * published forward transform (the same as geo/datums.py), so that stations sit on
 * the right street of that basemap; switching back rebuilds them in WGS84. What is
 * shown, the control, the basemap and the fit: coverage_ui.js.
 *
 * The payload arrives as JSON in a <script type="application/json"> block that the page
 * passes to sfCoverage() through JSON.parse: data, never code or template source. All
 * text from it (station names, addresses, hours) goes through esc() before it reaches
 * HTML: a station named "<script>" shows as text.
 */
/* exported sfCoverage, sfWgs84ToGcj02 */
"use strict";

var SF_A = 6378245.0;
var SF_EE = 0.00669342162296594323;

function sfWgs84ToGcj02(lon, lat) {
  var x = lon - 105.0, y = lat - 35.0, pi = Math.PI;
  var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
    + (20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0 / 3.0
    + (20.0 * Math.sin(y * pi) + 40.0 * Math.sin(y / 3.0 * pi)) * 2.0 / 3.0
    + (160.0 * Math.sin(y / 12.0 * pi) + 320.0 * Math.sin(y * pi / 30.0)) * 2.0 / 3.0;
  var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
    + (20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0 / 3.0
    + (20.0 * Math.sin(x * pi) + 40.0 * Math.sin(x / 3.0 * pi)) * 2.0 / 3.0
    + (150.0 * Math.sin(x / 12.0 * pi) + 300.0 * Math.sin(x / 30.0 * pi)) * 2.0 / 3.0;
  var rad = lat / 180.0 * pi;
  var magic = 1.0 - SF_EE * Math.sin(rad) * Math.sin(rad);
  var sq = Math.sqrt(magic);
  dLat = (dLat * 180.0) / ((SF_A * (1.0 - SF_EE)) / (magic * sq) * pi);
  dLon = (dLon * 180.0) / (SF_A / sq * Math.cos(rad) * pi);
  return [lon + dLon, lat + dLat];
}

function sfCoverage(map, P) {
  var ESC = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"};
  function esc(value) {
    return String(value).replace(/[&<>"']/g, function (c) { return ESC[c]; });
  }
  var gcj02 = false;  // are layers currently shifted to GCJ-02?
  function toLatLng(lon, lat) {
    if (gcj02 && P.shiftable) {
      var g = sfWgs84ToGcj02(lon, lat);
      return L.latLng(g[1], g[0]);
    }
    return L.latLng(lat, lon);
  }
  function geoCoords(c) { return toLatLng(c[0], c[1]); }

  function colorOf(share) {
    for (var i = 0; i < P.classes.length; i++) {
      if (share <= P.classes[i][0]) { return P.classes[i][1]; }
    }
    return P.classes[P.classes.length - 1][1];
  }
  // Rings of a GeoJSON (multi)polygon, outer and inner alike.
  function rings(geom) {
    if (!geom) { return []; }
    if (geom.type === "Polygon") { return geom.coordinates; }
    if (geom.type === "MultiPolygon") { return [].concat.apply([], geom.coordinates); }
    return [];
  }
  function pct(share) { return (100 * share).toFixed(1) + "%"; }

  var S = P.stationFields;
  function popup(row) {
    var L_ = P.labels;
    var labels = [];
    for (var bit = 0; bit < P.vocab.length; bit++) {
      if ((row[S.mask] >> bit) & 1) { labels.push(P.vocab[bit]); }
    }
    function line(label, value) {
      var shown = (value === null || value === undefined || value === "") ? "—" : value;
      return "<tr><th>" + esc(label) + "</th><td>" + esc(shown) + "</td></tr>";
    }
    return "<div class=\"sf-popup\"><b class=\"sf-name\">" + esc(row[S.name]) + "</b><table>"
      + line(L_.address, row[S.address])
      + line(L_.amenities, labels.join(P.lang === "zh" ? "、" : ", "))
      + line(L_.hours, row[S.hours])
      + line(L_.car, row[S.car])
      + line(L_.moto, row[S.moto])
      + line(L_.ev, row[S.ev])
      + "</table></div>";
  }

  var builders = {
    outlines: function () {
      return L.geoJSON(P.outlines, {
        coordsToLatLng: geoCoords,
        style: {color: "#444", weight: 1.2, fill: false},
        interactive: false
      });
    },
    choropleth: function (o) {
      return L.geoJSON(P.outlines, {
        coordsToLatLng: geoCoords,
        style: function (f) {
          var s = f.properties.shares[o.f][o.r];
          return {color: "#555", weight: 0.8, fillColor: colorOf(s), fillOpacity: 0.7};
        },
        onEachFeature: function (f, layer) {
          var s = f.properties.shares[o.f][o.r];
          layer.bindTooltip(esc(f.properties.name) + " " + pct(s), {sticky: true});
        }
      });
    },
    covered: function (o) {
      return L.geoJSON(P.layers[o.layer].covered, {
        coordsToLatLng: geoCoords, interactive: false,
        style: {stroke: false, fillColor: P.coveredColour, fillOpacity: 0.35}
      });
    },
    uncovered: function (o) {
      // The area's outline with every covered ring as a hole: the covered polygons lie
      // inside the outline and share its edges, so the even-odd fill is exactly the
      // uncovered part, without a second copy of the geometry in the page.
      var all = rings(P.outline).concat(rings(P.layers[o.layer].covered));
      var latlngs = all.map(function (ring) { return ring.map(geoCoords); });
      return L.polygon(latlngs, {fillRule: "evenodd", interactive: false,
        color: P.uncoveredColour, weight: 0.6, fillColor: P.uncoveredColour, fillOpacity: 0.3});
    },
    labels: function () {
      var group = L.layerGroup();
      group.sfLabels = true;
      var larger = P.outlines.features.slice().sort(function (a, b) {
        return b.properties.area - a.properties.area;
      });
      larger.forEach(function (f) {  // the larger first: they keep their label in a clash
        if (!f.properties.at) { return; }
        var text = document.createElement("span");
        text.textContent = f.properties.name;
        group.addLayer(L.marker(toLatLng(f.properties.at[0], f.properties.at[1]), {
          icon: L.divIcon({className: "sf-label", html: text, iconSize: null}),
          interactive: false, keyboard: false
        }));
      });
      return group;
    },
    stations: function (o) {
      var group = L.markerClusterGroup({chunkedLoading: true, disableClusteringAtZoom: 16,
        showCoverageOnHover: false});
      var mask = o.mask, markers = [];
      for (var i = 0; i < P.stations.length; i++) {
        var row = P.stations[i];
        if ((row[S.mask] & mask) !== mask) { continue; }
        var m = L.circleMarker(toLatLng(row[S.lon], row[S.lat]),
          {radius: 5, weight: 1, color: "#08306b", fillColor: "#2171b5", fillOpacity: 0.9});
        m.bindPopup(popup.bind(null, row));
        markers.push(m);
      }
      group.addLayers(markers);
      return group;
    },
    heat: function () {
      var pts = [];
      for (var i = 0; i < P.demand.length; i++) {
        var ll = toLatLng(P.demand[i][0], P.demand[i][1]);
        pts.push([ll.lat, ll.lng, P.demand[i][2]]);
      }
      return L.heatLayer(pts, {radius: 14, blur: 18, max: P.demandMax});
    },
    // A site plan's map (maps/sites_map.py): the area and the demand points the sites
    // newly cover, and the sites numbered in the order to build.
    newly: function () {
      return L.geoJSON(P.newly, {coordsToLatLng: geoCoords, interactive: false,
        style: {color: P.newlyColour, weight: 1, fillColor: P.newlyColour, fillOpacity: 0.5}});
    },
    newdemand: function () {
      var group = L.layerGroup();
      P.newDemand.forEach(function (d) {
        group.addLayer(L.circleMarker(toLatLng(d[0], d[1]), {radius: 3, weight: 1,
          color: P.newlyColour, fillColor: P.newlyColour, fillOpacity: 0.9, interactive: false}));
      });
      return group;
    },
    sites: function () {
      var W = P.siteWords, group = L.layerGroup();
      P.sites.forEach(function (s) {  // [lon, lat, rank, name, gain, share, district]
        var badge = document.createElement("span");
        badge.textContent = String(s[2]);
        var m = L.marker(toLatLng(s[0], s[1]), {
          icon: L.divIcon({className: "sf-site", html: badge, iconSize: null}),
          title: s[3], zIndexOffset: 1000 - s[2]
        });
        m.bindPopup(function () {
          return "<div class=\"sf-popup\"><b class=\"sf-name\">" + esc(s[3]) + "</b><br>"
            + esc(W.site_popup.replace("{rank}", String(s[2]))) + "<table>"
            + "<tr><th>" + esc(W.gain) + "</th><td>" + esc(s[4] + " (" + s[5] + ")")
            + "</td></tr><tr><th>" + esc(W.district) + "</th><td>" + esc(s[6])
            + "</td></tr></table></div>";
        });
        group.addLayer(m);
      });
      return group;
    }
  };

  // Each overlay is a stable container; its content is built when it is first shown
  // and rebuilt when the datum changes. Which are shown: coverage_ui.js.
  var containers = [];
  P.overlays.forEach(function (o) {
    var box = L.layerGroup();
    box.sfBuilt = null;  // datum of the content built, or null
    box.sfName = o.name;
    box.on("add", function () {
      if (box.sfBuilt !== gcj02) {
        box.clearLayers();
        box.addLayer(builders[o.kind](o));
        box.sfBuilt = gcj02;
      }
    });
    containers.push(box);
  });
  function setDatum(wanted) {
    if (wanted === gcj02) { return; }
    gcj02 = wanted;
    containers.forEach(function (box) {
      box.sfBuilt = null;
      if (map.hasLayer(box)) { box.fire("add"); }
    });
    var note = document.getElementById(P.datumNoteId);
    if (note) { note.textContent = gcj02 ? P.labels.datumGcj02 : P.labels.datumWgs84; }
  }
  map.sfUi = sfCoverageUi(map, P, {containers: containers, setDatum: setDatum});
  map.sfBounds = P.bounds;  // the study area, as fitted
  map.sfOverlays = containers;  // in P.overlays' order, each with its sfName
  window.sfMap = map;  // for tests and for planners' own scripts
  return map;
}
