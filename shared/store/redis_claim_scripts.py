"""Lua for the Redis store: one script per operation, so each check-and-update is atomic.

Every record is a hash under ``KEYS[1]``: ``fp`` (fingerprint), ``tok`` (the owner's token;
absent once released), ``lease`` and ``exp`` (epoch seconds of the caller's clock), ``done``
(``0``/``1``), ``resp`` and ``prog`` (JSON). Decisions compare those stamps with ``ARGV[1]``,
the caller's ``now``; the key's own expiry (``PEXPIRE``, relative, ``exp`` plus a margin) only
collects garbage. Timestamps travel as strings computed by Python, so Lua never formats a
float. Scripts stay within Redis 5 (Tair) commands.
"""

from __future__ import annotations

GC_MARGIN_SECONDS = 60

_PRELUDE = f"""
local now = tonumber(ARGV[1])
local function collect_after(exp)
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(exp) - now + {GC_MARGIN_SECONDS}) * 1000))
end
local function owned(tok, exp)
  return tok and tok == ARGV[2] and tonumber(exp) > now
end
"""

# ARGV: now, fingerprint, token, lease_until, expires_at
# Returns {status, token, response, progress, lease_until}, trailing values omitted.
CLAIM = _PRELUDE + """
local r = redis.call('HMGET', KEYS[1], 'fp', 'tok', 'lease', 'exp', 'done', 'resp', 'prog')
if not r[1] or tonumber(r[4]) <= now then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'fp', ARGV[2], 'tok', ARGV[3], 'lease', ARGV[4], 'exp', ARGV[5], 'done', '0')
  collect_after(ARGV[5])
  return {'claimed', ARGV[3]}
end
if r[1] ~= ARGV[2] then return {'mismatch'} end
if r[5] == '1' then return {'done', false, r[6]} end
if r[2] == ARGV[3] then return {'claimed', ARGV[3], false, r[7]} end  -- this very call, retried
if r[2] and tonumber(r[3]) > now then return {'in_progress', false, false, false, r[3]} end
local exp = r[4]
if tonumber(ARGV[5]) > tonumber(exp) then exp = ARGV[5] end
redis.call('HSET', KEYS[1], 'tok', ARGV[3], 'lease', ARGV[4], 'exp', exp)
collect_after(exp)
return {'claimed', ARGV[3], false, r[7]}
"""

# ARGV: now, token, response, expires_at. Returns 1 when completed (or already completed by token).
COMPLETE = _PRELUDE + """
local r = redis.call('HMGET', KEYS[1], 'tok', 'exp', 'done')
if not owned(r[1], r[2]) then return 0 end
if r[3] == '1' then return 1 end
redis.call('HSET', KEYS[1], 'done', '1', 'resp', ARGV[3], 'exp', ARGV[4], 'lease', '0')
redis.call('HDEL', KEYS[1], 'prog')
collect_after(ARGV[4])
return 1
"""

# ARGV: now, token, progress ('' keeps the stored progress). Returns 1 when released; a record
# left with no progress or an empty one ('{}') is deleted: nothing happened.
RELEASE = _PRELUDE + """
local r = redis.call('HMGET', KEYS[1], 'tok', 'exp', 'done', 'prog')
if not owned(r[1], r[2]) or r[3] == '1' then return 0 end
local prog = r[4]
if ARGV[3] ~= '' then prog = ARGV[3] end
if not prog or prog == '{}' then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('HSET', KEYS[1], 'prog', prog, 'lease', '0')
redis.call('HDEL', KEYS[1], 'tok')
return 1
"""

# ARGV: now, token, progress, lease_until ('' keeps the lease). Returns 1 when saved.
SAVE_PROGRESS = _PRELUDE + """
local r = redis.call('HMGET', KEYS[1], 'tok', 'exp', 'done')
if not owned(r[1], r[2]) or r[3] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'prog', ARGV[3])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'lease', ARGV[4])
  if tonumber(ARGV[4]) > tonumber(r[2]) then
    redis.call('HSET', KEYS[1], 'exp', ARGV[4])
    collect_after(ARGV[4])
  end
end
return 1
"""
