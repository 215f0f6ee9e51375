"""Lua for verification codes on Redis: one script per operation, so each is atomic and one round trip.

A code record is a hash: ``d`` (``digest:expires_at`` pairs joined by ``;``), ``a`` (wrong
attempts), ``x`` (``1`` once dead) and ``f`` (forget_at). A send log is a sorted set of issue
ids scored by time; a budget a plain counter. Decisions compare stamps with the caller's
``now``; key expiry only collects garbage. Digests are compared in constant time (``bit`` ops).
"""

from __future__ import annotations

_COMMON = """
local now = tonumber(ARGV[1])
local function fmt(x) return string.format('%.17g', x) end
local function pairs_of(d)
  return string.gmatch(d or '', '([^:;]+):([^;]+)')
end
"""

# KEYS: code, each log, [budget]. ARGV: now, digest, expires_at, forget_at, event, keep ('1'/'0'),
# log count, then per log: name, cooldown, span, window count, (max, seconds) per window;
# then budget max ('' for none), budget resets_at.
# Returns {1} when issued, else {0, limit, window or '', retry_after}.
ISSUE = _COMMON + """
local nlogs = tonumber(ARGV[7])
local i, logs = 8, {}
for l = 1, nlogs do
  local log = {key = KEYS[1 + l], name = ARGV[i], cooldown = tonumber(ARGV[i + 1]), span = tonumber(ARGV[i + 2]),
               windows = {}}
  local count = tonumber(ARGV[i + 3])
  i = i + 4
  for w = 1, count do
    log.windows[w] = {max = tonumber(ARGV[i]), seconds = tonumber(ARGV[i + 1])}
    i = i + 2
  end
  logs[l] = log
end
local budget_max, budget_resets, budget_key = ARGV[i], ARGV[i + 1], KEYS[nlogs + 2]

for _, log in ipairs(logs) do
  redis.call('ZREMRANGEBYSCORE', log.key, '-inf', fmt(now - log.span))
  if log.cooldown > 0 then
    local last = redis.call('ZREVRANGEBYSCORE', log.key, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if last[2] and tonumber(last[2]) > now - log.cooldown then
      return {0, 'cooldown', '', fmt(tonumber(last[2]) + log.cooldown - now)}
    end
  end
  for _, w in ipairs(log.windows) do
    local low = '(' .. fmt(now - w.seconds)
    local n = redis.call('ZCOUNT', log.key, low, '+inf')
    if n >= w.max then  -- the oldest entries must age out until one slot is free
      local oldest = redis.call('ZRANGEBYSCORE', log.key, low, '+inf', 'WITHSCORES', 'LIMIT', n - w.max, 1)
      return {0, log.name, fmt(w.seconds), fmt(tonumber(oldest[2]) + w.seconds - now)}
    end
  end
end
if budget_max ~= '' and tonumber(redis.call('GET', budget_key) or '0') >= tonumber(budget_max) then
  return {0, 'budget', '', fmt(tonumber(budget_resets) - now)}
end

for _, log in ipairs(logs) do
  redis.call('ZADD', log.key, fmt(now), ARGV[5])
  redis.call('PEXPIRE', log.key, math.ceil((log.span + 60) * 1000))
end
if budget_max ~= '' then
  redis.call('INCR', budget_key)
  redis.call('PEXPIRE', budget_key, math.ceil((tonumber(budget_resets) - now + 60) * 1000))
end
local r = redis.call('HMGET', KEYS[1], 'd', 'x', 'f')
local kept, forget = '', tonumber(ARGV[4])
if ARGV[6] == '1' and r[3] and r[2] == '0' and tonumber(r[3]) > now then
  for digest, exp in pairs_of(r[1]) do
    if tonumber(exp) > now then kept = kept .. digest .. ':' .. exp .. ';' end
  end
end
local entry = ARGV[2] .. ':' .. ARGV[3]
if kept ~= '' then
  if tonumber(r[3]) > forget then forget = tonumber(r[3]) end
  redis.call('HSET', KEYS[1], 'd', kept .. entry, 'f', fmt(forget))
else
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'd', entry, 'a', '0', 'x', '0', 'f', fmt(forget))
end
redis.call('PEXPIRE', KEYS[1], math.ceil((forget - now) * 1000) + 60000)
return {1}
"""

# KEYS: code, each log to refund, [budget]. ARGV: now, digest, event, refund budget ('1'/'0').
CANCEL = _COMMON + """
local kept, found = '', false
for digest, exp in pairs_of(redis.call('HGET', KEYS[1], 'd')) do
  if digest == ARGV[2] then found = true else kept = kept .. digest .. ':' .. exp .. ';' end
end
if found and kept == '' then
  redis.call('DEL', KEYS[1])
elseif found then
  redis.call('HSET', KEYS[1], 'd', string.sub(kept, 1, -2))
end
local last = #KEYS
if ARGV[4] == '1' then
  if tonumber(redis.call('GET', KEYS[last]) or '0') > 0 then redis.call('DECR', KEYS[last]) end
  last = last - 1
end
for k = 2, last do redis.call('ZREM', KEYS[k], ARGV[3]) end
return 1
"""

# KEYS: code. ARGV: now, digest, max_attempts. Returns {outcome[, attempts_left]}.
CHECK = _COMMON + """
local r = redis.call('HMGET', KEYS[1], 'd', 'a', 'x', 'f')
if not r[4] or tonumber(r[4]) <= now then return {'not_found'} end
if r[3] == '1' then return {'too_many_attempts'} end
local function same(a, b)  -- constant time for equal lengths: no early exit
  if #a ~= #b then return 0 end
  local diff = 0
  for k = 1, #a do diff = bit.bor(diff, bit.bxor(string.byte(a, k), string.byte(b, k))) end
  if diff == 0 then return 1 end
  return 0
end
local live, found = 0, 0
for digest, exp in pairs_of(r[1]) do
  if tonumber(exp) > now then
    live = live + 1
    found = bit.bor(found, same(digest, ARGV[2]))
  end
end
if live == 0 then return {'expired'} end
if found == 1 then
  redis.call('DEL', KEYS[1])
  return {'verified'}
end
local attempts, allowed = tonumber(r[2]) + 1, tonumber(ARGV[3])
if attempts >= allowed then
  redis.call('HSET', KEYS[1], 'a', attempts, 'x', '1', 'd', '')
else
  redis.call('HSET', KEYS[1], 'a', attempts)
end
return {'invalid', allowed - attempts}
"""
