-- wrk script for bench/intake_load.py: POST /api/v1/requests with a unique Idempotency-Key each, a share of
-- them sent a second time (a client retrying after a lost answer), and a tally of the answers.
--
-- Arguments (after "--"): token, file with citizen ids (one per line), replay share (0..1), run tag, and
-- a path prefix: each thread writes the key of every 201 answer to <prefix><thread>, so the count
-- after the run can match answered keys to stored rows. The request's details carry its key.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  replay_share = tonumber(args[3])
  tag = args[4]
  ids = {}
  for line in io.lines(args[2]) do
    ids[#ids + 1] = line
  end
  math.randomseed(tid * 7919 + os.time())
  created, replayed, refused, other = 0, 0, 0, 0
  mismatched = 0
  previous = nil
  seen = {}
  answered = io.open(args[5] .. tid, "w")
end

local function body_for(key)
  local person = ids[math.random(#ids)]
  return '{"person_id": ' .. person .. ', "service_type": "food", "details": "Хлеб, молоко. ' .. key ..
    '", "urgency": "normal"}'
end

function request()
  local key, body
  if previous ~= nil and math.random() < replay_share then
    key, body = previous.key, previous.body
  else
    counter = counter + 1
    key = tag .. "-" .. tid .. "-" .. counter
    body = body_for(key)
    previous = { key = key, body = body }
  end
  return wrk.format("POST", "/api/v1/requests", {
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = key,
    ["Content-Type"] = "application/json",
    ["Accept-Language"] = "ru",
  }, body)
end

function response(status, headers, body)
  if status == 201 then
    if headers["Idempotent-Replayed"] or headers["idempotent-replayed"] then
      replayed = replayed + 1
    else
      created = created + 1
    end
    -- Both answers for one key (in whichever order they arrive) must name the same request.
    local id = string.match(body, '"id": (%d+)')
    local key = string.match(body, tag .. "%-%d+%-%d+")
    if key ~= nil then
      answered:write(key, "\n")
    end
    if id == nil or key == nil then
      mismatched = mismatched + 1
    elseif seen[key] == nil then
      seen[key] = id
    elseif seen[key] ~= id then
      mismatched = mismatched + 1
    end
  elseif status >= 400 and status < 500 then
    refused = refused + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = { created = 0, replayed = 0, refused = 0, other = 0, mismatched = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"created": %d, "replayed": %d, "refused": %d, "other": %d, "replay_mismatches": %d, ' ..
    '"socket_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, totals.created, totals.replayed, totals.refused, totals.other, totals.mismatched,
    errors.connect + errors.read + errors.write, errors.timeout))
end
