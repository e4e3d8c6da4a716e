-- wrk script for the cobuild bench: POST GraphQL bodies drawn from an operation's variable sets.
--
--   wrk -t T -c C -d Ds --timeout 60s -s bench/wrk/graphql.lua URL -- BODIES TAG API_KEY MODE
--
-- BODIES  a file with one JSON request body per line (written by bench/loadgen.py)
-- TAG     x-request-id prefix, e.g. "W1.c8": the service's access log then says which row a request was
-- API_KEY sent as x-api-key
-- MODE    "rotate": each thread walks the whole list round-robin from its own offset, so the connections
--         of a thread take different bodies in turn;
--         "consume": thread t takes lines t, t+T, t+2T … once each (W8: a fresh demand per claim), then
--         walks its share again (repeats: ALREADY_CLAIMED, counted as expected by the harness).
--
-- Every request is formatted once in init(): request() only returns a prepared string.
-- response() looks at every answer: a non-2xx status is counted under the error code of its body
-- (or HTTP_<status>); a 2xx body with the substring "errors" (GraphQL errors; a key, since quotes inside
-- JSON strings are escaped) is counted under its first extensions code. A plain substring search costs
-- little next to a request of the service; the harness reports the client's CPU beside each row.
-- done() prints one line "WRK_JSON {...}" with the latency percentiles of wrk's own histogram (µs),
-- the counters of wrk and the per-code counts summed over the threads.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

-- per thread; globals because done() reads them with thread:get()
local requests = {}
local order = {}
local pos = 0
taken = 0
errors = {}
mode = "rotate"

local function read_lines(path)
   local out = {}
   for line in io.lines(path) do
      if #line > 0 then out[#out + 1] = line end
   end
   return out
end

function init(args)
   local bodies = read_lines(args[1])
   local tag, key = args[2], args[3]
   mode = args[4] or "rotate"
   local nthreads = tonumber(args[5]) or 1
   local me = tid or 1
   for i, body in ipairs(bodies) do
      local headers = {}
      headers["Host"] = wrk.host .. ":" .. wrk.port
      headers["Content-Type"] = "application/json"
      headers["x-api-key"] = key
      headers["x-request-id"] = tag .. ".t" .. me .. "b" .. i
      requests[i] = wrk.format("POST", wrk.path, headers, body)
   end
   if mode == "consume" then
      for i = me, #requests, nthreads do order[#order + 1] = i end
   end
   if #order == 0 then -- rotate, or a thread whose share is empty
      mode = "rotate"
      local start = math.floor((me - 1) * #requests / nthreads)
      for k = 0, #requests - 1 do order[#order + 1] = (start + k) % #requests + 1 end
   end
end

function request()
   pos = pos % #order + 1
   taken = taken + 1
   return requests[order[pos]]
end

local function code_of(body)
   return body and string.match(body, '"code"%s*:%s*"([%w_]+)"') or nil
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      local k = code_of(body) or ("HTTP_" .. status)
      errors[k] = (errors[k] or 0) + 1
   elseif string.find(body, '"errors"', 1, true) then
      local k = code_of(body) or "UNKNOWN"
      errors[k] = (errors[k] or 0) + 1
   end
end

local function encode(v)
   local t = type(v)
   if t == "number" then
      if v ~= v or v == math.huge or v == -math.huge then return "null" end
      return string.format("%.17g", v)
   elseif t == "string" then
      return '"' .. v:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
   elseif t == "table" then
      local parts = {}
      for k, x in pairs(v) do parts[#parts + 1] = encode(tostring(k)) .. ":" .. encode(x) end
      return "{" .. table.concat(parts, ",") .. "}"
   end
   return "null"
end

function done(summary, latency, requests_)
   local codes, per_thread = {}, {}
   for i, thread in ipairs(threads) do
      local errs = thread:get("errors") or {}
      for k, n in pairs(errs) do codes[k] = (codes[k] or 0) + n end
      per_thread[tostring(i)] = {taken = thread:get("taken") or 0, mode = thread:get("mode") or "rotate"}
   end
   local pct = {}
   for _, p in ipairs({50, 75, 90, 95, 99, 99.9}) do pct[tostring(p)] = latency:percentile(p) end
   local out = {
      requests = summary.requests, duration_us = summary.duration, bytes = summary.bytes,
      socket_errors = {connect = summary.errors.connect, read = summary.errors.read, write = summary.errors.write,
                       timeout = summary.errors.timeout},
      non2xx = summary.errors.status,
      latency_us = {min = latency.min, max = latency.max, mean = latency.mean, stdev = latency.stdev, percentiles = pct},
      codes = codes, threads = per_thread,
   }
   io.write("WRK_JSON " .. encode(out) .. "\n")
end
