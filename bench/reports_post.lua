-- wrk script for docs/performance.md "Couriers' reports": POST /v1/stations/{id}/reports.
-- Random couriers' reports: a random station, kind, device token and client address.
local kinds = {"parking_full","no_water","closed_now","microwave_broken","charger_occupied","toilet_unavailable"}
math.randomseed(os.time())
request = function()
  local sid = math.random(1, 10000)
  local body = '{"kind":"' .. kinds[math.random(#kinds)] .. '"}'
  local token = string.format("bench%016d", math.random(1, 1e9))
  local ip = string.format("10.%d.%d.%d", math.random(0,255), math.random(0,255), math.random(1,254))
  return wrk.format("POST", "/v1/stations/" .. sid .. "/reports",
    {["Content-Type"]="application/json", ["X-Device-Token"]=token, ["X-Forwarded-For"]=ip}, body)
end
