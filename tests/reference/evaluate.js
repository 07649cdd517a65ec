// Evaluates OSM opening_hours expressions with the reference implementation (npm
// opening_hours), for tests/reference/opening_hours_js.py, which runs it once per batch.
//
// stdin: one JSON object
//   {"queries": [{"expression": "Mo-Fr 09:00-17:00", "instants_ms": [1767225600000, ...]}, ...],
//    "holiday_years": [2026, ...]}
// stdout: one JSON object
//   {"results": [{"error": null, "states": [true, false, null, ...]}, ...],
//    "holidays": {"2026": [["2026-01-01", "元旦"], ...]}}
// A state is true (open), false (closed) or null (unknown). An expression the package
// refuses gets its message in "error" and no states; the other queries go on.
//
// The package evaluates in the process's local time: run with TZ=Asia/Shanghai (checked).
'use strict';

const OpeningHours = require('opening_hours');

// Where the station is: Beijing, so that PH means the package's holidays of China.
const NOMINATIM = { lat: 39.9, lon: 116.4, address: { country_code: 'cn', state: '北京市' } };

function stateAt(oh, instantMs) {
  const date = new Date(instantMs);
  if (oh.getUnknown(date)) return null;
  return oh.getState(date);
}

function evaluate(query) {
  let oh;
  try {
    oh = new OpeningHours(query.expression, NOMINATIM);
  } catch (err) {
    return { error: String(err), states: [] };
  }
  try {
    return { error: null, states: query.instants_ms.map((ms) => stateAt(oh, ms)) };
  } catch (err) {
    return { error: `evaluation failed: ${String(err)}`, states: [] };
  }
}

function pad(n) {
  return String(n).padStart(2, '0');
}

// The days of `year` on which the rule "PH" holds at noon, with the holiday's name.
function holidays(year) {
  const oh = new OpeningHours('PH', NOMINATIM);
  const days = [];
  for (let day = new Date(year, 0, 1, 12); day.getFullYear() === year; day.setDate(day.getDate() + 1)) {
    if (oh.getState(day)) {
      const iso = `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
      days.push([iso, oh.getComment(day) ?? null]);
    }
  }
  return days;
}

function main(text) {
  // 2026-01-01T00:00 in Shanghai is 2025-12-31T16:00Z: anything else means TZ is not set.
  if (new Date(2026, 0, 1).getTime() !== Date.UTC(2025, 11, 31, 16)) {
    throw new Error(`run with TZ=Asia/Shanghai (TZ is ${process.env.TZ})`);
  }
  const request = JSON.parse(text);
  const out = {
    results: (request.queries ?? []).map(evaluate),
    holidays: Object.fromEntries((request.holiday_years ?? []).map((y) => [String(y), holidays(y)])),
  };
  process.stdout.write(JSON.stringify(out));
}

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => main(Buffer.concat(chunks).toString('utf8')));
