-- wrk script of bench/bench_http.py: cycle through the request paths in a file.
--
--   wrk -t1 -c16 -d10s -s bench/http.lua http://127.0.0.1:8000 -- paths.txt
--
-- Each wrk thread starts at its own offset in the file, so threads do not send the same
-- query at the same moment. Requests are formatted once, in init, not per request.
-- At the end one line "BENCH_JSON {...}" gives the counts and latency percentiles (µs).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local requests = {}
local position = 0

function init(args)
  local file = args[1]
  if file == nil then
    error("usage: wrk ... -s http.lua URL -- PATHS_FILE")
  end
  for path in io.lines(file) do
    if path ~= "" then
      table.insert(requests, wrk.format("GET", path))
    end
  end
  if #requests == 0 then
    error("no request paths in " .. file)
  end
  position = ((thread_id or 0) * 997) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
