-- wrk load for POST /api/v1/intakes: distinct texts, a fixed number of requests per thread,
-- and one JSON line of figures at the end. Env: TOKEN (bearer), PER_THREAD (requests).
local bodies = {
  "小区门口路灯坏了一个多月没人修", "楼上装修每天早上七点就开始电钻，严重扰民",
  "公司拖欠三个月工资，老板联系不上", "公交12路晚上九点以后就没车了，建议延长运营时间",
  "餐馆油烟直排，整栋楼都是油烟味", "孩子入学学位分配不合理，想咨询政策",
}
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  per_thread = tonumber(os.getenv("PER_THREAD") or "1000")
  sent, answered, accepted = 0, 0, 0
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("TOKEN")}
end

function request()
  sent = sent + 1
  local body = string.format('{"content": "%s（%d-%d）", "phone": "+86139%04d%04d", "channel": "web"}',
    bodies[sent % #bodies + 1], tid, sent, tid, sent % 10000)
  return wrk.format("POST", "/api/v1/intakes", headers, body)
end

function response(status, headers, body)
  answered = answered + 1
  if status == 202 then accepted = accepted + 1 end
  if answered >= per_thread then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local total_accepted = 0
  for _, thread in ipairs(threads) do total_accepted = total_accepted + thread:get("accepted") end
  io.write(string.format(
    '{"requests": %d, "accepted": %d, "seconds": %.3f, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "non_2xx": %d, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, total_accepted, summary.duration / 1e6, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
