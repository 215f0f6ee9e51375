"""Lua for verification codes on Redis: one script per operation, so each is atomic and one round trip.

A code record is a hash: ``d`` (``digest:expires_at`` pairs joined by ``;``), ``a`` (wrong
attempts), ``x`` (``1`` once dead, ``2`` once used), ``f`` (forget_at) and ``p`` / ``pa`` (the
code a new one replaced, until its send succeeds; ``p`` empty for a dead record). A send log is
a sorted set of issue ids scored by time; a budget a plain counter. Decisions compare stamps with the caller's ``now``;
key expiry only collects garbage. Digests are compared in constant time (``bit`` ops).

The last key of every script is the call's own key (``…:call:<kind>:<id>``): the script
records its answer there for a minute, so a call that redis-py retries after a lost reply
gets the first run's answer and changes nothing twice.
"""

from __future__ import annotations

_COMMON = """
local now = tonumber(ARGV[1])
local call = KEYS[#KEYS]
local function fmt(x) return string.format('%.17g', x) end
local function pairs_of(d)
  return string.gmatch(d or '', '([^:;]+):([^;]+)')
end
local function without(d, gone)  -- the pairs of d but the digest gone; and whether it was there
  local kept, found = '', false
  for digest, exp in pairs_of(d) do
    if digest == gone then found = true else kept = kept .. digest .. ':' .. exp .. ';' end
  end
  return string.sub(kept, 1, -2), found
end
local function remember(answer)  -- the call's answer, for a retry of this very call
  redis.call('SET', call, cjson.encode(answer), 'PX', 60000)
  return answer
end
local prior = redis.call('GET', call)
if prior then return cjson.decode(prior) end
"""

# KEYS: code, each log, [budget], call. ARGV: now, digest, expires_at, forget_at, event, keep ('1'/'0'),
# log count, then per log: name, cooldown, span, window count, (max, seconds) per window;
# then budget max ('' for none), budget resets_at.
# Returns {1, waived} when issued, else {0, limit, window or '', retry_after} for the limit that
# frees up last (so one Retry-After is enough). A dead record (its code killed by wrong guesses)
# waives the cooldowns: waived is 1. A replaced live code, or the dead record, is kept in
# 'p' / 'pa' until the send succeeds, so that a cancel can bring it back.
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
local r = redis.call('HMGET', KEYS[1], 'd', 'x', 'f', 'a')
local remembered = r[3] and tonumber(r[3]) > now
local dead = remembered and r[2] == '1'

local refusal = nil
local function refuse(limit, window, retry)
  if not refusal or retry > refusal[4] then refusal = {0, limit, window, retry} end
end
for _, log in ipairs(logs) do
  redis.call('ZREMRANGEBYSCORE', log.key, '-inf', fmt(now - log.span))
  if log.cooldown > 0 and not dead then
    local last = redis.call('ZREVRANGEBYSCORE', log.key, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if last[2] and tonumber(last[2]) > now - log.cooldown then
      refuse('cooldown', '', tonumber(last[2]) + log.cooldown - now)
    end
  end
  for _, w in ipairs(log.windows) do
    local low = '(' .. fmt(now - w.seconds)
    local n = redis.call('ZCOUNT', log.key, low, '+inf')
    if n >= w.max then  -- the oldest entries must age out until one slot is free
      local oldest = redis.call('ZRANGEBYSCORE', log.key, low, '+inf', 'WITHSCORES', 'LIMIT', n - w.max, 1)
      refuse(log.name, fmt(w.seconds), tonumber(oldest[2]) + w.seconds - now)
    end
  end
end
if budget_max ~= '' and tonumber(redis.call('GET', budget_key) or '0') >= tonumber(budget_max) then
  refuse('budget', '', tonumber(budget_resets) - now)
end
if refusal then
  refusal[4] = fmt(refusal[4])
  return refusal
end

for _, log in ipairs(logs) do
  redis.call('ZADD', log.key, fmt(now), ARGV[5])
  redis.call('PEXPIRE', log.key, math.ceil((log.span + 60) * 1000))
end
if budget_max ~= '' then
  redis.call('INCR', budget_key)
  redis.call('PEXPIRE', budget_key, math.ceil((tonumber(budget_resets) - now + 60) * 1000))
end
local live = remembered and r[2] == '0' and r[1] ~= ''
local kept, forget = '', tonumber(ARGV[4])
if ARGV[6] == '1' and live then
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
  if dead then
    redis.call('HSET', KEYS[1], 'p', '', 'pa', r[4])
  elseif live and ARGV[6] ~= '1' then
    redis.call('HSET', KEYS[1], 'p', r[1], 'pa', r[4])
  end
end
redis.call('PEXPIRE', KEYS[1], math.ceil((forget - now) * 1000) + 60000)
if dead then return remember({1, 1}) end
return remember({1, 0})
"""

# KEYS: code, each log to refund, [budget], call. ARGV: now, digest, event, refund budget ('1'/'0').
CANCEL = _COMMON + """
local r = redis.call('HMGET', KEYS[1], 'd', 'p', 'pa')
local kept, found = without(r[1], ARGV[2])
if found and kept ~= '' then
  redis.call('HSET', KEYS[1], 'd', kept)
elseif found and r[2] then  -- the record this one replaced comes back, dead (p empty) or live
  redis.call('HSET', KEYS[1], 'd', r[2], 'a', r[3])
  if r[2] == '' then redis.call('HSET', KEYS[1], 'x', '1') end
  redis.call('HDEL', KEYS[1], 'p', 'pa')
elseif found then
  redis.call('DEL', KEYS[1])
elseif r[2] then  -- replaced in turn by a later issue: this code must not come back either
  local aside, was = without(r[2], ARGV[2])
  if was and aside == '' then
    redis.call('HDEL', KEYS[1], 'p', 'pa')
  elseif was then
    redis.call('HSET', KEYS[1], 'p', aside)
  end
end
local last = #KEYS - 1
if ARGV[4] == '1' then
  if tonumber(redis.call('GET', KEYS[last]) or '0') > 0 then redis.call('DECR', KEYS[last]) end
  last = last - 1
end
for k = 2, last do redis.call('ZREM', KEYS[k], ARGV[3]) end
return remember(1)
"""

# KEYS: code[, the client's check log], call. ARGV: now, digest, max_attempts, nonce[, span, window
# count, (max, seconds) per window]. Returns {outcome[, attempts_left]}, or {'limited', window, retry_after}.
# The outcome is remembered under the call's nonce, so a call retried after a lost reply gets
# the same answer and is not counted twice; a used code stays as a tombstone ('x' = 2).
CHECK = _COMMON + """
if #KEYS == 3 then
  local span, refusal = tonumber(ARGV[5]), nil
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - span))
  for w = 1, tonumber(ARGV[6]) do
    local max, seconds = tonumber(ARGV[5 + 2 * w]), tonumber(ARGV[6 + 2 * w])
    local low = '(' .. fmt(now - seconds)
    local n = redis.call('ZCOUNT', KEYS[2], low, '+inf')
    if n >= max then
      local oldest = redis.call('ZRANGEBYSCORE', KEYS[2], low, '+inf', 'WITHSCORES', 'LIMIT', n - max, 1)
      local retry = tonumber(oldest[2]) + seconds - now
      if not refusal or retry > refusal[3] then refusal = {'limited', fmt(seconds), retry} end
    end
  end
  if refusal then
    refusal[3] = fmt(refusal[3])
    return remember(refusal)
  end
  redis.call('ZADD', KEYS[2], fmt(now), ARGV[4])
  redis.call('PEXPIRE', KEYS[2], math.ceil((span + 60) * 1000))
end
local r = redis.call('HMGET', KEYS[1], 'd', 'a', 'x', 'f')
if not r[4] or tonumber(r[4]) <= now or r[3] == '2' then return remember({'not_found'}) end
if r[3] == '1' then return remember({'too_many_attempts'}) end
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
if live == 0 then return remember({'expired'}) end
if found == 1 then
  redis.call('HSET', KEYS[1], 'x', '2', 'd', '')
  redis.call('HDEL', KEYS[1], 'p', 'pa')
  return remember({'verified'})
end
local attempts, allowed = tonumber(r[2]) + 1, tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'a', attempts)
if attempts >= allowed then redis.call('HSET', KEYS[1], 'x', '1', 'd', '') end
return remember({'invalid', math.max(0, allowed - attempts)})
"""
