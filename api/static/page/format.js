/* What a card says, as plain strings: distances, times, a far station's place, the number
 * a call button dials, and the opening-hours phrase. No DOM here (cards.js puts these
 * strings in with textContent). Horizons and speeds: docs/page.md, "Time estimates". */
import { t } from "./i18n.js";

// Straight-line distance times a detour factor, at these speeds (stated on the page).
export const DETOUR = 1.3;
export const WALK_M_S = 1.2;
export const RIDE_M_S = 4.2;
// Beyond these a time is no help to a rider: the distance and the place are shown.
export const WALK_MAX_MIN = 60;
export const RIDE_MAX_MIN = 120;
// "Closes in 25 min" within this many minutes of closing, "Open until 20:00" before.
export const CLOSING_SOON_MIN = 60;

export function metres(d) {
  if (d < 1000) return Math.round(d) + " " + t("m");
  return (d / 1000).toFixed(d < 10000 ? 1 : 0) + " " + t("km");
}

export function minutes(d, speed) { return Math.max(1, Math.round(d * DETOUR / speed / 60)); }

export function tooFarToRide(d) { return minutes(d, RIDE_M_S) > RIDE_MAX_MIN; }

// Walking and riding times, each only while it is of use (an hour's walk, two hours' ride).
export function times(d) {
  const walk = minutes(d, WALK_M_S), ride = minutes(d, RIDE_M_S), parts = [];
  if (walk <= WALK_MAX_MIN) parts.push(t("walk") + " " + walk + " " + t("min"));
  if (ride <= RIDE_MAX_MIN) parts.push(t("ride") + " " + ride + " " + t("min"));
  return parts.length ? parts.join(" · ") : t("too_far");
}

// Where a far station is: its province, city and district (as stored, shown as text).
export function place(st) {
  return [st.province, st.city, st.district].filter(function (x, i, all) {
    return x && all.indexOf(x) === i;
  }).join("");
}

// The number a call button dials, from a phone as an administrator typed it
// ("010-6505 1234 转 8", "（0371）12345678、13912345678"): full-width forms folded,
// brackets read as spaces, then the first run of digits, "+", "-" and spaces, taken up
// to the end of one whole number (11 digits, or 15 at most), spaces removed. None when
// that has fewer than 3 digits: "javascript:alert(1)" or "<img ...>" dial nothing and
// get no link. What it returns holds only digits, "+" and "-".
export function dialable(phone) {
  if (typeof phone !== "string") return null;
  const run = phone.normalize("NFKC").replace(/[()]/g, " ").match(/\+?[0-9][0-9\- ]*[0-9]/);
  if (!run) return null;
  let number = "", digits = 0;
  for (const token of run[0].split(/ +/)) {
    const more = (token.match(/[0-9]/g) || []).length;
    if (digits && (digits >= 11 || digits + more > 15)) break;
    number += token;
    digits += more;
  }
  return digits >= 3 ? number : null;
}

// -- opening hours: the server's hours_state (docs/page.md), said as a rider reads it --

// "2026-11-24T08:00:00+08:00" -> day number (for weekday and day differences) and "08:00".
// The server writes Beijing time; the phone's own time zone plays no part.
function parts(iso) {
  const y = +iso.slice(0, 4), m = +iso.slice(5, 7), d = +iso.slice(8, 10);
  return { day: Date.UTC(y, m - 1, d) / 86400000, time: iso.slice(11, 16) };
}

// "" today, "明天"/"tomorrow", else the weekday. A closing at midnight is the end of the
// day before ("营业至 24:00", not "营业至明天 00:00").
function when(iso, from, closing) {
  const p = parts(iso);
  let day = p.day, time = p.time;
  if (closing && time === "00:00") { day -= 1; time = "24:00"; }
  const days = day - parts(from).day;
  if (days === 0) return { day: "", time: time };
  if (days === 1) return { day: t("tomorrow"), time: time };
  return { day: t("days")[(day + 4) % 7], time: time }; // day 0 (1970-01-01) was a Thursday
}

// One station's hours at the answer's minute `at`: [phrase, kind] with kind "open",
// "soon", "closed" or "unknown"; null when the station has no recorded hours.
export function hoursPhrase(state, at) {
  if (!state) return null;
  if (state.open === null) return [t("hours_unsure"), "unknown"];
  if (state.always_open || (state.open && !state.closes_at)) return [t("always_open"), "open"];
  if (state.open) {
    const left = Math.round((Date.parse(state.closes_at) - Date.parse(at)) / 60000);
    if (left <= CLOSING_SOON_MIN) return [t("closes_in")(left), "soon"];
    const end = when(state.closes_at, at, true);
    return [t("open_until")(end.time, end.day), "open"];
  }
  if (!state.opens_at) return [t("closed_week"), "closed"];
  const start = when(state.opens_at, at, false);
  return [t("closed_opens")(start.day || t("today"), start.time), "closed"];
}

// -- couriers' reports: how long ago, and when a station was last seen working --------

const MINUTE_MS = 60000, DAY_MS = 86400000;
const BEIJING_MS = 8 * 3600000; // China Standard Time, UTC+8 all year (no summer time)

// "20 分钟前" / "20 min ago" from an ISO time the server wrote ("2026-11-23T04:10:00Z")
// and the device's clock (`now`, ms): "刚刚" within a minute, and when the device's clock
// is behind the server's (a report "from the future" is one just made).
export function ago(iso, now) {
  const min = Math.floor((now - Date.parse(iso)) / MINUTE_MS);
  if (min < 1) return t("just_now");
  if (min < 60) return t("ago")(min, "min");
  if (min < 24 * 60) return t("ago")(Math.floor(min / 60), "h");
  return t("ago")(Math.floor(min / (24 * 60)), "d");
}

// "今天 12:10" / "today 12:10", "昨天 …" / "yesterday …", else a date ("11月21日 12:10" /
// "21 Nov 12:10", with the year when not this year): the Beijing wall clock, whatever
// the phone's own time zone; "today" is the device's today in Beijing.
export function verifiedAt(iso, now) {
  const at = new Date(Date.parse(iso) + BEIJING_MS), today = new Date(now + BEIJING_MS);
  const days = Math.floor(today.getTime() / DAY_MS) - Math.floor(at.getTime() / DAY_MS);
  const time = String(at.getUTCHours()).padStart(2, "0") + ":" + String(at.getUTCMinutes()).padStart(2, "0");
  if (days === 0) return t("today") + " " + time;
  if (days === 1) return t("yesterday") + " " + time;
  const y = at.getUTCFullYear();
  return t("date")(y, at.getUTCMonth() + 1, at.getUTCDate(), y === today.getUTCFullYear()) + " " + time;
}
