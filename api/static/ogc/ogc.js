/* The small map of the /ogc pages: the stations of the page (WGS84 longitude/latitude,
 * read from the page's JSON block) on a plain grid, as circles with their names. No
 * basemap: the pages work offline, and a street map would need the GCJ-02 shift that
 * the courier page and coverage maps make. */
(function () {
  var box = document.getElementById("sf-map");
  var data = document.getElementById("sf-features");
  if (!box || !data || !window.L) return;
  var points = JSON.parse(data.textContent);
  var map = L.map(box, { attributionControl: false, center: [35, 105], zoom: 3 });
  L.control.scale({ imperial: false }).addTo(map);
  var layer = L.featureGroup().addTo(map);
  points.forEach(function (p) {
    var mark = L.circleMarker([p.lat, p.lon], { radius: 6, color: "#1f5fa8", weight: 2,
                                                fillColor: "#4a90d9", fillOpacity: 0.8 });
    mark.bindTooltip(document.createTextNode(String(p.name || "#" + p.id)));
    mark.addTo(layer);
  });
  if (points.length === 1) map.setView([points[0].lat, points[0].lon], 15);
  else if (points.length > 1) map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 15 });
  box.classList.add("ready");
})();
