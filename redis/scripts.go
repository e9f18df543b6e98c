package sselimitredis

import "github.com/redis/go-redis/v9"

// The scripts share one layout. KEYS[1] is the limiter's set of leases,
// scored by expiry in Redis milliseconds, each member a lease id followed
// by the hex of its user key; every other key is a user's set of lease ids,
// scored the same way. A lease is live while its expiry is in the future of
// Redis's own clock, so expired ones are never counted, whether or not they
// have been removed yet. Each set expires with its newest lease, so an idle
// limiter leaves nothing behind.

// clock is the prelude of every script: now, in Redis milliseconds.
const clock = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function live(key) return redis.call('ZCOUNT', key, '(' .. now, '+inf') end
local function keep(key, exp)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 or now + ttl < exp then redis.call('PEXPIREAT', key, exp) end
end
local function record(all, user, member, id, exp)
  redis.call('ZREMRANGEBYSCORE', all, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', user, '-inf', now)
  redis.call('ZADD', all, exp, member)
  redis.call('ZADD', user, exp, id)
  keep(all, exp)
  keep(user, exp)
end
`

// acquireScript admits one lease: KEYS[2] is the user's set; ARGV is the
// lease id, the member, the TTL in ms, the global cap and the user's cap
// (<= 0: none). It returns 0 when admitted, 1 for the user's cap, 2 for
// the global cap. A refusal writes nothing.
var acquireScript = redis.NewScript(clock + `
local all, user = KEYS[1], KEYS[2]
local id, member, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local maxTotal, maxUser = tonumber(ARGV[4]), tonumber(ARGV[5])
if maxUser > 0 and live(user) >= maxUser then return 1 end
if maxTotal > 0 and live(all) >= maxTotal then return 2 end
record(all, user, member, id, now + ttl)
return 0
`)

// renewScript extends a batch of leases: KEYS[i+1] is lease i's user set;
// ARGV is the TTL in ms and the global cap, then per lease its id, member
// and user cap. A lease Redis no longer holds live is put back when both
// caps have room; otherwise it is removed for good. It returns the
// 1-based indexes of the leases that could not be kept. The live ones are
// extended with one ZADD per set, not one per lease.
var renewScript = redis.NewScript(clock + `
local all, ttl, maxTotal = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local exp = now + ttl
local members = {}
for i = 2, #KEYS do members[#members + 1] = ARGV[3 + (i - 2) * 3 + 1] end
local scores = redis.call('ZMSCORE', all, unpack(members))
local extend, byUser, lost = {}, {}, {}
for i = 2, #KEYS do
  local user, a = KEYS[i], 3 + (i - 2) * 3
  local id, member, maxUser = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local score = scores[i - 1]
  if score and tonumber(score) > now then
    extend[#extend + 1] = exp
    extend[#extend + 1] = member
    local ids = byUser[user]
    if not ids then ids = {}; byUser[user] = ids end
    ids[#ids + 1] = exp
    ids[#ids + 1] = id
  else
    redis.call('ZREM', all, member)
    redis.call('ZREM', user, id)
    if (maxUser > 0 and live(user) >= maxUser) or (maxTotal > 0 and live(all) >= maxTotal) then
      lost[#lost + 1] = i - 1
    else
      record(all, user, member, id, exp)
    end
  end
end
if #extend > 0 then
  redis.call('ZADD', all, 'XX', unpack(extend))
  keep(all, exp)
end
for user, ids in pairs(byUser) do
  redis.call('ZADD', user, unpack(ids))
  keep(user, exp)
end
return lost
`)

// releaseScript removes a batch of leases: KEYS[i+1] is lease i's user
// set; ARGV holds the leases' ids and members, in pairs.
var releaseScript = redis.NewScript(`
for i = 2, #KEYS do
  redis.call('ZREM', KEYS[1], ARGV[(i - 2) * 2 + 2])
  redis.call('ZREM', KEYS[i], ARGV[(i - 2) * 2 + 1])
end
return 0
`)

// countScript counts the live leases of KEYS[1], a limiter's or a user's set.
var countScript = redis.NewScript(clock + `
return live(KEYS[1])
`)

// listScript returns the members of the live leases of the limiter's set.
var listScript = redis.NewScript(clock + `
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
`)
