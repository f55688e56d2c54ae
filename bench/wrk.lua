-- wrk's side of the benchmark's scenarios (bench/wrk.ts writes the plan and runs wrk with this
-- script): every request takes a random path of the plan and the plan's next body, as the
-- autocannon driver does; answers that are not 2xx are counted; done() prints one line of JSON.
--
-- Usage: wrk … -s bench/wrk.lua <url> -- <plan-file>
-- The plan file, one item per line:
--   method <GET|POST>
--   header <name>: <value>
--   body <text>          (zero or more; request n sends body n mod count)
--   path <path>          (one or more; each request picks one at random)

local threads = {}
local counter = 0

-- Runs in the main state, once per thread before it starts.
function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

local paths = {}
local heads = {}
local sent = 0
non2xx = 0

local PLACEHOLDER = "\1path\1"

-- Runs in each thread's own state: read the plan, build the fixed parts of the requests once.
function init(args)
  local method = "GET"
  local headers = {}
  local bodies = {}
  for line in io.lines(args[1]) do
    local key, rest = line:match("^(%a+) (.*)$")
    if key == "path" then
      paths[#paths + 1] = rest
    elseif key == "body" then
      bodies[#bodies + 1] = rest
    elseif key == "header" then
      local name, value = rest:match("^([^:]+):%s*(.*)$")
      headers[name] = value
    elseif key == "method" then
      method = rest
    end
  end
  if #paths == 0 then
    error("wrk.lua: the plan has no path")
  end
  if #bodies == 0 then
    bodies[1] = false
  end
  -- A request is <method> <path> HTTP/1.1, the headers, then the body: all but the path are
  -- formatted here, once per body, by wrk's own formatter (Host, Content-Length).
  for i, body in ipairs(bodies) do
    local copy = {}
    for name, value in pairs(headers) do
      copy[name] = value
    end
    local text = wrk.format(method, PLACEHOLDER, copy, body or nil)
    local at = text:find(PLACEHOLDER, 1, true)
    heads[i] = { text:sub(1, at - 1), text:sub(at + #PLACEHOLDER) }
  end
  math.randomseed(os.time() * 1000 + thread_number)
end

function request()
  local head = heads[sent % #heads + 1]
  sent = sent + 1
  return head[1] .. paths[math.random(#paths)] .. head[2]
end

-- Defining response() makes wrk parse every answer's headers: ~1.5 µs of wrk's CPU per request
-- (~10 µs without), the price of counting 1xx and 3xx too (wrk's own count is of statuses > 399).
function response(status)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

-- Runs in the main state after the run: one line the driver parses.
function done(summary, latency)
  local counted = 0
  for _, thread in ipairs(threads) do
    counted = counted + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '\nWRK-RESULT {"requests":%d,"durationUs":%d,"non2xx":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, counted, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
