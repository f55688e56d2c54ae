-- wrk's side of the benchmark's scenarios (bench/wrk.ts writes the plan and runs wrk with this
-- script): every request takes a random path of the plan and the plan's next body, as the
-- autocannon driver does; answers that are not 2xx are counted; done() prints one line of JSON.
-- A checkout plan (scenario V) chains three requests instead, each reading the ids it needs from
-- the answer before it (see "Checkouts" below).
--
-- Usage: wrk … -s bench/wrk.lua <url> -- <plan-file>
-- The plan file, one item per line:
--   method <GET|POST>
--   header <name>: <value>
--   body <text>          (zero or more; request n sends body n mod count)
--   path <path>          (one or more; each request picks one at random)
-- or, for checkouts:
--   mode checkout
--   header <name>: <value>
--   create <path> <body> (one or more; a checkout begins with one of them at random)
--   steppath <path>      (the pay and close requests' path, with :visit and :record)
--   pay <body>
--   close <body>

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

-- Checkouts: what this thread's connections send next, and how many checkouts ended.
local checkout = false
local creates = {}
local steps = {}
local queue = {}
local first, last = 1, 0
completed = 0
broken = 0

local PLACEHOLDER = "\1path\1"

-- A request formatted once by wrk's own formatter (Host, Content-Length), split where the path goes.
local function head(method, headers, body)
  local copy = {}
  for name, value in pairs(headers) do
    copy[name] = value
  end
  local text = wrk.format(method, PLACEHOLDER, copy, body or nil)
  local at = text:find(PLACEHOLDER, 1, true)
  return { text:sub(1, at - 1), text:sub(at + #PLACEHOLDER) }
end

-- Runs in each thread's own state: read the plan, build the fixed parts of the requests once.
function init(args)
  local method = "GET"
  local headers = {}
  local bodies = {}
  local stepPath, pay, close
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
    elseif key == "mode" then
      checkout = rest == "checkout"
    elseif key == "create" then
      local path, body = rest:match("^(%S+) (.*)$")
      creates[#creates + 1] = { path = path, body = body }
    elseif key == "steppath" then
      stepPath = rest
    elseif key == "pay" then
      pay = rest
    elseif key == "close" then
      close = rest
    end
  end
  math.randomseed(os.time() * 1000 + thread_number)
  if checkout then
    if #creates == 0 or not stepPath or not pay or not close then
      error("wrk.lua: a checkout plan needs create, steppath, pay and close")
    end
    steps.headers = headers
    steps.path = stepPath
    steps.pay = head("PUT", headers, pay)
    steps.close = head("PUT", headers, close)
    return
  end
  if #paths == 0 then
    error("wrk.lua: the plan has no path")
  end
  if #bodies == 0 then
    bodies[1] = false
  end
  -- A request is <method> <path> HTTP/1.1, the headers, then the body: all but the path are
  -- formatted here, once per body.
  for i, body in ipairs(bodies) do
    heads[i] = head(method, headers, body)
  end
end

function request()
  if checkout then
    -- A pay or close the last answers asked for goes first; else a new checkout begins.
    if first <= last then
      local step = queue[first]
      queue[first] = nil
      first = first + 1
      return step
    end
    local create = creates[math.random(#creates)]
    return wrk.format("POST", create.path, steps.headers, create.body)
  end
  local h = heads[sent % #heads + 1]
  sent = sent + 1
  return h[1] .. paths[math.random(#paths)] .. h[2]
end

-- Checkouts. wrk tells a response callback neither the connection nor the request, so the step
-- an answer belongs to is read from the answer itself, and the next step goes into this thread's
-- queue, for whichever of its connections sends next (a checkout's steps may use different
-- connections, each step still waits for the answer before it). The queue holds at most one
-- step per connection: each answer adds at most one, each request takes one.
--   appointment (no "state"): {"success":true,"data":{"id":<record>,…,"visit_id":<visit>,…}
--   visit: {"success":true,"data":{"id":<visit>,"attendance":<a>,…,"records":[{"id":<record>,…}],…,"state":"open|closed",…}
local function enqueue(step, visit, record)
  local path = steps.path:gsub(":visit", visit):gsub(":record", record)
  last = last + 1
  queue[last] = step[1] .. path .. step[2]
end

local function follow(body)
  local state = body:match('"state":"(%a+)"')
  if state == nil then
    local record = body:match('^{"success":true,"data":{"id":(%d+)')
    local visit = body:match('"visit_id":(%d+)')
    if record and visit then
      enqueue(steps.pay, visit, record)
    else
      broken = broken + 1
    end
  elseif state == "closed" then
    completed = completed + 1
  else
    local visit, attendance = body:match('^{"success":true,"data":{"id":(%d+),"attendance":(%-?%d+)')
    local record = body:match('"records":%[{"id":(%d+)')
    if attendance == "2" and visit and record then
      enqueue(steps.close, visit, record)
    else
      broken = broken + 1
    end
  end
end

-- Defining response() makes wrk parse every answer's headers: ~1.5 µs of wrk's CPU per request
-- (~10 µs without), the price of counting 1xx and 3xx too (wrk's own count is of statuses > 399).
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if checkout then
      broken = broken + 1
    end
  elseif checkout then
    follow(body)
  end
end

-- Runs in the main state after the run: one line the driver parses.
function done(summary, latency)
  local counted, done_checkouts, broken_checkouts = 0, 0, 0
  for _, thread in ipairs(threads) do
    counted = counted + (thread:get("non2xx") or 0)
    done_checkouts = done_checkouts + (thread:get("completed") or 0)
    broken_checkouts = broken_checkouts + (thread:get("broken") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '\nWRK-RESULT {"requests":%d,"durationUs":%d,"non2xx":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,' ..
    '"completed":%d,"broken":%d}\n',
    summary.requests, summary.duration, counted, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), done_checkouts, broken_checkouts))
end
