/* stationfinder page: vanilla JS, no framework, no third-party request unless the
 * OpenStreetMap basemap is switched on. Station text is only ever set with
 * textContent: a station may be named "<img src=x onerror=alert(1)>".
 * Coordinates on the map are WGS84; the server converts them for the navigation
 * links (GCJ-02 for Amap, BD-09 for Baidu), see docs/page.md. */
(function () {
  "use strict";

  // Straight-line distance times a detour factor, at these speeds (stated on the page).
  var DETOUR = 1.3;
  var WALK_M_S = 1.2;
  var RIDE_M_S = 4.2;
  // Beyond these a time is no help to a rider: the distance and the place are shown.
  var WALK_MAX_MIN = 60;
  var RIDE_MAX_MIN = 120;
  var MAIN = ["drinking_water", "microwave", "toilet", "phone_charging", "ebike_charging",
    "battery_swap", "car_parking", "motorcycle_parking", "ev_charging"];

  var TEXT = {
    zh: {
      title: "驿站查找", subtitle: "附近开放中的暖心驿站、工会驿站", where: "我的位置",
      locate: "使用我的位置", typed: "输入坐标，或在地图上点选位置", lon: "经度", lat: "纬度",
      datum: "坐标系", datum_wgs84: "WGS84（GPS）", datum_gcj02: "GCJ-02（高德、腾讯）",
      datum_bd09: "BD-09（百度）", search: "查找", needs: "我需要", more: "更多服务",
      on_route: "顺路找站：只看路线两侧", within: "以内", map: "地图",
      results: "附近开放中的驿站", results_route: "路线沿途开放中的驿站",
      assumptions: "时间按直线距离乘以绕行系数 1.3 估算：步行 1.2 米/秒（约 4.3 公里/小时），电动车 4.2 米/秒（约 15 公里/小时）。导航链接使用各地图自己的坐标系：高德 GCJ-02，百度 BD-09。",
      basemap: "显示 OpenStreetMap 底图（会连接外部网站）",
      locating: "正在获取位置…", loading: "正在查找…", located: "已定位",
      picked: "已选择地图上的位置", typed_pos: "已使用输入的坐标",
      geo_denied: "无法获取位置（未授权或不可用）。请在地图上点选，或输入坐标。",
      geo_missing: "此浏览器不支持定位。请在地图上点选，或输入坐标。",
      need_position: "请先确定位置：点“使用我的位置”，或在地图上点选。",
      failed: "查询失败：", offline: "网络不可用，请稍后重试。",
      none: "没有找到符合条件的开放驿站。可以少选几项服务再试。",
      none_route: "路线两侧没有找到符合条件的开放驿站。可以放宽范围或少选几项服务。",
      found: function (n) { return "找到 " + n + " 个驿站，由近到远"; },
      found_route: function (n) { return "沿途找到 " + n + " 个驿站，按经过的先后排列"; },
      walk: "步行", ride: "骑行", min: "分钟", m: "米", km: "公里",
      along: function (d) { return "沿路线 " + d + " 处"; },
      ahead: function (d) { return "前方 " + d; },
      rider_off_route: function (d) { return "您离路线 " + d + "，以下按路线起点排列"; },
      off_route: function (d) { return "离路线 " + d; },
      far: function (d, where) { return "附近没有符合条件的驿站：最近的在 " + d + " 外" + (where ? "（" + where + "）" : ""); },
      too_far: "距离太远", call: "打电话",
      hours: "开放时间", open_now: "营业中", hours_unknown: "开放时间未登记",
      car: "停车位", moto: "摩托车位", ev: "充电桩", address: "地址",
      amap: "高德导航", baidu: "百度导航", me: "我的位置", lang: "English", lang_code: "en"
    },
    en: {
      title: "Rest station finder", subtitle: "Open rest stations for outdoor workers near you",
      where: "My position", locate: "Use my location", typed: "Type coordinates, or tap the map",
      lon: "Longitude", lat: "Latitude", datum: "Datum", datum_wgs84: "WGS84 (GPS)",
      datum_gcj02: "GCJ-02 (Amap, Tencent)", datum_bd09: "BD-09 (Baidu)", search: "Search",
      needs: "I need", more: "More services", on_route: "On my way: only stations within",
      within: "of the route", map: "Map", results: "Open stations near you",
      results_route: "Open stations along your route",
      assumptions: "Times are straight-line distance × a detour factor of 1.3: walking at 1.2 m/s (4.3 km/h), e-bike at 4.2 m/s (15 km/h). Navigation links use each map's own datum: GCJ-02 for Amap, BD-09 for Baidu.",
      basemap: "Show the OpenStreetMap basemap (connects to an outside site)",
      locating: "Finding your position…", loading: "Searching…", located: "Position found",
      picked: "Using the point you tapped", typed_pos: "Using the coordinates you typed",
      geo_denied: "Could not get your position (not allowed or unavailable). Tap the map or type coordinates.",
      geo_missing: "This browser cannot locate you. Tap the map or type coordinates.",
      need_position: "Set your position first: “Use my location”, or tap the map.",
      failed: "Search failed: ", offline: "No network; please try again.",
      none: "No open station has everything you ticked. Try fewer services.",
      none_route: "No open station along the route has everything you ticked. Widen the corridor or tick fewer services.",
      found: function (n) { return n + (n === 1 ? " station" : " stations") + ", nearest first"; },
      found_route: function (n) { return n + (n === 1 ? " station" : " stations") + " along the route, in the order you pass them"; },
      walk: "walk", ride: "ride", min: "min", m: "m", km: "km",
      along: function (d) { return d + " along the route"; },
      ahead: function (d) { return d + " ahead"; },
      rider_off_route: function (d) { return "You are " + d + " from the route: stations are listed from its start"; },
      off_route: function (d) { return d + " off the route"; },
      far: function (d, where) { return "Nothing near: the nearest is " + d + " away" + (where ? " (" + where + ")" : ""); },
      too_far: "too far away", call: "Call",
      hours: "Hours", open_now: "Open now", hours_unknown: "Hours not recorded",
      car: "Car spaces", moto: "Motorcycle spaces", ev: "EV piles", address: "Address",
      amap: "Amap", baidu: "Baidu Maps", me: "My position", lang: "中文", lang_code: "zh"
    }
  };

  var VOCAB = JSON.parse(document.getElementById("sf-amenities").textContent);
  var params = new URLSearchParams(location.search);
  var state = {
    lang: params.get("lang") === "en" ? "en" : "zh",
    position: null, // {lon, lat, crs, how}
    wanted: new Set((params.get("amenities") || "").split(",").filter(function (c) {
      return VOCAB.some(function (a) { return a.code === c; });
    })),
    route: params.get("route"),
    routeFormat: params.get("route_format") || "lonlat",
    routeCrs: params.get("crs"),
    answer: null,
    request: 0
  };
  var map, layer, osm;

  function $(id) { return document.getElementById(id); }
  function t(key) { return TEXT[state.lang][key]; }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function icon(code) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "sf-icon");
    svg.setAttribute("aria-hidden", "true");
    var use = document.createElementNS("http://www.w3.org/2000/svg", "use");
    use.setAttribute("href", "#i-" + code);
    svg.appendChild(use);
    return svg;
  }
  function label(code) {
    for (var i = 0; i < VOCAB.length; i++) if (VOCAB[i].code === code) return VOCAB[i][state.lang];
    return code;
  }
  function metres(d) {
    if (d < 1000) return Math.round(d) + " " + t("m");
    return (d / 1000).toFixed(d < 10000 ? 1 : 0) + " " + t("km");
  }
  function minutes(d, speed) { return Math.max(1, Math.round(d * DETOUR / speed / 60)); }
  // Walking and riding times, each only while it is of use (an hour's walk, two hours' ride).
  function times(d) {
    var walk = minutes(d, WALK_M_S), ride = minutes(d, RIDE_M_S), parts = [];
    if (walk <= WALK_MAX_MIN) parts.push(t("walk") + " " + walk + " " + t("min"));
    if (ride <= RIDE_MAX_MIN) parts.push(t("ride") + " " + ride + " " + t("min"));
    return parts.length ? parts.join(" · ") : t("too_far");
  }
  // Where a far station is: its city and district (names as stored, shown as text).
  function place(st) {
    return [st.province, st.city, st.district].filter(function (x, i, all) {
      return x && all.indexOf(x) === i;
    }).join("");
  }
  // A tel: link from a stored phone: digits, "+", "-" and spaces only, else none.
  function telLink(phone) {
    if (!phone || !/^[0-9+\- ]{3,30}$/.test(phone) || !/[0-9]{3}/.test(phone)) return null;
    return "tel:" + phone.replace(/ /g, "");
  }
  function status(text, error) {
    var s = $("sf-status");
    s.textContent = text || "";
    s.classList.toggle("sf-error", !!error);
  }

  // -- navigation links: coordinates in the datum each app expects ------------------
  function amapLink(st) {
    var to = st.gcj02[0] + "," + st.gcj02[1] + "," + encodeURIComponent(st.name);
    return "https://uri.amap.com/navigation?to=" + to +
      "&mode=ride&policy=1&coordinate=gaode&callnative=1&src=stationfinder";
  }
  function baiduLink(st, origin) {
    // Baidu writes "latlng:lat,lng" (latitude first) and needs an origin.
    var q = "origin=" + encodeURIComponent("latlng:" + origin.bd09[1] + "," + origin.bd09[0] + "|name:" + t("me")) +
      "&destination=" + encodeURIComponent("latlng:" + st.bd09[1] + "," + st.bd09[0] + "|name:" + st.name) +
      "&mode=riding&coord_type=bd09ll&output=html&src=stationfinder";
    return "https://api.map.baidu.com/direction?" + q;
  }

  // -- rendering --------------------------------------------------------------------
  function renderAmenityToggles() {
    var main = $("sf-main-amenities"), more = $("sf-more-amenities");
    main.textContent = "";
    more.textContent = "";
    VOCAB.forEach(function (a) {
      var box = el("label", "sf-toggle");
      var input = el("input");
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
      box.appendChild(el("span", null, a[state.lang]));
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
    var zh = state.lang === "zh";
    var chosen = VOCAB.filter(function (a) { return state.wanted.has(a.code); })
      .map(function (a) { return a[state.lang]; });
    $("sf-needs-chosen").textContent = chosen.length ? (zh ? "：" : ": ") + chosen.join(zh ? "、" : ", ") : "";
  }

  function translate() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    $("sf-map").setAttribute("aria-label", t("map"));
    var btn = $("sf-lang");
    btn.textContent = t("lang");
    btn.lang = t("lang_code");
    renderAmenityToggles();
    renderList();
  }

  function onRoute() { return !!state.route && $("sf-on-route").checked; }

  function renderList() {
    var list = $("sf-list");
    list.textContent = "";
    $("sf-results-h").textContent = t(onRoute() ? "results_route" : "results");
    var answer = state.answer;
    if (!answer) { $("sf-summary").textContent = ""; return; }
    var n = answer.stations.length;
    var summary = n ? t(answer.route ? "found_route" : "found")(n) : t(answer.route ? "none_route" : "none");
    if (answer.route && answer.off_route_m) summary = t("rider_off_route")(metres(answer.off_route_m)) + "。 " + summary;
    if (!answer.route && n && minutes(answer.stations[0].distance_m, RIDE_M_S) > RIDE_MAX_MIN) {
      summary = t("far")(metres(answer.stations[0].distance_m), place(answer.stations[0]));
    }
    $("sf-summary").textContent = summary;
    answer.stations.forEach(function (st, i) {
      var li = el("li", "sf-card");
      li.dataset.id = st.id;
      var h = el("h3");
      h.appendChild(el("span", "sf-num", i + 1));
      h.appendChild(el("span", "sf-name", st.name));
      li.appendChild(h);
      var d = answer.route ? st.distance_from_route_m : st.distance_m;
      var line = answer.route ? t("off_route")(metres(d)) : metres(d);
      li.appendChild(el("p", "sf-dist", line + " · " + times(d)));
      if (answer.route) {
        var along = metres(st.distance_along_route_m);
        li.appendChild(el("p", "sf-line sf-along", answer.ahead ? t("ahead")(along) : t("along")(along)));
      }
      var hours = el("p", "sf-line sf-hours");
      hours.appendChild(el("span", "sf-open", t("open_now")));
      hours.appendChild(document.createTextNode(" · " + (st.hours ? t("hours") + " " + st.hours : t("hours_unknown"))));
      li.appendChild(hours);
      var counts = [["car", st.car_parking_spaces], ["moto", st.motorcycle_parking_spaces], ["ev", st.ev_charging_piles]]
        .filter(function (c) { return c[1] !== null && c[1] !== undefined; })
        .map(function (c) { return t(c[0]) + " " + c[1]; });
      if (counts.length) li.appendChild(el("p", "sf-line sf-counts", counts.join(" · ")));
      var chips = el("ul", "sf-chips");
      st.amenities.forEach(function (code) {
        var chip = el("li", state.wanted.has(code) ? "sf-wanted" : null);
        chip.dataset.code = code;
        chip.appendChild(icon(code));
        chip.appendChild(el("span", null, label(code)));
        chips.appendChild(chip);
      });
      li.appendChild(chips);
      if (st.address) li.appendChild(el("p", "sf-line sf-address", t("address") + " " + st.address));
      var nav = el("div", "sf-nav");
      var amap = el("a", "sf-amap", t("amap"));
      amap.href = amapLink(st);
      var baidu = el("a", "sf-baidu", t("baidu"));
      baidu.href = baiduLink(st, answer.origin);
      [amap, baidu].forEach(function (a) { a.target = "_blank"; a.rel = "noopener noreferrer"; nav.appendChild(a); });
      var tel = telLink(st.phone);
      if (tel) {
        var call = el("a", "sf-call", t("call") + " " + st.phone);
        call.href = tel;
        nav.appendChild(call);
      }
      li.appendChild(nav);
      list.appendChild(li);
    });
  }

  function drawMap() {
    if (!map) return;
    layer.clearLayers();
    var answer = state.answer, points = [];
    if (answer && answer.route) {
      var line = answer.route.map(function (p) { return [p[1], p[0]]; });
      L.polyline(line, { color: "#0b5394", weight: 4, opacity: 0.6 }).addTo(layer);
      points = points.concat(line);
    }
    if (state.position && answer && answer.position) {
      var me = [answer.position.wgs84[1], answer.position.wgs84[0]];
      L.circleMarker(me, { radius: 9, color: "#fff", weight: 3, fillColor: "#d35400", fillOpacity: 1 })
        .bindTooltip(t("me")).addTo(layer);
      points.push(me);
    }
    (answer ? answer.stations : []).forEach(function (st, i) {
      var pin = el("div", "sf-pin", i + 1);
      var marker = L.marker([st.lat, st.lon], {
        icon: L.divIcon({ html: pin, className: "", iconSize: [26, 26] }),
        keyboard: false
      });
      var tip = el("span", null, st.name);
      marker.bindTooltip(tip);
      marker.on("click", function () {
        var card = document.querySelector('.sf-card[data-id="' + st.id + '"]');
        if (card) card.scrollIntoView({ behavior: "smooth", block: "center" });
      });
      marker.addTo(layer);
      points.push([st.lat, st.lon]);
    });
    if (points.length === 1) map.setView(points[0], 16);
    else if (points.length > 1) map.fitBounds(points, { padding: [24, 24], maxZoom: 17 });
  }

  function initMap() {
    if (!window.L) return;
    map = L.map("sf-map", { zoomControl: true, attributionControl: true, center: [35, 105], zoom: 4 });
    map.attributionControl.setPrefix(false);
    L.control.scale({ imperial: false }).addTo(map);
    layer = L.layerGroup().addTo(map);
    map.on("click", function (e) {
      state.position = { lon: e.latlng.lng, lat: e.latlng.lat, crs: "wgs84", how: "picked" };
      status(t("picked"));
      search();
    });
    window.sfPageMap = map;
  }

  // -- searching --------------------------------------------------------------------
  function remember() {
    var p = new URLSearchParams(location.search);
    if (state.wanted.size) p.set("amenities", Array.from(state.wanted).join(","));
    else p.delete("amenities");
    if (state.lang === "en") p.set("lang", "en"); else p.delete("lang");
    var q = p.toString();
    history.replaceState(null, "", location.pathname + (q ? "?" + q : ""));
  }

  function search() {
    var route = onRoute();
    if (!route && !state.position) return;
    var p = new URLSearchParams();
    if (state.position) {
      p.set("lon", state.position.lon);
      p.set("lat", state.position.lat);
      p.set("crs", state.position.crs);
    }
    if (state.wanted.size) p.set("amenities", Array.from(state.wanted).join(","));
    var url;
    if (route) {
      p.set("route", state.route);
      p.set("route_format", state.routeFormat);
      if (state.routeCrs) p.set("route_crs", state.routeCrs);
      p.set("width_m", $("sf-width").value);
      url = "/page/data/along-route?" + p;
    } else {
      url = "/page/data/nearest?" + p;
    }
    var ticket = ++state.request;
    document.body.setAttribute("aria-busy", "true");
    $("sf-summary").textContent = t("loading");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(state.lang === "zh" ? body.error.message_zh : body.error.message);
          return body;
        });
      })
      .then(function (body) {
        if (ticket !== state.request) return; // a newer search was started meanwhile
        state.answer = body;
        renderList();
        drawMap();
      })
      .catch(function (err) {
        if (ticket !== state.request) return;
        state.answer = null;
        renderList();
        status(err instanceof TypeError ? t("offline") : t("failed") + err.message, true);
      })
      .finally(function () {
        if (ticket === state.request) document.body.removeAttribute("aria-busy");
      });
  }

  function locate() {
    if (!navigator.geolocation) { status(t("geo_missing"), true); return; }
    status(t("locating"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      // The W3C Geolocation API reports WGS84.
      state.position = { lon: pos.coords.longitude, lat: pos.coords.latitude, crs: "wgs84", how: "located" };
      status(t("located"));
      search();
    }, function () {
      status(t("geo_denied"), true);
      search();
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function init() {
    initMap();
    translate();
    if (state.route) $("sf-route").hidden = false;
    $("sf-lang").addEventListener("click", function () {
      state.lang = state.lang === "zh" ? "en" : "zh";
      remember();
      translate();
    });
    $("sf-locate").addEventListener("click", locate);
    $("sf-coords").addEventListener("submit", function (e) {
      e.preventDefault();
      var lon = parseFloat($("sf-lon").value), lat = parseFloat($("sf-lat").value);
      if (!isFinite(lon) || !isFinite(lat)) return;
      state.position = { lon: lon, lat: lat, crs: $("sf-crs").value, how: "typed" };
      status(t("typed_pos"));
      search();
    });
    $("sf-on-route").addEventListener("change", search);
    $("sf-width").addEventListener("change", search);
    $("sf-basemap").addEventListener("change", function (e) {
      if (!map) return;
      if (e.target.checked) {
        osm = osm || L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
          maxZoom: 19, attribution: "© OpenStreetMap contributors"
        });
        osm.addTo(map);
      } else if (osm) {
        map.removeLayer(osm);
      }
    });
    if (state.route) search();
    locate();
  }

  window.sfPage = { state: state, search: search };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
