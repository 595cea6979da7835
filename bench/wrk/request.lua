-- One request shape for wrk, from the environment: WRK_METHOD, WRK_BODY (JSON; "{n}" becomes
-- a per-thread counter so names can be unique), WRK_AUTH (an Authorization header value).
-- At the end it prints one line: JSON {...} with the rate and latency percentiles.
local method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
local auth = os.getenv("WRK_AUTH")
local counter = 0
local prefix = tostring(math.random(1, 1000000000))

request = function()
  local headers = {}
  if auth then headers["Authorization"] = auth end
  local payload = nil
  if body then
    counter = counter + 1
    headers["Content-Type"] = "application/json"
    payload = string.gsub(body, "{n}", prefix .. "-" .. counter)
  end
  return wrk.format(method, nil, headers, payload)
end

done = function(summary, latency, requests)
  io.write(string.format(
    'JSON {"requests": %d, "duration_us": %d, "status_errors": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
