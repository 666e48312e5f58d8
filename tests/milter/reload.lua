-- reload.lua: SIGHUP reloads the configuration. Started with reject_score
-- -1 (never), a GTUBE message is accepted as spam; after a reload with
-- reject_score 15 it is rejected, except on a connection opened before the
-- reload, which finishes with the configuration it started with. A broken
-- configuration is refused on SIGHUP and the running one stays.
dofile(SRC .. "/common.lua")

local function gtube(qid)
  local c = T.connect()
  T.hello(c)
  T.envelope(c, qid)
  T.headers(c, "gtube " .. qid)
  T.body(c, GTUBE .. "\r\n")
  return c
end

local function hup(conf)
  T.sh("cp " .. TMP .. "/" .. conf .. " " .. TMP .. "/filterd.conf")
  T.sh("kill -HUP " .. FILTERD_PID)
end

T.main(function()
  local early = T.connect()
  T.hello(early)
  T.envelope(early, "EARLY1")
  T.headers(early, "opened before the reload")

  local c = gtube("BEFORE1")
  local st = T.expect_accept(c, "before the reload")
  T.check(st:match("^Yes, score="), "spam but not rejected: " .. st)
  T.check(T.added(c, "X-Spam-Flag") == "YES", "X-Spam-Flag YES")
  mt.disconnect(c)
  T.ok("reject_score -1: GTUBE accepted with X-Spam-Status Yes")

  hup("conf.reject")
  T.wait_log("configuration reloaded")
  c = gtube("AFTER1")
  T.expect_reject(c, "after the reload")
  mt.disconnect(c)
  T.ok("after SIGHUP with reject_score 15: GTUBE rejected")

  T.body(early, GTUBE .. "\r\n")
  st = T.expect_accept(early, "connection opened before the reload")
  T.check(st:match("^Yes, "), st)
  mt.disconnect(early)
  T.wait_log("configuration 1: freed")
  T.ok("a connection opened before the reload finished with the old configuration, then freed it")

  hup("conf.broken")
  T.wait_log("reload refused: the running configuration stays in use")
  c = gtube("BROKEN1")
  T.expect_reject(c, "after a refused reload")
  mt.disconnect(c)
  T.ok("a broken configuration is refused; the running one still rejects GTUBE")

  hup("conf.reject")
  T.wait_log("configuration reloaded", 2)
  c = T.ham("HAMAGAIN1")
  st = T.expect_accept(c, "after a good reload")
  mt.disconnect(c)
  T.ok("a good configuration after a broken one loads")
end)
