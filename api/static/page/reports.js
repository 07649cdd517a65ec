/* Couriers' reports on the page (issue 16; docs/page.md, "Reports on the page"): the lines
 * a card shows (each active report, when the station was last seen working, what this
 * rider just sent) and the report sheet, a modal <dialog> (a bottom sheet on a phone)
 * that POSTs /v1/stations/{id}/reports.
 *
 * Labels, notes and station names come from the server and may be anything a courier
 * typed: they are only ever put in with textContent (el(), append() of strings). The
 * sheet's buttons come from the report kinds the HTML carries (sf-report-kinds), so
 * opening it asks the server nothing; sending is one request, whose answer updates the
 * card. Relative times are the device's clock against the server's `last_at`. */
import { lang, t } from "./i18n.js";
import { ago, verifiedAt } from "./format.js";
import { el } from "./cards.js";

const KINDS = JSON.parse(document.getElementById("sf-report-kinds").textContent);
const MAX_NOTE = 200; // the API's limit (geo/reports/model.py); maxlength in the HTML too
const REFRESH_MS = 30000; // "20 分钟前" moves on while the page stays open

// page.js's side: stations(), station(id), position() (the phone's own fix, WGS84, or
// null), sent() (say so in the status line).
let page = null;
// The open sheet: which station, the kind chosen, an error (kept as what it means, so a
// language switch says it again), a request in flight, no resend before `until` (429).
const sheet = { station: null, kind: null, error: null, busy: false, until: 0 };

function $(id) { return document.getElementById(id); }

function labelOf(item) { return lang() === "zh" ? item.label_zh : item.label_en; }

// -- on a card ---------------------------------------------------------------------------

// "20 分钟前 2 位骑手反馈：停车位已满" per active report, "最近确认：今天 12:10", and what this
// rider sent from this page ("您刚才反馈：… · 说明：…"). Empty when there is nothing.
export function block(st) {
  const box = el("div", "sf-live");
  const now = Date.now();
  (st.reports || []).forEach(function (r) {
    const line = el("p", "sf-line sf-report");
    line.dataset.kind = r.kind;
    line.append(t("reported")(ago(r.last_at, now), r.count), el("span", "sf-kind", labelOf(r)));
    box.appendChild(line);
  });
  if (st.last_verified_at) {
    box.appendChild(el("p", "sf-line sf-verified", t("verified") + verifiedAt(st.last_verified_at, now)));
  }
  if (st.sent) {
    const mine = el("p", "sf-line sf-sent");
    mine.append(t("you_reported"), el("span", "sf-kind", labelOf(st.sent)));
    if (st.sent.note) mine.append(" · " + t("note"), el("span", "sf-note-text", st.sent.note));
    box.appendChild(mine);
  }
  return box;
}

// The card's "反馈" button; its accessible name says which station.
export function button(st) {
  const b = el("button", "sf-report-open", t("report"));
  b.type = "button";
  b.dataset.id = st.id;
  b.setAttribute("aria-haspopup", "dialog");
  b.setAttribute("aria-label", t("report_for")(st.name));
  b.addEventListener("click", function () { openSheet(st.id); });
  return b;
}

function cardOf(id) {
  return document.querySelector('.sf-card[data-id="' + CSS.escape(String(id)) + '"]');
}

function refreshCard(id) {
  const li = cardOf(id), st = page.station(id);
  const old = li && li.querySelector(".sf-live");
  if (old && st) old.replaceWith(block(st));
}

// Relative times move on: every card's lines again, from the stations as last answered.
function refreshAll() {
  page.stations().forEach(function (st) { refreshCard(st.id); });
}

// -- the sheet ---------------------------------------------------------------------------

function renderKinds() {
  const box = $("sf-kinds");
  box.textContent = "";
  KINDS.forEach(function (k) {
    const b = el("button", "sf-kind-btn" + (k.code === "all_good" ? " sf-good" : ""), k[lang()]);
    b.type = "button";
    b.dataset.kind = k.code;
    b.setAttribute("aria-pressed", String(sheet.kind === k.code));
    b.addEventListener("click", function () { choose(k.code); });
    box.appendChild(b);
  });
}

function choose(code) {
  sheet.kind = code;
  $("sf-kinds").querySelectorAll("button").forEach(function (b) {
    b.setAttribute("aria-pressed", String(b.dataset.kind === code));
  });
  if (sheet.error && sheet.error.key === "report_choose") setError(null);
}

function setError(error) {
  sheet.error = error;
  renderError();
}

function renderError() {
  const out = $("sf-sheet-error"), e = sheet.error;
  let text = "";
  if (e && e.key) text = (e.failed ? t("report_failed") : "") + t(e.key);
  else if (e && e.error) {
    const api = e.error; // the API's own words: {code, message, message_zh}
    text = t("report_failed") + ((lang() === "zh" ? api.message_zh : api.message) || api.message || api.code);
  }
  out.textContent = text;
  out.dataset.code = e && e.error ? e.error.code : "";
}

function renderCount() {
  $("sf-note-count").textContent = $("sf-note").value.length + "/" + MAX_NOTE;
}

function renderBusy() {
  $("sf-sheet-send").textContent = t(sheet.busy ? "sending" : "send");
  $("sf-sheet-form").setAttribute("aria-busy", String(sheet.busy));
}

// The sheet's words in the language in use (page.js calls this on a switch).
export function translateSheet() {
  if (sheet.station === null) return;
  const st = page.station(sheet.station);
  $("sf-sheet-station").textContent = st ? st.name : "";
  $("sf-kinds").querySelectorAll("button").forEach(function (b) {
    const k = KINDS.find(function (x) { return x.code === b.dataset.kind; });
    b.textContent = k[lang()];
  });
  $("sf-sheet-where").textContent = t(page.position() ? "report_with_pos" : "report_no_pos");
  renderError();
  renderBusy();
}

function openSheet(id) {
  Object.assign(sheet, { station: id, kind: null, error: null, busy: false });
  $("sf-note").value = "";
  renderKinds();
  renderCount();
  translateSheet();
  $("sf-sheet").showModal();
  $("sf-kinds").querySelector("button").focus();
}

function closed() {
  // The close event comes a moment after the sheet closed: if it was opened again
  // meanwhile (Escape, then Enter on the same button), this event is the old one's.
  if ($("sf-sheet").open) return;
  // Focus back where the rider was: the card's report button (the card may have been
  // drawn again meanwhile, so it is looked up, not remembered).
  const li = sheet.station === null ? null : cardOf(sheet.station);
  sheet.station = null;
  const back = li && li.querySelector(".sf-report-open");
  if (back) back.focus();
}

function answered(id, body) {
  const st = page.station(id);
  if (st) {
    st.reports = body.station.reports;
    st.last_verified_at = body.station.last_verified_at;
    const r = body.report;
    st.sent = { kind: r.kind, label_zh: r.label_zh, label_en: r.label_en, note: r.note };
  }
  refreshCard(id);
  if (sheet.station === id) $("sf-sheet").close(); // not a sheet opened since for another
  page.sent();
}

function send(event) {
  event.preventDefault();
  if (sheet.busy) return;
  if (!sheet.kind) { setError({ key: "report_choose" }); return; }
  if (Date.now() < sheet.until) { renderError(); return; } // still told to wait (429)
  const body = { kind: sheet.kind };
  const note = $("sf-note").value.trim();
  if (note) body.note = note;
  const me = page.position(); // the phone's own fix only: a tapped point is not where the rider is
  if (me) Object.assign(body, { lon: me.lon, lat: me.lat, crs: "wgs84" });
  const id = sheet.station;
  sheet.busy = true;
  setError(null);
  renderBusy();
  fetch("/v1/stations/" + encodeURIComponent(id) + "/reports", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body)
  }).then(function (r) {
    return r.json().catch(function () { return null; }).then(function (answer) {
      if (r.status === 201 && answer) { answered(id, answer); return; }
      if (r.status === 429) sheet.until = Date.now() + 1000 * (parseInt(r.headers.get("Retry-After"), 10) || 0);
      if (sheet.station === id) {
        setError(answer && answer.error ? { error: answer.error } : { key: "server_error", failed: true });
      }
    });
  }).catch(function () {
    if (sheet.station === id) setError({ key: "offline", failed: true });
  }).finally(function () {
    sheet.busy = false;
    if (sheet.station !== null) renderBusy();
  });
}

// `hooks`: page.js's side (above).
export function initReports(hooks) {
  page = hooks;
  const dialog = $("sf-sheet");
  $("sf-sheet-form").addEventListener("submit", send);
  $("sf-sheet-cancel").addEventListener("click", function () { dialog.close(); });
  $("sf-note").addEventListener("input", renderCount);
  dialog.addEventListener("close", closed); // Escape, cancel, sent
  dialog.addEventListener("click", function (e) { if (e.target === dialog) dialog.close(); }); // the backdrop
  setInterval(refreshAll, REFRESH_MS);
}
