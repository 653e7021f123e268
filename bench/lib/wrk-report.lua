-- wrk's report for bench/lib/load.ts: after wrk's own text, one JSON line with the figures the harness keeps.
-- With WRK_PAUSE_MS set, each connection waits that long before its next request (wrk leaves the pause out of latency).
local pause = tonumber(os.getenv('WRK_PAUSE_MS') or '0') or 0
if pause > 0 then
  delay = function ()
    return pause
  end
end

done = function (summary, latency, requests)
  local errors = summary.errors
  -- wrk counts times in microseconds; its "status" errors are answers of 400 and above.
  io.write(string.format(
    '{"requests":%d,"durationS":%.6f,"p50Ms":%.3f,"p99Ms":%.3f,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status))
end
