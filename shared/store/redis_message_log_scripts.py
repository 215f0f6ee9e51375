"""Lua for the send log on Redis: one script per operation, so each is atomic and one round trip.

Every key of the send log carries the hash tag ``{log}``, so the scripts, which reach keys they
only learn while running (a BizId's message, a number's messages), stay in one slot on a Redis
Cluster. Keys, after the store's prefix:

- ``log:{log}:m:<message id>``: the record, the JSON of ``message_log.dump_record`` (timestamps
  as text, so Lua never formats a float; ``exp`` is when it ends by the caller's clock);
- ``log:{log}:to:<lookup>``: a sorted set of message ids scored by ``created_at``;
- ``log:{log}:biz:<BizId>``: the message id;
- ``log:{log}:unresolved``: a sorted set of the ids of records with an ``unknown`` number, scored
  by ``created_at`` (or, once put off, the time until which the reconciler leaves it);
- ``log:{log}:early:<message id>``: a list of receipts that named the id before its record was
  written (``{"l", "s", "e", "u", "x"}`` JSON each; ``x``: when it ends), applied and deleted by
  ``LOG_SEND``.

Decisions compare ``exp`` with the caller's ``now`` (``ARGV[1]``); key expiry (relative, plus a
margin) only collects garbage. Index entries whose record is gone are skipped and removed.
"""

from __future__ import annotations

GC_MARGIN_SECONDS = 60

_COMMON = f"""
local now = tonumber(ARGV[1])
local base = ARGV[2]
local unresolved_key = base .. 'unresolved'
local function msg_key(id) return base .. 'm:' .. id end
local function live(id)  -- the decoded record, or nil once gone or expired
  local text = redis.call('GET', msg_key(id))
  if not text then return nil end
  local rec = cjson.decode(text)
  if tonumber(rec.exp) <= now then return nil end
  return rec
end
local function ms_until(exp) return math.ceil((tonumber(exp) - now + {GC_MARGIN_SECONDS}) * 1000) end
local function has_unknown(rec)
  for _, n in ipairs(rec.n) do
    if n.s == 'unknown' then return true end
  end
  return false
end
local function save(rec, written)  -- write back a record; its sealed numbers go once nothing is unknown
  if has_unknown(rec) and written then  -- (re)written by LOG_SEND: queued by its created_at, any put-off ends
    redis.call('ZADD', unresolved_key, rec.at, rec.id)
  elseif has_unknown(rec) then
    redis.call('ZADD', unresolved_key, 'NX', rec.at, rec.id)  -- NX: a change keeps a put-off record put off
  else
    rec.sealed = nil
    redis.call('ZREM', unresolved_key, rec.id)
  end
  redis.call('SET', msg_key(rec.id), cjson.encode(rec), 'PX', ms_until(rec.exp))
end
local function keep_longer(key, ms)  -- a shared index lives as long as its longest-lived entry
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
"""

# ARGV: now, base, record JSON, message id, created_at, expires_at, biz id ('' for none), then the lookups.
LOG_SEND = _COMMON + """
local id, at, exp, biz = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local ms = ms_until(exp)
local old = redis.call('GET', msg_key(id))
if old then  -- replaced: its numbers may differ
  for _, n in ipairs(cjson.decode(old).n) do redis.call('ZREM', base .. 'to:' .. n.l, id) end
end
local rec = cjson.decode(ARGV[3])
local early_key = base .. 'early:' .. id
for _, text in ipairs(redis.call('LRANGE', early_key, 0, -1)) do  -- receipts that came first
  local r = cjson.decode(text)
  for _, n in ipairs(rec.n) do
    if n.l == r.l and not n.r and tonumber(r.x) > now then n.s, n.e, n.u, n.r = r.s, r.e, r.u, 1 end
  end
end
redis.call('DEL', early_key)
save(rec, true)
if biz ~= '' then redis.call('SET', base .. 'biz:' .. biz, id, 'PX', ms) end
for i = 8, #ARGV do
  local key = base .. 'to:' .. ARGV[i]
  redis.call('ZADD', key, at, id)
  keep_longer(key, ms)
end
keep_longer(unresolved_key, ms)
return 1
"""

# ARGV: now, base, message id. Returns the record JSON or false.
GET_SEND = _COMMON + """
local rec = live(ARGV[3])
if not rec then return false end
return redis.call('GET', msg_key(ARGV[3]))
"""

# ARGV: now, base, lookup, since, limit, filtered ('1': only the elements that follow; '0': any),
# then the elements' full names. Returns the record JSONs, newest first.
SENDS_TO = _COMMON + """
local key, limit, found = base .. 'to:' .. ARGV[3], tonumber(ARGV[5]), {}
local only = nil
if ARGV[6] == '1' then
  only = {}
  for i = 7, #ARGV do only[ARGV[i]] = true end
end
local ids = redis.call('ZREVRANGEBYSCORE', key, '+inf', ARGV[4])
for _, id in ipairs(ids) do
  if #found >= limit then break end
  local rec = live(id)
  if not rec then
    redis.call('ZREM', key, id)
  elseif not only or only[rec.el] then
    found[#found + 1] = redis.call('GET', msg_key(id))
  end
end
return found
"""

# ARGV: now, base, created_before, limit. Returns the record JSONs, oldest first.
UNRESOLVED = _COMMON + """
local limit, found = tonumber(ARGV[4]), {}
local ids = redis.call('ZRANGEBYSCORE', unresolved_key, '-inf', '(' .. ARGV[3])
for _, id in ipairs(ids) do
  if #found >= limit then break end
  if live(id) then
    found[#found + 1] = redis.call('GET', msg_key(id))
  else
    redis.call('ZREM', unresolved_key, id)
  end
end
return found
"""

# ARGV: now, base, message id, until. A record still unresolved is scored ``until`` (left out until then).
PUT_OFF = _COMMON + """
redis.call('ZADD', unresolved_key, 'XX', ARGV[4], ARGV[3])
return 1
"""

# ARGV: now, base, held_until (when a held receipt ends), then per receipt: out id, biz id, lookup,
# status, err_code. Returns {applied, unchanged, unknown, held}.
APPLY_RECEIPTS = _COMMON + """
local recs, changed, order = {}, {}, {}
local function find(out_id, biz)
  if out_id ~= '' then
    if recs[out_id] then return recs[out_id] end
    local rec = live(out_id)
    if rec then recs[out_id] = rec; return rec end
  end
  if biz ~= '' then
    local id = redis.call('GET', base .. 'biz:' .. biz)
    if id then
      if recs[id] then return recs[id] end
      local rec = live(id)
      if rec then recs[id] = rec; return rec end
    end
  end
  return nil
end
local applied, unchanged, unknown, held = 0, 0, 0, 0
for i = 4, #ARGV, 5 do
  local rec = find(ARGV[i], ARGV[i + 1])
  local number = nil
  if rec then
    for _, n in ipairs(rec.n) do
      if n.l == ARGV[i + 2] then number = n; break end
    end
  end
  if not rec and ARGV[i] ~= '' then  -- its record may not be written yet: held for it
    local key = base .. 'early:' .. ARGV[i]
    redis.call('RPUSH', key, cjson.encode({l = ARGV[i + 2], s = ARGV[i + 3], e = ARGV[i + 4], u = ARGV[1],
                                           x = ARGV[3]}))
    keep_longer(key, ms_until(ARGV[3]))
    held = held + 1
  elseif not number then
    unknown = unknown + 1
  elseif number.r then
    unchanged = unchanged + 1
  else
    number.s, number.e, number.u, number.r = ARGV[i + 3], ARGV[i + 4], ARGV[1], 1
    if not changed[rec.id] then changed[rec.id] = true; order[#order + 1] = rec end
    applied = applied + 1
  end
end
for _, rec in ipairs(order) do save(rec) end
return {applied, unchanged, unknown, held}
"""

# ARGV: now, base, message id, then per settlement: lookup, status, err_code ('' for none).
# Returns the record JSON as it now stands, or false.
SETTLE_SEND = _COMMON + """
local rec = live(ARGV[3])
if not rec then return false end
for i = 4, #ARGV, 3 do
  for _, n in ipairs(rec.n) do
    if n.l == ARGV[i] and not n.r and n.s == 'unknown' then
      n.s, n.u = ARGV[i + 1], ARGV[1]
      if ARGV[i + 2] ~= '' then n.e = ARGV[i + 2] else n.e = nil end
    end
  end
end
save(rec)
return redis.call('GET', msg_key(rec.id))
"""
