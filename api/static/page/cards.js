/* One station card. Station text (name, address, phone, hours, place) is set only with
 * textContent: a station may be named "<img src=x onerror=alert(1)>". Links are built
 * from numbers the server converted (GCJ-02 for Amap, BD-09 for Baidu) and from
 * dialable() digits; see docs/page.md. */
import { t } from "./i18n.js";
import { dialable, hoursPhrase, metres, times } from "./format.js";

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function icon(code) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "sf-icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", "#i-" + code);
  svg.appendChild(use);
  return svg;
}

function amapLink(st) {
  const to = st.gcj02[0] + "," + st.gcj02[1] + "," + encodeURIComponent(st.name);
  return "https://uri.amap.com/navigation?to=" + to +
    "&mode=ride&policy=1&coordinate=gaode&callnative=1&src=stationfinder";
}

function baiduLink(st, origin) {
  // Baidu writes "latlng:lat,lng" (latitude first) and needs an origin.
  const q = "origin=" + encodeURIComponent("latlng:" + origin.bd09[1] + "," + origin.bd09[0] + "|name:" + t("me")) +
    "&destination=" + encodeURIComponent("latlng:" + st.bd09[1] + "," + st.bd09[0] + "|name:" + st.name) +
    "&mode=riding&coord_type=bd09ll&output=html&src=stationfinder";
  return "https://api.map.baidu.com/direction?" + q;
}

function hoursLine(st, at) {
  const line = el("p", "sf-line sf-hours");
  const phrase = hoursPhrase(st.hours_state, at);
  if (phrase) line.appendChild(el("span", "sf-state sf-h-" + phrase[1], phrase[0]));
  // The hours as recorded, moved whole to the next line rather than broken when they can be.
  const raw = st.hours ? t("hours") + " " + st.hours : t("hours_unknown");
  if (phrase) line.appendChild(document.createTextNode(" "));
  line.appendChild(el("span", "sf-raw", phrase ? "· " + raw : raw));
  return line;
}

function navigation(st, origin, live) {
  const nav = el("div", "sf-nav");
  const amap = el("a", "sf-amap", t("amap"));
  amap.href = amapLink(st);
  const baidu = el("a", "sf-baidu", t("baidu"));
  baidu.href = baiduLink(st, origin);
  [amap, baidu].forEach(function (a) { a.target = "_blank"; a.rel = "noopener noreferrer"; nav.appendChild(a); });
  if (live) nav.appendChild(live.button(st));
  const number = dialable(st.phone);
  if (number) {
    const call = el("a", "sf-call");
    call.append(el("span", null, t("call")), " ", el("span", "sf-number", number));
    call.href = "tel:" + number; // digits, "+" and "-" only (dialable)
    nav.appendChild(call);
  }
  return nav;
}

// `answer`: the page data (route or not); `wanted`: the ticked amenity codes;
// `label(code)`: an amenity's name in the language in use; `live` (reports.js): the
// couriers' reports under the hours (`live.block(st)`) and the report button
// (`live.button(st)`).
export function card(st, i, answer, wanted, label, live) {
  const li = el("li", "sf-card");
  li.dataset.id = st.id;
  const h = el("h3");
  h.appendChild(el("span", "sf-num", i + 1));
  h.appendChild(el("span", "sf-name", st.name));
  li.appendChild(h);
  const d = answer.route ? st.distance_from_route_m : st.distance_m;
  const where = answer.route ? t("off_route")(metres(d)) : metres(d);
  li.appendChild(el("p", "sf-dist", where + " · " + times(d)));
  if (answer.route) {
    const along = metres(st.distance_along_route_m);
    li.appendChild(el("p", "sf-line sf-along", answer.ahead ? t("ahead")(along) : t("along")(along)));
  }
  li.appendChild(hoursLine(st, answer.hours_at));
  if (st.hours_state && st.hours_state.open === false) li.classList.add("sf-closed");
  if (live) li.appendChild(live.block(st));
  const counts = [["car", st.car_parking_spaces], ["moto", st.motorcycle_parking_spaces], ["ev", st.ev_charging_piles]]
    .filter(function (c) { return c[1] !== null && c[1] !== undefined; })
    .map(function (c) { return t(c[0]) + " " + c[1]; });
  if (counts.length) li.appendChild(el("p", "sf-line sf-counts", counts.join(" · ")));
  const chips = el("ul", "sf-chips");
  st.amenities.forEach(function (code) {
    const chip = el("li", wanted.has(code) ? "sf-wanted" : null);
    chip.dataset.code = code;
    chip.appendChild(icon(code));
    chip.appendChild(el("span", null, label(code)));
    chips.appendChild(chip);
  });
  li.appendChild(chips);
  if (st.address) li.appendChild(el("p", "sf-line sf-address", t("address") + " " + st.address));
  // The phone as recorded, when the call button does not say all of it ("转 8", a second
  // number) or there is nothing to dial: text, never a link.
  const number = dialable(st.phone);
  if (st.phone && st.phone.normalize("NFKC").replace(/\s+/g, "") !== number) {
    li.appendChild(el("p", "sf-line sf-phone", t("phone") + " " + st.phone));
  }
  li.appendChild(navigation(st, answer.origin, live));
  return li;
}
